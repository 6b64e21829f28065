// What a terminal connection sends its page: the pane's bytes gathered into one frame
// per turn of the event loop (tmux sends many small notifications), and its JSON
// messages. A page that reads slowly holds back its own source only: past HIGH_WATER
// bytes waiting in the socket the source is paused, below LOW_WATER resumed.
import type { WebSocket } from 'ws';

const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

/** The source of the bytes, as far as holding it back goes. */
export interface Throttled {
  pause(): void;
  resume(): void;
}

export class SocketOutput {
  private readonly waiting: Buffer[] = [];
  private flushScheduled = false;
  private paused = false;

  constructor(
    private readonly ws: WebSocket,
    /** The source feeding the connection now, if any. */
    private readonly source: () => Throttled | undefined,
  ) {}

  /** Bytes for the page: sent at the next turn of the event loop, with the others of this turn. */
  bytes(data: Buffer): void {
    this.waiting.push(data);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Sends the bytes gathered so far now, ahead of a message that must follow them. */
  flush(): void {
    this.flushScheduled = false;
    if (this.waiting.length === 0 || this.ws.readyState !== this.ws.OPEN) return;
    const frame = Buffer.concat(this.waiting.splice(0));
    this.ws.send(frame, { binary: true }, () => {
      if (this.paused && this.ws.bufferedAmount < LOW_WATER) {
        this.paused = false;
        this.source()?.resume();
      }
    });
    if (!this.paused && this.ws.bufferedAmount > HIGH_WATER) {
      this.paused = true;
      this.source()?.pause();
    }
  }

  /** A JSON message for the page, sent at once. */
  json(message: object): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
  }
}
