// The terminal page's WebSocket to the dashboard: binary frames are terminal bytes,
// text frames JSON (the protocol is described in lib/server/terminal-socket.ts). A
// socket that closes without the session's end is opened again, waiting longer each
// time: the server may be restarting.

export type ServerMessage =
  | { type: 'hello'; mode: 'tmux' | 'log'; readOnly: boolean; reason?: string }
  | { type: 'exit'; reason: string };

export interface ConnectionEvents {
  /** The socket is open: say the terminal's size. */
  onOpen(): void;
  onMessage(message: ServerMessage): void;
  onOutput(bytes: Uint8Array): void;
  /** Lost without the session's end; the next try is in `retryMs`. */
  onLost(retryMs: number): void;
}

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 8000;

export class TerminalConnection {
  private socket: WebSocket | undefined;
  private retryMs = FIRST_RETRY_MS;
  private ended = false;

  constructor(
    private readonly url: string,
    private readonly events: ConnectionEvents,
  ) {
    this.open();
  }

  send(data: string | Uint8Array): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(data);
  }

  private open(): void {
    const socket = new WebSocket(this.url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.addEventListener('open', () => this.events.onOpen());
    socket.addEventListener('message', (event: MessageEvent<ArrayBuffer | string>) => {
      if (typeof event.data !== 'string') {
        this.events.onOutput(new Uint8Array(event.data));
        return;
      }
      const message = JSON.parse(event.data) as ServerMessage;
      if (message.type === 'hello') this.retryMs = FIRST_RETRY_MS;
      if (message.type === 'exit') this.ended = true;
      this.events.onMessage(message);
    });
    socket.addEventListener('close', () => {
      if (this.ended) return;
      const wait = this.retryMs;
      this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
      this.events.onLost(wait);
      setTimeout(() => this.open(), wait);
    });
  }
}
