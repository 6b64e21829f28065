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
import { projectRoot, storeExists, withState } from './stores.js';

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
function attachment(path: unknown): string | undefined {
  if (path === undefined) return undefined;
  if (typeof path !== 'string' || path === '') throw new InvalidInputError('--file needs a path.');
  try {
    checkMessageSize(statSync(path).size, path);
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== undefined) throw fileSystemError(error, path, 'read');
    throw error;
  }
}

async function readStandardInput(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function send(first: unknown, second: unknown, options: SendCliOptions): Promise<void> {
  const [to, given] = options.all ? [undefined, second ?? first] : [first, second];
  if (options.all && second !== undefined)
    throw new InvalidInputError('--all sends to every builder: give the message alone (af send --all "message").');
  if (!options.all && (to === undefined || to === ''))
    throw new InvalidInputError('af send needs a builder (or "architect") and a message: af send 0042 "message".');
  if (given === undefined || given === '')
    throw new InvalidInputError('af send needs a message ("-" reads it from standard input).');
  const text = given === '-' ? await readStandardInput() : String(given);
  const message = withAttachment(text.replace(/\n+$/, ''), attachment(options.file));
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
    .example('git diff | af send task-1 - --file notes.md')
    .example('af send architect "0042 is ready for review"   # from a builder\'s worktree')
    .action(action(send));
}
