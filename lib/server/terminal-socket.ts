// The web terminals' WebSocket endpoint: each connection gets a tmux control client
// of its own on the tab's session (tmux itself shows the same pane to every client, and
// a slow page holds back only its own client), or, for a process detached without
// tmux, a read-only follower of its log. The dashboard checked Host, Origin and the
// secret before handing the upgrade here; this file checks every message's shape.
//
// Wire protocol (text frames are JSON, binary frames are terminal bytes):
//   client → server  {"type":"resize","cols":C,"rows":R} first (the first screen is painted at that size), and on
//                    every resize; binary: input bytes (refused in log mode).
//   server → client  {"type":"hello","mode":"tmux"|"log","readOnly":bool,"reason"?:string} at once; binary: output
//                    (a tmux connection starts with a reset and the whole current screen); {"type":"exit","reason"}
//                    when the session ended, then a close (1000). Any other close: the page reconnects.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { messageOf } from '../engine/index.js';
import { LogFollower } from '../farm/terminal/log-follower.js';
import { TmuxControlClient } from '../farm/terminal/tmux-control.js';

export interface TerminalTarget {
  tab: string;
  label: string;
  tmuxSession?: string;
  logFile?: string;
}

export interface TerminalSockets {
  /** An upgrade the dashboard already checked (Host, Origin present and ours, secret): attach it to `target`. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, target: TerminalTarget): void;
  /** Ends every connection and control client (the server is stopping). */
  close(): Promise<void>;
}

/** Larger client messages close the connection (1009): input is typed or pasted, never megabytes. */
export const MAX_CLIENT_MESSAGE = 64 * 1024;
/** Above this much output waiting for the page, stop reading the source; below LOW, read again. */
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;
/** The page says its size first; past this wait the first screen is painted at the default size. */
const FIRST_SIZE_WAIT_MS = 5000;
const DEFAULT_SIZE = { cols: 80, rows: 24 };
const MAX_DIMENSION = 1000;
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

type ClientMessage = { type: 'resize'; cols: number; rows: number };

/** A text frame from the page, or undefined when it is not one the protocol has. */
export function parseClientMessage(text: string): ClientMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, cols, rows } = value as Record<string, unknown>;
  const dimension = (n: unknown): n is number =>
    Number.isInteger(n) && (n as number) >= 1 && (n as number) <= MAX_DIMENSION;
  if (type === 'resize' && dimension(cols) && dimension(rows) && Object.keys(value).length === 3)
    return { type, cols, rows };
  return undefined;
}

class TerminalConnection {
  private source: Source | undefined;
  private readonly outgoing: Buffer[] = [];
  /** Input typed before the source is attached, given to it once it is. */
  private readonly early: Buffer[] = [];
  private flushScheduled = false;
  private paused = false;
  private ended = false;
  /** The attach (or the follower's start), awaited before stopping so no client outlives its connection. */
  private readonly starting: Promise<void>;
  private readonly firstSize: Promise<{ cols: number; rows: number }>;
  private gotFirstSize: (size: { cols: number; rows: number }) => void = () => {};
  /** The page's latest size: one that changes while the client attaches is given to it once attached. */
  private size: { cols: number; rows: number } | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly target: TerminalTarget,
    private readonly env: NodeJS.ProcessEnv | undefined,
  ) {
    this.firstSize = new Promise((resolve) => {
      this.gotFirstSize = resolve;
    });
    const readOnly = target.tmuxSession === undefined;
    this.sendJson(
      readOnly
        ? { type: 'hello', mode: 'log', readOnly: true, reason: LOG_MODE_REASON }
        : { type: 'hello', mode: 'tmux', readOnly: false },
    );
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('close', () => this.stop());
    ws.on('error', () => this.stop());
    this.starting = this.start();
    this.starting.catch((error: unknown) => this.finish(messageOf(error), CLOSE_ERROR));
  }

  private async start(): Promise<void> {
    const { tmuxSession, logFile } = this.target;
    if (tmuxSession !== undefined) {
      const timer = setTimeout(() => this.gotFirstSize(DEFAULT_SIZE), FIRST_SIZE_WAIT_MS);
      const size = await this.firstSize;
      clearTimeout(timer);
      if (this.ended) return;
      const client = await TmuxControlClient.attach({
        session: tmuxSession,
        ...size,
        env: this.env,
        onOutput: (data) => this.output(data),
        onExit: (reason) => this.finish(reason, CLOSE_NORMAL),
      });
      if (this.ended) {
        await client.close();
        return;
      }
      this.source = client;
      if (this.size && (this.size.cols !== size.cols || this.size.rows !== size.rows))
        client.resize(this.size.cols, this.size.rows);
      for (const bytes of this.early.splice(0)) client.write(bytes);
    } else if (logFile !== undefined) {
      this.source = new LogFollower({ file: logFile, onOutput: (data) => this.output(data) });
    } else {
      this.finish(`${this.target.label} has no terminal: neither a tmux session nor a log.`, CLOSE_NORMAL);
    }
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.ended) return;
    if (isBinary) {
      if (this.target.tmuxSession === undefined) this.refuse('this terminal is read-only');
      else if (this.source) this.source.write?.(data);
      else this.early.push(data);
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

  /** Output is sent once per turn of the event loop, many tmux notifications in one frame. */
  private output(data: Buffer): void {
    this.outgoing.push(data);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.outgoing.length === 0 || this.ws.readyState !== this.ws.OPEN) return;
    const frame = Buffer.concat(this.outgoing.splice(0));
    this.ws.send(frame, { binary: true }, () => {
      if (this.paused && this.ws.bufferedAmount < LOW_WATER) {
        this.paused = false;
        this.source?.resume();
      }
    });
    if (!this.paused && this.ws.bufferedAmount > HIGH_WATER) {
      this.paused = true;
      this.source?.pause();
    }
  }

  private sendJson(message: object): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
  }

  /** The session ended (or could not be attached): what is left of the output, the reason, a close. */
  private finish(reason: string, code: number): void {
    if (this.ended) return;
    this.flush();
    this.sendJson({ type: 'exit', reason });
    this.ws.close(code, code === CLOSE_NORMAL ? 'session ended' : 'terminal error');
    void this.stop();
  }

  private refuse(why: string): void {
    this.ws.close(CLOSE_POLICY, why);
    void this.stop();
  }

  async stop(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.gotFirstSize(DEFAULT_SIZE);
    await this.starting.catch(() => {});
    const source = this.source;
    this.source = undefined;
    await source?.close();
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
    handleUpgrade(request, socket, head, target) {
      server.handleUpgrade(request, socket, head, (ws) => {
        const connection = new TerminalConnection(ws, target, options.env);
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
