// The terminal page's WebSocket to the dashboard: binary frames are terminal bytes,
// text frames JSON (the protocol is described in lib/server/terminal-socket.ts). The
// socket follows the tab's process by itself; a socket that closes for any other
// reason than the tab's end (1000) is opened again, waiting longer each time (the
// server may be restarting), or at once when the dashboard says its server is back.

export type ServerMessage =
  | { type: 'hello'; mode: 'tmux' | 'log' | 'starting'; readOnly: boolean; reason?: string }
  | { type: 'exit'; reason: string };

export interface ConnectionEvents {
  /** The socket is open: say the terminal's size. */
  onOpen(): void;
  onMessage(message: ServerMessage): void;
  onOutput(bytes: Uint8Array): void;
  /** Lost without the tab's end; the next try is in `retryMs`. */
  onLost(retryMs: number): void;
}

/** The server closes with this code once the tab is gone from the farm: nothing to connect to again. */
const CLOSE_TAB_GONE = 1000;
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 8000;

export class TerminalConnection {
  private socket: WebSocket | undefined;
  private retryMs = FIRST_RETRY_MS;
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly url: string,
    private readonly events: ConnectionEvents,
  ) {
    this.open();
  }

  send(data: string | Uint8Array): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(data);
  }

  /** Tries again now rather than at the end of the wait (the dashboard's server answers again). */
  retryNow(): void {
    if (this.retry === undefined) return;
    clearTimeout(this.retry);
    this.retry = undefined;
    this.open();
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
      this.events.onMessage(message);
    });
    socket.addEventListener('close', (event) => {
      if (event.code === CLOSE_TAB_GONE) return;
      const wait = this.retryMs;
      this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
      this.events.onLost(wait);
      this.retry = setTimeout(() => {
        this.retry = undefined;
        this.open();
      }, wait);
    });
  }
}
