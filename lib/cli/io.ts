// What the `af` commands print: results on stdout (JSON for scripts), messages and
// errors on stderr, colour only on a terminal and never with NO_COLOR.
import { AgentFarmStateError } from '../db/errors.js';

const COLOURS = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof COLOURS;

function colourful(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
}

export function paint(text: string, colour: Colour, stream: NodeJS.WriteStream = process.stdout): string {
  return colourful(stream) ? `\x1b[${COLOURS[colour]}m${text}\x1b[0m` : text;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** A message for people that is not the command's result. */
export function note(text: string): void {
  process.stderr.write(`${text}\n`);
}

export function printError(error: unknown): void {
  const code = error instanceof AgentFarmStateError ? ` (${error.code})` : '';
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${paint('af: error:', 'red', process.stderr)} ${message}${code}\n`);
}

/** Rows as aligned columns for people. */
export function printTable(headers: string[], rows: Array<Array<string | number>>): void {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  cells.forEach((row, index) => {
    const line = row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
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
