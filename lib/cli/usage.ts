// A command line typed wrong: an unknown command or option, an option without its
// value, a missing or an extra argument. cac refuses the first ones with plain errors
// that carry no code, and lets extra words pass unseen; here each becomes a typed
// error (E_INVALID_INPUT, as any unusable input) that says where the command's help is.
import type { CAC, Command } from 'cac';
import { InvalidInputError, messageOf } from '../engine/index.js';

/** A mistake in how `command` (`af spawn`, `af db query`) was typed. */
export function usageError(problem: string, command: string): InvalidInputError {
  return new InvalidInputError(`${problem}; see "${command} --help".`);
}

/** A word typed on the command line, quoted and cut short as a message shows it. */
const shown = (word: string) => JSON.stringify(word).slice(0, 80);

/**
 * An option as the user typed it: cac names an unknown one by its key, camel-cased and
 * without a "no-" (`--filesX` for --files-x, `--suchThing` for --no-such-thing).
 */
export function typedOption(key: string, argv: readonly string[]): string {
  const keyOf = (name: string) =>
    name.replace(/^no-/, '').replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
  const typed = argv.find(
    (arg) => /^--?[^-]/.test(arg) && keyOf(arg.replace(/^-+/, '').split('=')[0]!) === key.replace(/^-+/, ''),
  );
  return typed?.split('=')[0] ?? key;
}

/** The matched command's arguments as its help shows them: `<file>`, `[sql]`. */
const argumentsOf = (command: Command) =>
  command.args.map((arg) => (arg.required ? `<${arg.value}>` : `[${arg.value}]`)).join(' ');

/**
 * Refuses the matched command's line before it runs: cac's own checks (run again by
 * cac, then passing), and words beyond the arguments the command takes.
 */
export function checkUsage(cli: CAC, argv: readonly string[]): void {
  const command = cli.matchedCommand!;
  const name = `${cli.name} ${command.name}`;
  const checks: Array<[check: () => void, problem: (quoted: string) => string]> = [
    [() => command.checkUnknownOptions(), (option) => `unknown option ${typedOption(option, argv)}`],
    [() => command.checkOptionValue(), (option) => `option ${option} needs a value`],
    [() => command.checkRequiredArgs(), () => `${name} needs ${argumentsOf(command)}`],
  ];
  for (const [check, problem] of checks) {
    try {
      check();
    } catch (error) {
      // cac names the option between backticks: "Unknown option `--bogus`".
      throw usageError(problem(/`([^`]*)`/.exec(messageOf(error))?.[1] ?? ''), name);
    }
  }
  // Words after "--" are the arguments' own business where a command takes some (af send, af db query read them).
  const afterDashes = (cli.options['--'] as string[] | undefined) ?? [];
  const extra = command.args.length === 0 ? [...cli.args, ...afterDashes] : cli.args.slice(command.args.length);
  if (extra.length > 0)
    throw usageError(
      `unexpected argument ${shown(String(extra[0]))}: ${name} takes ${command.args.length === 0 ? 'none' : `${argumentsOf(command)} (quote a value of several words)`}`,
      name,
    );
}
