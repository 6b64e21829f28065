// A tmux control-mode client (`tmux -C attach-session`) on one farm session: the
// pane's output as bytes, input as `send-keys -H`, the client's size through
// `refresh-client -C`, and the first screen painted from `capture-pane`. Control
// mode needs no terminal: stdin and stdout are pipes, and closing stdin detaches.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { AgentFarmStateError } from '../../engine/index.js';
import type { DomainErrorCode } from '../../shared/errors.js';
import { ControlModeParser, type ControlEvent } from './control-mode-parser.js';
import { paintScreen, SCREEN_FORMAT } from './screen-paint.js';

/** A web terminal could not attach to its tmux session, or tmux refused one of its commands. */
export class TerminalError extends AgentFarmStateError<DomainErrorCode> {
  constructor(message: string) {
    super('E_TERMINAL', message);
  }
}

export interface ControlClientOptions {
  /** The tmux session's name (letters, digits, `_` and `-`, as the farm names them). */
  session: string;
  cols: number;
  rows: number;
  /** Lines of scrollback the first screen carries. */
  history?: number;
  /** tmux's environment (TMUX_TMPDIR chooses the server); the process's own when absent. */
  env?: NodeJS.ProcessEnv;
  /** The pane's bytes: first a whole screen (a reset, then its content), then what the pane writes. */
  onOutput(data: Buffer): void;
  /** The client is gone (the session ended, tmux died); not called after close(). */
  onExit(reason: string): void;
}

const DEFAULT_HISTORY = 1000;
/** Bytes of input per send-keys command: a line of about 3 characters a byte. */
const SEND_KEYS_CHUNK = 256;
const MAX_SIZE = 1000;
const CLOSE_GRACE_MS = 1000;
/** How long a pane whose program exited may take to be marked dead by tmux (its last output read). */
const DEAD_WAIT_MS = 1000;
const DEAD_POLL_MS = 25;

interface PendingCommand {
  expected: number;
  replies: Buffer[];
  failure: string | undefined;
  /** Called as the last reply is parsed, before any later event: a screen's output must not wait a microtask. */
  settle(failure: string | undefined, replies: Buffer[]): void;
}

export class TmuxControlClient {
  private readonly parser = new ControlModeParser();
  private readonly pending: PendingCommand[] = [];
  /** The pane followed, known from the first screen: output before it is in that screen already. */
  private pane = '';
  private ended = false;
  private closing = false;
  /** An error tmux reported for the attach itself (no such session). */
  private attachError: string | undefined;
  /** Settled by the attach-session command's own reply: a command sent before it may run with no session yet. */
  private readonly attached: Promise<void>;
  private settleAttach: (failure?: string) => void = () => {};

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly options: ControlClientOptions,
  ) {
    this.attached = new Promise((resolve, reject) => {
      this.settleAttach = (failure) => (failure === undefined ? resolve() : reject(new TerminalError(failure)));
    });
    child.stdout.on('data', (chunk: Buffer) => {
      for (const event of this.parser.push(chunk)) this.handle(event);
    });
    child.stdin.on('error', () => {
      // The client exited; 'exit' below reports it.
    });
    child.on('error', (error) => this.end(`tmux could not run: ${error.message}`));
    child.on('exit', () => this.end(this.attachError ?? 'tmux exited'));
  }

  /** Attaches to the session; resolves once the first screen went to onOutput. */
  static async attach(options: ControlClientOptions): Promise<TmuxControlClient> {
    if (!/^[\w-]+$/.test(options.session))
      throw new TerminalError(`"${options.session}" is not a farm session name (letters, digits, _ and - only).`);
    const child = spawn('tmux', ['-C', 'attach-session', '-t', `=${options.session}`], {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const client = new TmuxControlClient(child, options);
    try {
      await client.attached;
      client.resize(options.cols, options.rows);
      await client.paintScreen();
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  /** Types `bytes` into the pane, as keys (send-keys -H: any byte, UTF-8 and escape sequences included). */
  write(bytes: Buffer): void {
    for (let start = 0; start < bytes.length; start += SEND_KEYS_CHUNK) {
      const hex = [...bytes.subarray(start, start + SEND_KEYS_CHUNK)].map((byte) => byte.toString(16));
      this.command(`send-keys -H -t ${this.pane} ${hex.join(' ')}`).catch(() => {
        // Input to a pane that just ended: the exit is reported on its own.
      });
    }
  }

  /**
   * Makes this client `cols` × `rows` and the window's size source: tmux sizes a window to its latest client, and
   * only a (re)attach makes a control client the latest, so the page that resized or took the focus last wins.
   */
  resize(cols: number, rows: number): void {
    const fit = (value: number) => Math.min(MAX_SIZE, Math.max(1, Math.floor(value)));
    this.command(`switch-client -t '=${this.options.session}' ; refresh-client -C ${fit(cols)}x${fit(rows)}`, 2).catch(
      () => {
        // As for write().
      },
    );
  }

  /** Sends the pane's whole screen through onOutput: what a fresh terminal needs to show it as it is. */
  private async paintScreen(): Promise<void> {
    const target = `-t '=${this.options.session}:'`;
    const history = this.options.history ?? DEFAULT_HISTORY;
    await this.command(
      `display-message -p ${target} '${SCREEN_FORMAT}' ; capture-pane -p -e ${target} -S -${history} ; capture-pane -p -e -a -q ${target}`,
      3,
      (replies) => {
        if (!replies) return;
        const screen = paintScreen(replies[0]!.toString('latin1'), replies[1]!, replies[2]!);
        this.pane = screen.pane;
        this.options.onOutput(screen.bytes);
      },
    );
  }

  /**
   * The pane's program exited: once tmux has marked the pane dead (all its output read),
   * sends its last screen whole through onOutput, as tmux kept it (remain-on-exit).
   */
  async paintLastScreen(): Promise<void> {
    const dead = `display-message -p -t '=${this.options.session}:' '#{pane_dead}'`;
    for (const deadline = Date.now() + DEAD_WAIT_MS; Date.now() < deadline; await delay(DEAD_POLL_MS)) {
      const [reply] = await this.command(dead);
      if (reply?.toString('latin1').trim() === '1') break;
    }
    await this.paintScreen();
  }

  /** Stops reading tmux's output (the reader is behind); tmux keeps it until resume(). */
  pause(): void {
    this.child.stdout.pause();
  }

  resume(): void {
    this.child.stdout.resume();
  }

  /** Detaches this client (the session goes on) and waits for its process to end. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    this.child.stdout.resume();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), CLOSE_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  /**
   * Writes one command line (`expected` replies: one per command of a `;` list).
   * `onSettled` runs as the last reply is parsed, before any later event (undefined when it failed).
   */
  private command(line: string, expected = 1, onSettled?: (replies: Buffer[] | undefined) => void): Promise<Buffer[]> {
    return new Promise((resolve, reject) => {
      const settle = (failure: string | undefined, replies: Buffer[]) => {
        onSettled?.(failure === undefined ? replies : undefined);
        if (failure === undefined) resolve(replies);
        else reject(new TerminalError(failure));
      };
      if (this.ended) {
        settle(`tmux session ${this.options.session} has ended.`, []);
        return;
      }
      this.pending.push({ expected, replies: [], failure: undefined, settle });
      this.child.stdin.write(`${line}\n`);
    });
  }

  private handle(event: ControlEvent): void {
    switch (event.type) {
      case 'output':
        if (event.pane === this.pane) this.options.onOutput(event.data);
        return;
      case 'reply':
        if (event.fromClient) {
          this.reply(event.ok, event.body);
        } else if (event.ok) {
          this.settleAttach();
        } else {
          this.attachError = event.body.toString('utf8');
          this.settleAttach(`tmux could not attach to session ${this.options.session}: ${this.attachError}`);
        }
        return;
      case 'exit':
        this.end(this.attachError ?? event.reason ?? 'the tmux session ended');
        return;
      default:
        // Window and session notifications, pauses: this client follows one pane and never asks for pause-after.
        return;
    }
  }

  private reply(ok: boolean, body: Buffer): void {
    const command = this.pending[0];
    if (!command) return;
    command.replies.push(body);
    if (!ok) command.failure ??= `tmux refused a command: ${body.toString('utf8')}`;
    if (command.replies.length < command.expected) return;
    this.pending.shift();
    command.settle(command.failure, command.replies);
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.settleAttach(`tmux session ${this.options.session}: ${reason}`);
    for (const command of this.pending.splice(0)) command.settle(`tmux session ${this.options.session}: ${reason}`, []);
    if (!this.closing) this.options.onExit(reason);
  }
}
