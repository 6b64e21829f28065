// `af send`: a message to a running builder (or to the architect, so a builder can
// answer), typed into its terminal as one piece (see lib/farm/send.ts). Run from a
// builder's worktree, a message to the architect says which builder sent it.
import { readFileSync, statSync } from 'node:fs';
import type { CAC } from 'cac';
import { fileSystemError, InvalidInputError } from '../engine/index.js';
import { farmIdentity } from '../farm/project-farm.js';
import { checkMessageSize, MAX_MESSAGE_BYTES, sendMessage, withAttachment } from '../farm/send.js';
import { NoDatabaseError } from '../shared/errors.js';
import { builderOfPath, stateDbPath } from '../shared/paths.js';
import { action } from './action.js';
import { note, printJson, printLine } from './io.js';
import { positionals } from './positionals.js';
import { projectRoot, storeExists, withState } from './stores.js';
import { textOption } from './text-option.js';

interface SendCliOptions {
  all?: boolean;
  file?: unknown;
  interrupt?: boolean;
  raw?: boolean;
  /** False with --no-enter. */
  enter?: boolean;
  json?: boolean;
}

/** `--file`: its text, refused past the limit before it is read whole. */
function attachment(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  if (path === '') throw new InvalidInputError('--file needs a path.');
  let size: number;
  try {
    const stats = statSync(path);
    if (!stats.isFile()) throw new InvalidInputError(`--file ${path} is not a file: attach a file's text.`);
    size = stats.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new InvalidInputError(`--file ${path} does not exist; nothing was sent.`);
    throw error instanceof InvalidInputError ? error : fileSystemError(error, path, 'read');
  }
  checkMessageSize(size, path);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw fileSystemError(error, path, 'read');
  }
}

async function readStandardInput(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function send(_first: unknown, _second: unknown, options: SendCliOptions): Promise<void> {
  // As typed: cac would turn "007" into 7 and drop "-".
  const words = positionals(process.argv.slice(3), ['--file', '--architect-cmd', '--builder-cmd', '--shell-cmd']);
  if (words.length > (options.all ? 1 : 2))
    throw new InvalidInputError(
      `af send takes ${options.all ? 'the message alone with --all' : 'a builder and a message'}; got ${words.length} words. Quote the message, and put one that starts with "-" after "--".`,
    );
  const [to, given] = options.all ? [undefined, words[0]] : [words[0], words[1]];
  if (!options.all && (to === undefined || to === ''))
    throw new InvalidInputError('af send needs a builder (or "architect") and a message: af send 0042 "message".');
  if (given === undefined || given === '')
    throw new InvalidInputError('af send needs a message ("-" reads it from standard input).');
  const text = given === '-' ? await readStandardInput() : String(given);
  const message = withAttachment(text.replace(/\n+$/, ''), attachment(textOption(options.file, ['--file'])));
  const root = projectRoot();
  if (!storeExists(false))
    throw new NoDatabaseError(stateDbPath(root), 'The farm has nothing running to send to; "af start" starts it.');
  const from = builderOfPath(root, process.cwd());
  const outcome = await withState(async (store) =>
    sendMessage(farmIdentity(root), await store.loadState(), options.all ? { all: true } : String(to), message, {
      interrupt: options.interrupt,
      raw: options.raw,
      enter: options.enter,
      ...(from ? { from } : {}),
    }),
  );
  if (options.json) printJson(outcome);
  else for (const id of outcome.sent) printLine(`sent to ${id === 'architect' ? 'the architect' : `builder ${id}`}`);
  for (const skipped of outcome.skipped)
    note(`not sent to builder ${skipped.id}: ${skipped.message} (${skipped.code})`);
  if (outcome.skipped.length > 0) process.exitCode = 1;
}

export function registerSend(cli: CAC): void {
  cli
    .command(
      'send [builder] [message]',
      'Type a message into a running builder\'s terminal (or "architect"\'s) as one paste, then Enter',
    )
    .option('--all', 'Send to every running builder')
    .option('--file <path>', `Attach a file's text (at most ${MAX_MESSAGE_BYTES / 1024} KiB)`)
    .option('--interrupt', 'Press Ctrl-C first, to stop what the agent is doing')
    .option('--raw', 'Send the message as it is, without the instruction wrapper')
    .option('--no-enter', 'Type the message without submitting it')
    .option('--json', 'Print who got it, and who did not, as JSON')
    .example('af send 0042 "Rebase on main, then run the tests"')
    .example('af send --all --interrupt "Stop: main is broken, wait for the fix"')
    .example('git diff --no-color | af send task-1 -')
    .example('af send 0042 -- "-v is the flag to add"')
    .example('af send architect "0042 is ready for review"   # from a builder\'s worktree')
    .action(action(send));
}
