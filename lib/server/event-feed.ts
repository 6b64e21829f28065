// Server-Sent Events for a page (the dashboard's overview, the tower's status): the
// view at once, then again each time it changes. While a page listens the files are
// read every TICK_MS (the engine sees another process's commit on that read, and a
// process found dead changes the view too); one read serves every listener. A
// listener that stops reading is dropped before its buffer grows large. The server's
// own watchers (the terminal sockets, following their tab's process) are called on
// the same reads.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { SECURITY_HEADERS } from '../farm/http-guard.js';

const TICK_MS = 250;
const PING_MS = 15_000;
/** A listener this far behind is dropped (its browser reconnects and gets the whole view anew). */
const BACKLOG_LIMIT = 4 * 1024 * 1024;

/** A watcher, and whether it waits for its first view (a method: a feed of any view is an EventFeed). */
interface Watching<T> {
  see(view: T): void;
  fresh: boolean;
}

export class EventFeed<T = unknown> {
  private readonly listeners = new Set<ServerResponse>();
  private readonly watchers = new Set<Watching<T>>();
  private last = '';
  private ticking: NodeJS.Timeout | undefined;
  private pinging: NodeJS.Timeout | undefined;
  private reading = false;

  /** `event`: the name of the events the page listens for. */
  constructor(
    private readonly read: () => Promise<T>,
    private readonly event = 'overview',
  ) {}

  get size(): number {
    return this.listeners.size;
  }

  /** Calls `see` with the view read on the next tick, then with each change; returns how to stop. */
  watch(see: (view: T) => void): () => void {
    const watching: Watching<T> = { see, fresh: true };
    this.watchers.add(watching);
    this.startTimers();
    return () => {
      this.watchers.delete(watching);
      this.stopTimersWhenIdle();
    };
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
    this.startTimers();
  }

  /** Ends every stream (the server is stopping). */
  close(): void {
    for (const response of this.listeners) response.end();
    this.listeners.clear();
    this.watchers.clear();
    this.stopTimers();
  }

  /** Reads now and sends the view if it changed (a route changed something). */
  async tick(): Promise<void> {
    if (this.reading || (this.listeners.size === 0 && this.watchers.size === 0)) return;
    this.reading = true;
    try {
      const view = await this.read();
      const text = JSON.stringify(view);
      const changed = text !== this.last;
      this.last = text;
      if (changed) for (const response of this.listeners) this.send(response, text);
      for (const watching of this.watchers) {
        if (!changed && !watching.fresh) continue;
        watching.fresh = false;
        watching.see(view);
      }
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
    this.stopTimersWhenIdle();
  }

  private startTimers(): void {
    this.ticking ??= setInterval(() => void this.tick(), TICK_MS);
    this.pinging ??= setInterval(() => this.ping(), PING_MS);
  }

  private stopTimersWhenIdle(): void {
    if (this.listeners.size === 0 && this.watchers.size === 0) this.stopTimers();
  }

  private stopTimers(): void {
    clearInterval(this.ticking);
    clearInterval(this.pinging);
    this.ticking = this.pinging = undefined;
  }
}

/** Ends a server that feeds pages: its streams first (they would hold it open), then its connections. */
export function closeServer(server: Server, feed: EventFeed): Promise<void> {
  return new Promise<void>((resolve) => {
    feed.close();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
