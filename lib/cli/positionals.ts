// A command's positional arguments exactly as typed. cac reads them as it reads
// options (`007` arrives as 7, `-` is dropped): a message or a path given to a
// command must arrive byte for byte, so they are taken from the command line itself.
// Anything after `--` is positional, even when it starts with `-`.

/**
 * The positional arguments of the command line `argv` (after the command's own
 * words), skipping the options: `valueFlags` take the next argument unless written
 * `--flag=value`; any other word that starts with `-` (but `-` itself) is a flag alone.
 */
export function positionals(argv: readonly string[], valueFlags: readonly string[]): string[] {
  const found: string[] = [];
  for (let n = 0; n < argv.length; n++) {
    const arg = argv[n]!;
    if (arg === '--') return [...found, ...argv.slice(n + 1)];
    if (arg === '-' || !arg.startsWith('-')) found.push(arg);
    else if (valueFlags.includes(arg)) n++;
  }
  return found;
}
