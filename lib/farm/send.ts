// `af send` and the dashboard's message box: a message typed into a running agent's
// terminal as one piece. The text goes to tmux on standard input (load-buffer: no
// temporary file anyone could read), is pasted in one go with bracketed paste when the
// program asked for it (so an agent takes a multi-line message as text), and Enter
// follows as a key of its own once the paste is in. One delivery at a time per
// terminal, across processes (a lock in the state folder), so messages sent at once
// never interleave. A target that does not exist, has ended or runs without tmux is
// refused before anything is typed.
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { acquireLock, AgentFarmStateError, InvalidInputError, isProcessAlive, messageOf } from '../engine/index.js';
import { MessageTooLargeError, NotFoundError, NotRunningError } from '../shared/errors.js';
import { stateDir } from '../shared/paths.js';
import type { DashboardState } from '../state/types.js';
import { paneLives, tmux, tmuxFed } from './tmux.js';
import type { FarmIdentity } from './project-farm.js';

/** The native limit of `--file`, and of a message. */
export const MAX_MESSAGE_BYTES = 48 * 1024;
/** How long a send waits for others to the same terminal. */
const QUEUE_TIMEOUT_MS = 60_000;
/** After an interrupt, the program's moment to get back to its prompt (as the native version waits). */
const AFTER_INTERRUPT_MS = 100;
/** After the paste, before Enter: the program reads the paste first, so Enter arrives as a key of its own. */
const AFTER_PASTE_MS = 100;

export interface SendOptions {
  /** Ctrl-C first. */
  interrupt?: boolean;
  /** No wrapper. */
  raw?: boolean;
  /** False: leave the message typed, not submitted. */
  enter?: boolean;
  /** Who sends, for the wrapper of a message to the architect: a builder's id. */
  from?: string;
}

export interface SendTarget {
  /** 'architect' or the builder's id. */
  id: string;
  label: string;
  tmuxSession: string;
}

/**
 * The native wrapper: an instruction to a builder is the architect's, unless a builder
 * sent it (from its worktree), which the heading then names; to the architect, a
 * message from whoever sent it.
 */
export function wrapMessage(message: string, to: string, options: SendOptions, now = new Date()): string {
  if (options.raw) return message;
  const heading = options.from
    ? `BUILDER ${options.from} MESSAGE`
    : to === 'architect'
      ? 'MESSAGE'
      : 'ARCHITECT INSTRUCTION';
  return `### [${heading} | ${now.toISOString()}] ###\n${message}\n###############################`;
}

/**
 * Terminal controls a message may not carry: typed into a terminal they are keys (an
 * Escape sequence could end the paste early and press Enter, or change an agent's
 * mode). Tab, new lines and carriage returns are text.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it finds
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

export function checkMessageText(text: string, what: string): void {
  const found = CONTROLS.exec(text);
  if (found)
    throw new InvalidInputError(
      `${what} holds the control character U+${found[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}, which a terminal would take as a key: nothing was sent. Send plain text (for a diff: git diff --no-color).`,
    );
}

/** `--file`: the message and the file's text, as the native version attaches it. */
export function withAttachment(message: string, attachment: string | undefined): string {
  return attachment === undefined ? message : `${message}\n\nAttached content:\n\`\`\`\n${attachment}\n\`\`\``;
}

/** A message (or a file to attach) of `bytes` is refused over MAX_MESSAGE_BYTES. */
export function checkMessageSize(bytes: number, what: string): void {
  if (bytes > MAX_MESSAGE_BYTES)
    throw new MessageTooLargeError(
      `${what} is ${bytes} bytes, over the limit of ${MAX_MESSAGE_BYTES} (48 KiB): send a shorter one, or point the agent to a file of the project.`,
    );
}

/** The terminal of `to` ('architect' or a builder id), checked to take typed input now. */
export async function sendTarget(state: DashboardState, to: string): Promise<SendTarget> {
  const entry = to === 'architect' ? state.architect : state.builders.find((builder) => builder.id === to);
  const label = to === 'architect' ? 'the architect' : `builder ${to}`;
  if (!entry)
    throw new NotFoundError(
      'E_BUILDER_NOT_FOUND',
      to === 'architect'
        ? 'the farm has no architect to send to; "af start" starts it.'
        : `there is no builder ${to}; "af status" lists the builders.`,
    );
  const resume = to === 'architect' ? '"af start" starts it again' : `"af spawn --resume ${to}" starts it again`;
  if (!entry.tmuxSession)
    throw new NotRunningError(
      `${label} runs without tmux (detached, its output in a log): it takes no typed input, so nothing was sent. Install tmux to talk to agents.`,
    );
  if (!isProcessAlive(entry.pid) || !(await paneLives(entry.tmuxSession)))
    throw new NotRunningError(`${label} is not running (its process ${entry.pid} ended); nothing was sent. ${resume}.`);
  return { id: to, label, tmuxSession: entry.tmuxSession };
}

/**
 * Types the message into the target's terminal as one paste (wrapped when it is its
 * turn, so queued messages carry the times they were typed), then Enter unless
 * `enter` is false.
 */
export async function deliver(
  farm: FarmIdentity,
  target: SendTarget,
  message: string,
  options: SendOptions,
): Promise<void> {
  const lock = await acquireLock(join(stateDir(farm.root), `send-${target.tmuxSession}`), {
    busyTimeout: QUEUE_TIMEOUT_MS,
    staleThreshold: 5000,
  });
  try {
    const pane = `=${target.tmuxSession}:`;
    // Checked again under the lock: it may have ended while this send waited its turn.
    if (!(await paneLives(target.tmuxSession)))
      throw new NotRunningError(`${target.label} ended before the message could be typed; nothing was sent.`);
    const text = wrapMessage(message, target.id, options);
    if (options.interrupt) {
      await tmux('send-keys', '-t', pane, 'C-c');
      await delay(AFTER_INTERRUPT_MS);
    }
    // One buffer per delivery: the dashboard may type into two terminals at once.
    const buffer = `af-send-${process.pid}-${++deliveries}`;
    await tmuxFed(text, 'load-buffer', '-b', buffer, '-');
    try {
      // A send paused past the lock's stale threshold (Ctrl-Z) lost its turn: it must not type into another's.
      if (!lock.stillOwned())
        throw new NotRunningError(`the turn to type into ${target.label} was lost while paused; nothing was typed.`);
      // -p: bracketed paste when the program asked for it; -d: the buffer goes with the paste.
      await tmux('paste-buffer', '-p', '-d', '-b', buffer, '-t', pane);
    } catch (error) {
      // The message stays in no tmux buffer.
      await tmux('delete-buffer', '-b', buffer).catch(() => undefined);
      throw error;
    }
    if (options.enter !== false) {
      await delay(AFTER_PASTE_MS);
      await tmux('send-keys', '-t', pane, 'Enter');
    }
  } finally {
    lock.release();
  }
}

let deliveries = 0;

export interface SendOutcome {
  sent: string[];
  /** With `--all`: the builders that could not take it, and why. */
  skipped: Array<{ id: string; code: string; message: string }>;
}

/**
 * Sends `message` to `to` (a builder's id or 'architect'), or with 'all' to every
 * builder that runs: one that cannot take it is skipped and named, and when none can,
 * nothing is sent and the call fails. A single target that cannot take it fails.
 */
export async function sendMessage(
  farm: FarmIdentity,
  state: DashboardState,
  to: string | { all: true },
  message: string,
  options: SendOptions = {},
): Promise<SendOutcome> {
  checkMessageSize(Buffer.byteLength(message), 'the message');
  checkMessageText(message, 'the message');
  if (message.trim() === '') throw new InvalidInputError('the message is empty; nothing was sent.');
  const skipped: SendOutcome['skipped'] = [];
  const targets: SendTarget[] = [];
  // To all: every builder but the one sending.
  const everyone = state.builders.map((builder) => builder.id).filter((id) => id !== options.from);
  for (const id of typeof to === 'string' ? [to] : everyone) {
    try {
      targets.push(await sendTarget(state, id));
    } catch (error) {
      if (typeof to === 'string' || !(error instanceof AgentFarmStateError)) throw error;
      skipped.push({ id, code: error.code, message: messageOf(error) });
    }
  }
  if (targets.length === 0)
    throw new NotRunningError(
      state.builders.length === 0
        ? 'the farm has no builder to send to; "af spawn" starts one.'
        : `no builder is running to take the message (${skipped.map((skip) => skip.id).join(', ')} are not); nothing was sent.`,
    );
  const sent: string[] = [];
  for (const target of targets) {
    try {
      await deliver(farm, target, message, options);
      sent.push(target.id);
    } catch (error) {
      // To one target the failure is the answer; to all, the others still get theirs and it is named.
      if (typeof to === 'string' || !(error instanceof AgentFarmStateError)) throw error;
      skipped.push({ id: target.id, code: error.code, message: messageOf(error) });
    }
  }
  return { sent, skipped };
}
