// The web terminals' WebSocket endpoint. Each connection follows its tab's process as
// the state records it now: nothing while it is being started, then a tmux control
// client of its own on the process's session (tmux itself shows the same pane to every
// client, and a slow page holds back only its own client), or, for a process detached
// without tmux, a read-only follower of its log. A new process on the tab (a restart, a
// new architect) is attached in place; a process that ended leaves its last screen and
// a sentence saying so, never tmux's own error. The dashboard checked Host, Origin and
// the secret before handing the upgrade here; this file checks every message's shape.
// The wire protocol and the messages' shapes: terminal-protocol.ts.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { messageOf } from '../engine/index.js';
import { LogFollower } from '../farm/terminal/log-follower.js';
import { SocketOutput } from './socket-output.js';
import { TmuxControlClient } from '../farm/terminal/tmux-control.js';
import {
  parseClientMessage,
  MAX_CLIENT_MESSAGE,
  type TerminalFollow,
  type TerminalTarget,
} from './terminal-protocol.js';

export interface TerminalSockets {
  /** An upgrade the dashboard already checked (Host, Origin present and ours, secret): attach it to `follow`'s tab. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, follow: TerminalFollow): void;
  /** Ends every connection and control client (the server is stopping). */
  close(): Promise<void>;
}

/** The page says its size first; past this wait the first screen is painted at the default size. */
const FIRST_SIZE_WAIT_MS = 5000;
const DEFAULT_SIZE = { cols: 80, rows: 24 };
export const LOG_MODE_REASON = 'no tmux: this process runs detached; its output is shown from its log';

const CLOSE_NORMAL = 1000;
const CLOSE_GOING_AWAY = 1001;
const CLOSE_POLICY = 1008;
const CLOSE_ERROR = 1011;

/** What feeds one connection: a tmux control client or a log follower. */
interface Source {
  write?(bytes: Buffer): void;
  resize?(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  close(): Promise<void> | void;
}

/** What the page was last told: the mode of the last hello, or that the process ended. */
type Shown = 'starting' | 'tmux' | 'log' | 'ended';

/** The process's identity: a change of it is a new process to attach. */
const identityOf = (target: TerminalTarget) =>
  target.process ? JSON.stringify([target.process.pid, target.process.tmuxSession, target.process.logFile]) : '';

/** tmux's answer when the session (or its whole server) is gone. */
const SESSION_GONE = /can't find session|no server running|error connecting to|no sessions/i;

class TerminalConnection {
  private source: Source | undefined;
  private readonly out: SocketOutput;
  /** Input typed while a tmux client attaches, given to it once it is. */
  private readonly early: Buffer[] = [];
  private ended = false;
  private shown: Shown | undefined;
  /** The identity of the process shown (see identityOf). */
  private identity: string | undefined;
  /** The latest target not yet shown: only the latest matters. */
  private next: { target: TerminalTarget | undefined } | undefined;
  /** The loop that shows targets one at a time, awaited before stopping so no client outlives its connection. */
  private working: Promise<void> = Promise.resolve();
  private busy = false;
  private readonly unwatch: () => void;
  private readonly firstSize: Promise<{ cols: number; rows: number }>;
  private gotFirstSize: (size: { cols: number; rows: number }) => void = () => {};
  /** The page's latest size: one that changes while a client attaches is given to it once attached. */
  private size: { cols: number; rows: number } | undefined;
  private label: string;

  constructor(
    private readonly ws: WebSocket,
    follow: TerminalFollow,
    private readonly env: NodeJS.ProcessEnv | undefined,
  ) {
    this.label = follow.current.label;
    this.out = new SocketOutput(ws, () => this.source);
    this.firstSize = new Promise((resolve) => {
      this.gotFirstSize = resolve;
    });
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('close', () => this.stop());
    ws.on('error', () => this.stop());
    this.follow(follow.current);
    this.unwatch = follow.watch((target) => this.follow(target));
  }

  /** The tab's process as the state has it now: shown once the one before is. */
  private follow(target: TerminalTarget | undefined): void {
    if (this.ended) return;
    this.next = { target };
    if (!this.busy) this.working = this.showLatest();
  }

  /** Shows each latest target in turn; `busy` drops in the same step that finds none left, so none is missed. */
  private async showLatest(): Promise<void> {
    this.busy = true;
    try {
      while (this.next && !this.ended) {
        const { target } = this.next;
        this.next = undefined;
        await this.show(target);
      }
    } catch (error) {
      this.finish(messageOf(error), CLOSE_ERROR);
    } finally {
      this.busy = false;
    }
  }

  private async show(target: TerminalTarget | undefined): Promise<void> {
    if (!target) {
      this.finish(`${this.label} is no longer in the farm.`, CLOSE_NORMAL);
      return;
    }
    this.label = target.label;
    const { process } = target;
    if (identityOf(target) === this.identity) {
      if (process && !process.alive && this.shown !== 'ended') await this.processEnded();
      return;
    }
    await this.detach();
    this.identity = identityOf(target);
    if (!process) {
      this.hello('starting', `${target.label} is starting`);
    } else if (process.tmuxSession !== undefined) {
      this.hello('tmux');
      if ((await this.attach(process.tmuxSession)) && !process.alive) await this.processEnded();
    } else if (process.logFile !== undefined) {
      this.hello('log', LOG_MODE_REASON);
      this.source = new LogFollower({ file: process.logFile, onOutput: (data) => this.out.bytes(data) });
      if (!process.alive) await this.processEnded();
    } else {
      this.exit(`${target.label} has no terminal: neither a tmux session nor a log.`);
    }
  }

  private hello(mode: Exclude<Shown, 'ended'>, reason?: string): void {
    this.shown = mode;
    this.out.json({ type: 'hello', mode, readOnly: mode !== 'tmux', ...(reason ? { reason } : {}) });
  }

  /** Attaches a control client to `session`; false when it could not (the page was told why). */
  private async attach(session: string): Promise<boolean> {
    const size = this.size ?? (await this.sizeFirst());
    if (this.ended) return false;
    let client: TmuxControlClient | undefined;
    try {
      client = await TmuxControlClient.attach({
        session,
        ...size,
        env: this.env,
        onOutput: (data) => this.out.bytes(data),
        onExit: () => this.sourceLost(client),
      });
    } catch (error) {
      if (!this.ended)
        this.exit(
          SESSION_GONE.test(messageOf(error))
            ? `${this.label} has ended; tmux kept nothing of its screen.`
            : `${this.label}'s terminal could not be attached: ${messageOf(error)}`,
        );
      return false;
    }
    if (this.ended) {
      await client.close();
      return false;
    }
    this.source = client;
    if (this.size && (this.size.cols !== size.cols || this.size.rows !== size.rows))
      client.resize(this.size.cols, this.size.rows);
    for (const bytes of this.early.splice(0)) client.write(bytes);
    return true;
  }

  private async sizeFirst(): Promise<{ cols: number; rows: number }> {
    const timer = setTimeout(() => this.gotFirstSize(DEFAULT_SIZE), FIRST_SIZE_WAIT_MS);
    const size = await this.firstSize;
    clearTimeout(timer);
    return size;
  }

  /**
   * The process ended: its last screen as tmux kept it, painted whole (output on its way
   * when the end was seen is in it), else what the page shows already; a log stays
   * followed (its last lines may be on the way).
   */
  private async processEnded(): Promise<void> {
    const kept =
      this.shown === 'tmux' ? ': its last screen is shown' : this.shown === 'log' ? ': its log is shown' : '';
    if (this.source instanceof TmuxControlClient)
      await this.source.paintLastScreen().catch(() => {
        // The session is gone with its pane: the page keeps what it was sent.
      });
    if (this.shown === 'tmux') await this.detach();
    this.exit(`${this.label} has ended${kept}.`);
  }

  /** The control client went away on its own (its session was closed): what it showed stays. */
  private sourceLost(client: TmuxControlClient | undefined): void {
    if (client === undefined || this.source !== client || this.ended) return;
    this.source = undefined;
    this.exit(`${this.label} has ended; its tmux session is closed.`);
  }

  private exit(reason: string): void {
    this.out.flush();
    this.shown = 'ended';
    this.out.json({ type: 'exit', reason });
  }

  private async detach(): Promise<void> {
    const source = this.source;
    this.source = undefined;
    this.early.length = 0;
    await source?.close();
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.ended) return;
    if (isBinary) {
      if (this.shown === 'log') this.refuse('this terminal is read-only');
      else if (this.source) this.source.write?.(data);
      else if (this.shown === 'tmux') this.early.push(data);
      // Typed as the process ended or before it started: nothing takes it.
      return;
    }
    const message = parseClientMessage(data.toString('utf8'));
    if (!message) {
      this.refuse('malformed message');
      return;
    }
    this.size = { cols: message.cols, rows: message.rows };
    this.gotFirstSize(this.size);
    this.source?.resize?.(message.cols, message.rows);
  }

  /** The tab is gone (or the connection failed): what is left of the output, the reason, a close. */
  private finish(reason: string, code: number): void {
    if (this.ended) return;
    this.exit(reason);
    this.ws.close(code, code === CLOSE_NORMAL ? 'tab closed' : 'terminal error');
    void this.stop();
  }

  private refuse(why: string): void {
    this.ws.close(CLOSE_POLICY, why);
    void this.stop();
  }

  async stop(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.unwatch();
    this.gotFirstSize(DEFAULT_SIZE);
    await this.working;
    await this.detach();
  }

  /** The server is stopping. */
  async shutDown(): Promise<void> {
    this.ws.close(CLOSE_GOING_AWAY, 'server stopping');
    await this.stop();
  }
}

/** `env`: tmux's environment (tests give their own TMUX_TMPDIR); the process's own by default. */
export function createTerminalSockets(options: { env?: NodeJS.ProcessEnv } = {}): TerminalSockets {
  const server = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE, perMessageDeflate: false });
  const connections = new Set<TerminalConnection>();
  return {
    handleUpgrade(request, socket, head, follow) {
      server.handleUpgrade(request, socket, head, (ws) => {
        const connection = new TerminalConnection(ws, follow, options.env);
        connections.add(connection);
        ws.on('close', () => connections.delete(connection));
      });
    },
    async close() {
      await Promise.all([...connections].map((connection) => connection.shutDown()));
      connections.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
