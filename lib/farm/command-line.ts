// The argv that runs an agent command with arguments after its words: the command
// (the user's own shell text, from an option or codev/config.json) is run by `sh -c`,
// and each argument reaches the program as one argument, byte for byte, through "$@"-
// style positional parameters: never re-read by a shell, so quotes, `$(…)`, backticks
// and newlines in a task arrive as typed.
import { InvalidInputError } from '../engine/index.js';

/** What one argument may hold: the kernel refuses a longer one (128 KiB) with E2BIG. */
export const MAX_ARGUMENT_BYTES = 64 * 1024;

/**
 * tmux reads its own command line for `;`, the separator of its commands: an argument
 * ending in `;` would lose it (and end the command there). Each argument goes out with
 * this character after it, and the shell takes it off (`${1%.}`) before the program
 * sees it.
 */
const GUARD = '.';

/** ['sh', '-c', '<command> "${1%.}" …', 'sh', '<arg>.', …]: for tmux's new-session and for spawn alike. */
export function commandArgv(command: string, args: readonly string[] = []): string[] {
  for (const arg of args) checkArgument(arg);
  const script = [command, ...args.map((_, n) => `"\${${n + 1}%${GUARD}}"`)].join(' ');
  return ['sh', '-c', script, 'sh', ...args.map((arg) => arg + GUARD)];
}

/** An argument the kernel can pass: no NUL byte, within MAX_ARGUMENT_BYTES. */
export function checkArgument(text: string, what = 'the prompt'): void {
  if (text.includes('\0')) throw new InvalidInputError(`${what} holds a NUL character, which no program can be given.`);
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_ARGUMENT_BYTES)
    throw new InvalidInputError(
      `${what} is ${bytes} bytes, over the ${MAX_ARGUMENT_BYTES} a program can be given: put the details in a file of the project and name it (af spawn --task "…" --files <path>).`,
    );
}
