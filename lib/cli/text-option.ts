// cac turns option values that look like numbers into numbers ("--project 0042"
// arrives as 42), and a repeated option into a list. Options that are text are
// read back as typed.
import { InvalidInputError } from '../engine/index.js';

/**
 * The text given to an option whose value cac parsed as `value`; `flags` are the
 * option's spellings (`--project`, `-p`). Undefined when the option was not given.
 */
export function textOption(
  value: unknown,
  flags: string[],
  argv: string[] = process.argv.slice(2),
): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  if (Array.isArray(value)) throw new InvalidInputError(`${flags[0]} was given ${value.length} times; give it once.`);
  let typed: string | undefined;
  for (const [index, arg] of argv.entries()) {
    if (arg === '--') break;
    for (const flag of flags) {
      if (arg === flag) typed = argv[index + 1];
      else if (arg.startsWith(`${flag}=`)) typed = arg.slice(flag.length + 1);
    }
  }
  return typed ?? String(value);
}
