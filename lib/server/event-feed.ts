// Server-Sent Events for the dashboard page: the overview at once, then again each
// time it changes. While a page listens the state is read every TICK_MS (the engine
// sees another process's commit on that read, and a process found dead changes the
// overview too); one read serves every listener. A listener that stops reading is
// dropped before its buffer grows large. The server's own watchers (the terminal
// sockets, following their tab's process) are called on the same reads.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SECURITY_HEADERS } from '../farm/http-guard.js';
import type { Overview } from '../farm/overview-types.js';

const TICK_MS = 250;
const PING_MS = 15_000;
/** A listener this far behind is dropped (its browser reconnects and gets the whole overview anew). */
const BACKLOG_LIMIT = 4 * 1024 * 1024;

/** Called with the overview each time it changed; first with the next one read after it began watching. */
export type OverviewWatcher = (overview: Overview) => void;

export class EventFeed {
  private readonly listeners = new Set<ServerResponse>();
  /** Each watcher, and whether it waits for its first overview. */
  private readonly watchers = new Map<OverviewWatcher, { fresh: boolean }>();
  private last = '';
  private ticking: NodeJS.Timeout | undefined;
  private pinging: NodeJS.Timeout | undefined;
  private reading = false;

  constructor(private readonly read: () => Promise<Overview>) {}

  get size(): number {
    return this.listeners.size;
  }

  /** Calls `watcher` with the overview read on the next tick, then with each change; returns how to stop. */
  watch(watcher: OverviewWatcher): () => void {
    this.watchers.set(watcher, { fresh: true });
    this.startTimers();
    return () => {
      this.watchers.delete(watcher);
      this.stopTimersWhenIdle();
    };
  }

  async add(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
    });
    // A reconnecting page gets the whole overview again; tell it to retry soon.
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

  /** Reads now and sends the overview if it changed (a route changed the state). */
  async tick(): Promise<void> {
    if (this.reading || (this.listeners.size === 0 && this.watchers.size === 0)) return;
    this.reading = true;
    try {
      const overview = await this.read();
      const text = JSON.stringify(overview);
      const changed = text !== this.last;
      this.last = text;
      if (changed) for (const response of this.listeners) this.send(response, text);
      for (const [watcher, waiting] of this.watchers) {
        if (!changed && !waiting.fresh) continue;
        waiting.fresh = false;
        watcher(overview);
      }
    } catch {
      // A read that failed outright is tried again on the next tick.
    } finally {
      this.reading = false;
    }
  }

  private send(response: ServerResponse, overview: string): void {
    if (response.writableLength > BACKLOG_LIMIT) {
      response.destroy();
      this.remove(response);
      return;
    }
    response.write(`event: overview\ndata: ${overview}\n\n`);
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
