// Starting and ending the farm's processes. A terminal program (architect, builder,
// utility shell) runs in its own tmux session when tmux is installed, else detached
// in its own process group with its output in a log file. Either way its pid leads
// a process group, so ending the group ends everything it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { AgentFarmStateError, messageOf, isProcessAlive } from '../engine/index.js';
import type { DomainErrorCode } from '../shared/errors.js';
import { carriesFarmMark, FARM_MARKER } from './farm-mark.js';
import { openLogForAppend, readLogFrom } from './log-files.js';
import { findExecutable } from './find-executable.js';
import { commandArgv } from './command-line.js';
import { paneLives, tmux } from './tmux.js';

/** How long a new program must stay up to count as started: one that fails at once is reported, not recorded. */
const SETTLE_MS = 300;
/** How long a server may take to say it is listening. */
const READY_TIMEOUT_MS = 5000;
/** Between SIGTERM and SIGKILL. */
const STOP_GRACE_MS = 2000;
const POLL_MS = 25;

/** A program the farm starts (architect, builder, terminal, annotation server) did not start. */
export class LaunchError extends AgentFarmStateError<DomainErrorCode> {
  constructor(message: string) {
    super('E_LAUNCH', message);
  }
}

/**
 * tmux already runs a session of the name a launch wanted: a process the state no longer
 * records (the state was reset while the farm ran). It is not the launch's to end.
 */
export class SessionExistsError extends LaunchError {
  constructor(spec: TerminalSpec) {
    super(
      `cannot start ${spec.label}: the tmux session ${spec.session} already exists, running a process the farm's state ` +
        `does not record (was the state reset while the farm ran?). "tmux attach -t ${spec.session}" shows it; ` +
        `"af stop" ends it with the farm's other processes.`,
    );
  }
}

export interface Launched {
  pid: number;
  tmuxSession?: string;
  /** Where a detached program's output goes. */
  logFile?: string;
}

export interface DetachedSpec {
  /** Who it is, for messages: "the architect command". */
  label: string;
  /** What it runs, for messages. */
  command: string;
  cwd: string;
  logFile: string;
  /** The farm's id, marked on the process (AF_FARM) so `af stop` finds it unrecorded. */
  farmId: string;
}

export interface TerminalSpec extends DetachedSpec {
  /** The tmux session's name. */
  session: string;
  /** Arguments after the command's words (an agent's prompt), each passed as it is. */
  args?: readonly string[];
  /** Keep the pane, and its last screen, once the program exits (keepScreenAfterExit). */
  keepScreen?: boolean;
}

export function tmuxInstalled(): boolean {
  return findExecutable('tmux') !== undefined;
}

/** `=name` makes tmux match the session name exactly, never a longer name that starts with it. */
const exactly = (session: string) => `=${session}`;

export async function launchTerminal(spec: TerminalSpec, useTmux: boolean): Promise<Launched> {
  const argv = commandArgv(spec.command, spec.args);
  return useTmux ? launchInTmux(spec, argv) : launchDetached(spec, argv, 'settle');
}

/** The new session's pane pid. */
function newSession(spec: TerminalSpec, argv: string[]): Promise<string> {
  // More than one word: tmux runs the argv as it is, with no shell of its own.
  const args = ['new-session', '-d', '-s', spec.session, '-c', spec.cwd, '-P', '-F', '#{pane_pid}', ...argv];
  // The mark in the pane's environment (tmux 3.0 on) backs up the session's name; an older tmux goes without.
  return tmux(...args.slice(0, 4), '-e', `${FARM_MARKER}=${spec.farmId}`, ...args.slice(4)).catch((error: Error) =>
    /unknown option|usage:/i.test(error.message) ? tmux(...args) : Promise.reject(error),
  );
}

async function launchInTmux(spec: TerminalSpec, argv: string[]): Promise<Launched> {
  let output: string | undefined;
  for (let attempt = 1; output === undefined; attempt++) {
    try {
      output = await newSession(spec, argv);
    } catch (error) {
      if (/duplicate session/i.test(messageOf(error))) {
        // A session of that name whose program ended (its pane kept for its last screen), which the state no
        // longer records, is a leftover: ended, and made again. One whose program runs is not this launch's.
        if (attempt > 1 || (await paneLives(spec.session))) throw new SessionExistsError(spec);
        await killTmuxSession(spec.session);
        continue;
      }
      // The client may have died (Ctrl-C reaches it too) after the server made the session.
      await killTmuxSession(spec.session);
      throw new LaunchError(`cannot start ${spec.label} in the tmux session ${spec.session}: ${messageOf(error)}`);
    }
  }
  if (spec.keepScreen) await keepScreenAfterExit(spec.session);
  const pid = Number(output.trim());
  await delay(SETTLE_MS);
  if (!isProcessAlive(pid)) {
    await killTmuxSession(spec.session);
    throw new LaunchError(
      `${spec.label} "${spec.command}" exited at once in tmux; run it by hand in ${spec.cwd} to see why.`,
    );
  }
  return { pid, tmuxSession: spec.session };
}

/**
 * Runs `argv` detached, its output appended to the spec's log. 'settle' waits to see
 * it stay up; 'ready' waits for it to send "ready" over its IPC channel.
 */
async function launchDetached(spec: DetachedSpec, argv: string[], until: 'settle' | 'ready'): Promise<Launched> {
  const log = openLogForAppend(spec.logFile);
  // The log is shared with earlier runs under the same name: quote only this run's part.
  const logStart = fstatSync(log).size;
  let child: ChildProcess;
  try {
    child = spawn(argv[0]!, argv.slice(1), {
      cwd: spec.cwd,
      detached: true,
      env: { ...process.env, [FARM_MARKER]: spec.farmId },
      stdio: ['ignore', log, log, ...(until === 'ready' ? ['ipc' as const] : [])],
    });
  } finally {
    closeSync(log);
  }
  const failure = await startupFailure(child, until);
  if (failure !== undefined) {
    if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    const tmuxHint =
      until === 'settle' ? ' Without tmux a program gets no terminal: interactive programs need tmux installed.' : '';
    throw new LaunchError(`${spec.label} "${spec.command}" ${failure}.${tmuxHint}${logTail(spec.logFile, logStart)}`);
  }
  if (child.connected) child.disconnect();
  child.unref();
  return { pid: child.pid!, logFile: spec.logFile };
}

/** Why the child did not start, or undefined when it did. */
function startupFailure(child: ChildProcess, until: 'settle' | 'ready'): Promise<string | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => resolve(until === 'settle' ? undefined : `did not start listening within ${READY_TIMEOUT_MS} ms`),
      until === 'settle' ? SETTLE_MS : READY_TIMEOUT_MS,
    );
    const settle = (outcome: string | undefined) => {
      clearTimeout(timer);
      resolve(outcome);
    };
    child.once('error', (error) => settle(`could not be started: ${error.message}`));
    child.once('exit', (code, signal) =>
      settle(`exited at once (${signal ? `signal ${signal}` : `exit code ${code}`})`),
    );
    child.once('message', (message) =>
      settle(message === 'ready' ? undefined : `sent an unexpected message ${JSON.stringify(message)}`),
    );
  });
}

function logTail(logFile: string, from: number): string {
  const text = readLogFrom(logFile, from, 4000)?.trimEnd();
  if (text === undefined) return '';
  return text === ''
    ? ` It wrote nothing to its log ${logFile}.`
    : `\nThe end of its log ${logFile}:\n${text.slice(-1000)}`;
}

/**
 * Keeps the session's pane once its program exits (tmux's remain-on-exit), so its last
 * screen can still be shown. The pane is dead then, not alive: its pid is gone, and
 * `af stop`, `af cleanup` and a new start under the same name close the session.
 */
export async function keepScreenAfterExit(session: string): Promise<void> {
  // A program that already ended took its session along: the settle check reports it.
  await tmux('set-option', '-w', '-t', `${exactly(session)}:`, 'remain-on-exit', 'on').catch(() => {});
}

/** Starts a small server (argv) detached, and returns once it said it is listening. */
export async function launchServer(spec: DetachedSpec, argv: string[]): Promise<number> {
  return (await launchDetached(spec, argv, 'ready')).pid;
}

export type StopOutcome = 'stopped' | 'not running' | 'not a farm process' | 'survived';

/**
 * Ends a process the farm started: its tmux session, then its process group
 * (SIGTERM, SIGKILL after a grace). A live pid that leads no process group was
 * not started by the farm (its pid was reused) and is left alone.
 */
/**
 * Ends a process of the farm `farmId` and its tmux session, as a row records them. A
 * session is closed only when it is the farm's, a process signalled only when it
 * carries the farm's mark: a row may name anything (a planted file, a reused pid).
 */
export async function stopProcess(entry: { pid: number; tmuxSession?: string }, farmId: string): Promise<StopOutcome> {
  const wasRunning = isProcessAlive(entry.pid);
  if (entry.tmuxSession) await killFarmSession(entry.tmuxSession, farmId);
  if (!wasRunning) return 'not running';
  if (!carriesFarmMark(entry.pid, farmId)) return isProcessAlive(entry.pid) ? 'not a farm process' : 'stopped';
  // Closing its tmux session may have ended it already, and taken its group along.
  if (!signalGroup(entry.pid, 'SIGTERM')) return isProcessAlive(entry.pid) ? 'not a farm process' : 'stopped';
  if (!(await ended(entry.pid, STOP_GRACE_MS))) {
    signalGroup(entry.pid, 'SIGKILL');
    await ended(entry.pid, STOP_GRACE_MS);
  }
  return isProcessAlive(entry.pid) ? 'survived' : 'stopped';
}

/** Ends the tmux session of that exact name, if tmux runs it. */
export async function killTmuxSession(session: string): Promise<boolean> {
  if (!tmuxInstalled()) return false;
  return tmux('kill-session', '-t', exactly(session)).then(
    () => true,
    () => false,
  );
}

/** Undoes a launch that failed with `error`: ends the session made for it, never one that was there before. */
export async function endFailedSession(session: string, error: unknown): Promise<void> {
  if (!(error instanceof SessionExistsError)) await killTmuxSession(session);
}

/**
 * Ends `session` if it is one of the farm `farmId`'s: its name has the farm's prefix,
 * and the mark in its environment (tmux 3.0 on) is this farm's, not another farm's
 * whose folder name happens to continue the prefix.
 */
export async function killFarmSession(session: string, farmId: string): Promise<boolean> {
  if (!session.startsWith(`${farmId}-`) || !tmuxInstalled()) return false;
  const marked = await tmux('show-environment', '-t', exactly(session), FARM_MARKER).catch(() => '');
  const value = /^AF_FARM=(.*)$/m.exec(marked)?.[1];
  if (value !== undefined && value !== farmId) return false;
  return killTmuxSession(session);
}

/** The tmux sessions whose name starts with `prefix` (none when tmux or its server is not running). */
export async function tmuxSessionsStartingWith(prefix: string): Promise<string[]> {
  if (!tmuxInstalled()) return [];
  const listing = await tmux('list-sessions', '-F', '#{session_name}').catch(() => '');
  return listing.split('\n').filter((name) => name.startsWith(prefix));
}

/** The pid of the first pane of a tmux session, if it runs. */
export async function tmuxPanePid(session: string): Promise<number | undefined> {
  const output = await tmux('list-panes', '-t', exactly(session), '-F', '#{pane_pid}').catch(() => '');
  const pid = Number(output.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

async function ended(pid: number, withinMs: number): Promise<boolean> {
  for (const deadline = Date.now() + withinMs; Date.now() < deadline; await delay(POLL_MS)) {
    if (!isProcessAlive(pid)) return true;
  }
  return !isProcessAlive(pid);
}
