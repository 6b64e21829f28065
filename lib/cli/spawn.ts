// `af spawn`: a builder in one of the native modes, or one resumed (--resume). The
// options are read as typed, the command, the spec or protocol and the commit to branch
// from checked before the state or a port block is touched, so a refused spawn leaves the
// project as it was; the work is lib/farm's.
import { InvalidInputError } from '../engine/index.js';
import { spawnBuilder, spawnPreconditions, type SpawnedBuilder, type SpawnMode } from '../farm/builders.js';
import { fileList } from '../farm/instructions.js';
import type { Interruption } from '../farm/interruption.js';
import { noBuilderToResume, resumeBuilder } from '../farm/resume.js';
import { type FarmOptions, overridesOf, prepare, whereItRuns } from './farm-options.js';
import { inFarm } from './in-farm.js';
import { note, printJson, printLine } from './io.js';
import { projectRoot, storeExists } from './stores.js';
import { textOption } from './text-option.js';

export interface SpawnOptions extends FarmOptions {
  project?: unknown;
  task?: unknown;
  files?: unknown;
  protocol?: unknown;
  shell?: boolean;
  worktree?: boolean;
  resume?: unknown;
}

/** `--files a,b`: the task's files, listed in its prompt (native: only with --task). */
function filesOf(options: SpawnOptions, task: string | undefined): string[] | undefined {
  const files = textOption(options.files, ['--files']);
  if (files === undefined) return undefined;
  if (task === undefined) throw new InvalidInputError('--files goes with --task: the files are listed in the task.');
  const list = fileList(files);
  if (list.length === 0) throw new InvalidInputError('--files needs one or more paths, separated by commas.');
  return list;
}

type SpawnRequest = { mode: SpawnMode } | { resume: string };

function spawnRequest(options: SpawnOptions): SpawnRequest {
  const project = textOption(options.project, ['--project', '-p']);
  const task = textOption(options.task, ['--task']);
  const protocol = textOption(options.protocol, ['--protocol']);
  const resume = textOption(options.resume, ['--resume']);
  const files = filesOf(options, task);
  const candidates: Array<[flag: string, request: SpawnRequest | undefined]> = [
    ['--project', project === undefined ? undefined : { mode: { type: 'spec', project } }],
    ['--task', task === undefined ? undefined : { mode: { type: 'task', task, ...(files ? { files } : {}) } }],
    ['--protocol', protocol === undefined ? undefined : { mode: { type: 'protocol', protocol } }],
    ['--shell', options.shell ? { mode: { type: 'shell' } } : undefined],
    ['--worktree', options.worktree ? { mode: { type: 'worktree' } } : undefined],
    ['--resume', resume === undefined ? undefined : { resume }],
  ];
  const given = candidates.filter(([, request]) => request !== undefined);
  if (given.length !== 1) {
    throw new InvalidInputError(
      `af spawn takes exactly one of --project <id>, --task <text>, --protocol <name>, --shell, --worktree, --resume <id>; got ${given.length === 0 ? 'none' : given.map(([flag]) => flag).join(' and ')}.`,
    );
  }
  const [flag, request] = given[0]!;
  if ([project, task, protocol, resume].some((text) => text?.trim() === ''))
    throw new InvalidInputError(`${flag} needs a value.`);
  return request!;
}

/** A new builder (its command and preconditions checked before anything is touched), or one resumed. */
async function spawnOrResume(interruption: Interruption, options: SpawnOptions): Promise<SpawnedBuilder> {
  const request = spawnRequest(options);
  const root = projectRoot();
  if ('resume' in request) {
    // Without a state there is no builder to resume: refused before the state folder is made.
    if (!storeExists(false)) throw noBuilderToResume(request.resume);
    // Its own command again, unless one is given here (checked once its record is read).
    return inFarm(root, false, (farm, store) =>
      resumeBuilder(farm, store, request.resume, overridesOf(options).builderCmd, interruption),
    );
  }
  const { command } = prepare('builder', options);
  const withRole = options.role !== false;
  // A missing spec or protocol, or no commit to branch from, is refused before the state or a port block is touched.
  await spawnPreconditions(root, request.mode, withRole);
  return inFarm(root, false, (farm, store) =>
    spawnBuilder(farm, store, request.mode, command, { withRole }, interruption),
  );
}

export async function spawn(interruption: Interruption, options: SpawnOptions): Promise<void> {
  const { builder, launched, notes } = await spawnOrResume(interruption, options);
  if (options.json) printJson(builder);
  else {
    const started = options.resume === undefined ? 'started' : 'resumed';
    printLine(`builder ${builder.id} ${started}: pid ${builder.pid}, port ${builder.port}, ${whereItRuns(launched)}`);
    if (builder.worktree) printLine(`  worktree ${builder.worktree} on branch ${builder.branch}`);
  }
  // On stderr, after the builder: it started, but without the files named.
  for (const text of notes) note(text);
}
