// What the `af` commands print: results on stdout (JSON for scripts), messages and
// errors on stderr, colour only on a terminal and never with NO_COLOR. A reader that
// closes its end early (`af status | head -1`) ends the output quietly, as with git:
// what follows is dropped and the command finishes with its own exit code.
import { AgentFarmStateError, fileSystemError } from '../engine/index.js';

const closedStreams = new Set<NodeJS.WriteStream>();
const stdoutClosedListeners = new Set<() => void>();

/** Turns a closed stdout or stderr (EPIPE) from a crash into the end of that output. */
export function endOutputQuietlyWhenClosed(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') {
        // Output that cannot be written (a full disk, /dev/full): said once on stderr, a failed command.
        if (stream === process.stdout && !closedStreams.has(stream)) {
          printError(fileSystemError(error, 'standard output', 'write the output to'));
          process.exitCode = 1;
        }
      }
      if (closedStreams.has(stream)) return;
      closedStreams.add(stream);
      if (stream === process.stdout) for (const listener of stdoutClosedListeners) listener();
    });
  }
}

/** True once the reader of stdout went away: nothing written there is read any more. */
export function isStdoutClosed(): boolean {
  return closedStreams.has(process.stdout) || process.stdout.destroyed;
}

/** Calls `listener` when stdout's reader goes away; returns the function that stops listening. */
export function onStdoutClosed(listener: () => void): () => void {
  stdoutClosedListeners.add(listener);
  return () => stdoutClosedListeners.delete(listener);
}

/**
 * Writes `text` to stdout unless its reader went away. False when the text waits in
 * memory for the reader: write more after the returned promise of `drained()`.
 */
export function writeOut(text: string): boolean {
  if (isStdoutClosed()) return true;
  return process.stdout.write(text);
}

/** Resolves once stdout took what was written, or its reader went away. */
export function drained(): Promise<void> {
  if (isStdoutClosed() || !process.stdout.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      process.stdout.off('drain', done);
      stop();
      resolve();
    };
    const stop = onStdoutClosed(done);
    process.stdout.on('drain', done);
  });
}

function writeErr(text: string): void {
  if (!closedStreams.has(process.stderr) && !process.stderr.destroyed) process.stderr.write(text);
}

const COLOURS = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof COLOURS;

function colourful(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
}

/**
 * Recorded text as a terminal should show it: control characters (an escape sequence, a
 * new line) and bidirectional controls written as \u escapes, so a name written into the
 * state by another tool can neither move the cursor, recolour the terminal, reorder what
 * is shown, nor break a table's row.
 */
export const printable = (text: string) =>
  text.replace(/[\p{Cc}\p{Bidi_Control}]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function paint(text: string, colour: Colour, stream: NodeJS.WriteStream = process.stdout): string {
  return colourful(stream) ? `\x1b[${COLOURS[colour]}m${text}\x1b[0m` : text;
}

export function printJson(value: unknown): void {
  writeOut(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  writeOut(`${text}\n`);
}

/** A message for people that is not the command's result. */
export function note(text: string): void {
  writeErr(`${text}\n`);
}

export function printError(error: unknown): void {
  const code = error instanceof AgentFarmStateError ? ` (${error.code})` : '';
  const message = error instanceof Error ? error.message : String(error);
  writeErr(`${paint('af: error:', 'red', process.stderr)} ${message}${code}\n`);
}

/** Rows as aligned columns for people. */
export function printTable(headers: string[], rows: Array<Array<string | number>>): void {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  cells.forEach((row, index) => {
    const line = row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
    printLine(index === 0 ? paint(line, 'bold') : line);
  });
}

/** Asks a yes/no question on the terminal; false unless the answer starts with y. */
export async function confirm(question: string): Promise<boolean> {
  // Loaded here, not at start-up: only a confirmation on a terminal needs it.
  const { createInterface } = await import('node:readline/promises');
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y/i.test((await prompt.question(`${question} [y/N] `)).trim());
  } finally {
    prompt.close();
  }
}

export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}
