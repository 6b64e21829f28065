// Server-Sent Events for a page (the dashboard's overview, the tower's status): the
// view at once, then again each time it changes. While a page listens the files are
// read every TICK_MS (the engine sees another process's commit on that read, and a
// process found dead changes the view too); one read serves every listener. A
// listener that stops reading is dropped before its buffer grows large.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SECURITY_HEADERS } from '../farm/http-guard.js';

const TICK_MS = 250;
const PING_MS = 15_000;
/** A listener this far behind is dropped (its browser reconnects and gets the whole view anew). */
const BACKLOG_LIMIT = 4 * 1024 * 1024;

export class EventFeed {
  private readonly listeners = new Set<ServerResponse>();
  private last = '';
  private ticking: NodeJS.Timeout | undefined;
  private pinging: NodeJS.Timeout | undefined;
  private reading = false;

  /** `event`: the name of the events the page listens for. */
  constructor(
    private readonly read: () => Promise<unknown>,
    private readonly event = 'overview',
  ) {}

  get size(): number {
    return this.listeners.size;
  }

  async add(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
    });
    // A reconnecting page gets the whole view again; tell it to retry soon.
    response.write('retry: 1000\n\n');
    this.listeners.add(response);
    request.on('close', () => this.remove(response));
    response.on('error', () => this.remove(response));
    const text = JSON.stringify(await this.read());
    this.last = text;
    this.send(response, text);
    this.ticking ??= setInterval(() => void this.tick(), TICK_MS);
    this.pinging ??= setInterval(() => this.ping(), PING_MS);
  }

  /** Ends every stream (the server is stopping). */
  close(): void {
    for (const response of this.listeners) response.end();
    this.listeners.clear();
    this.stopTimers();
  }

  /** Reads now and sends the view if it changed (a route changed something). */
  async tick(): Promise<void> {
    if (this.reading || this.listeners.size === 0) return;
    this.reading = true;
    try {
      const text = JSON.stringify(await this.read());
      if (text === this.last) return;
      this.last = text;
      for (const response of this.listeners) this.send(response, text);
    } catch {
      // A read that failed outright is tried again on the next tick.
    } finally {
      this.reading = false;
    }
  }

  private send(response: ServerResponse, view: string): void {
    if (response.writableLength > BACKLOG_LIMIT) {
      response.destroy();
      this.remove(response);
      return;
    }
    response.write(`event: ${this.event}\ndata: ${view}\n\n`);
  }

  private ping(): void {
    for (const response of this.listeners) response.write(': ping\n\n');
  }

  private remove(response: ServerResponse): void {
    this.listeners.delete(response);
    if (this.listeners.size === 0) this.stopTimers();
  }

  private stopTimers(): void {
    clearInterval(this.ticking);
    clearInterval(this.pinging);
    this.ticking = this.pinging = undefined;
  }
}
