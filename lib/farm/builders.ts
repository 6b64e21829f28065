// `af spawn` and `af cleanup`: builders. A builder's id and port are reserved in one
// transaction before anything starts; then its checkout, then its process. A failure
// at any step, or a signal before the builder is recorded, removes what the spawn
// made: process, tmux session, checkout, reservation.
import { ConstraintError, messageOf, InvalidInputError } from '../engine/index.js';
import { NotFoundError } from '../shared/errors.js';
import type { BuilderLaunch } from '../state/instructions.js';
import type { BuilderDraft, StateStore } from '../state/store.js';
import type { Builder } from '../state/types.js';
import type { Farm, FarmIdentity } from './project-farm.js';
import { NO_INTERRUPTION, type Interruption } from './interruption.js';
import { checkArgument } from './command-line.js';
import { BUILDER_ID, builderInstructions, type BuilderInstructions, type InstructedMode } from './instructions.js';
import {
  endFailedSession,
  killTmuxSession,
  launchTerminal,
  stopProcess,
  type Launched,
  type StopOutcome,
} from './launch.js';
import {
  checkoutOf,
  currentCommit,
  hasLeftovers,
  prepareCheckout,
  removeCheckout,
  uncommittedFiles,
  unmergedWork,
  type BuilderCheckout,
  type PreparedCheckout,
  type UncommittedFile,
} from './worktree.js';

/** The native version's spawn modes, one per builder type. */
export type SpawnMode = InstructedMode;

export interface SpawnedBuilder {
  builder: Builder;
  launched: Launched;
  /** What the user should know, the spawn done: the files its prompt names that its worktree lacks. */
  notes: string[];
}

export interface SpawnOptions {
  /** Name the role file in the prompt when the project has one (false: `--no-role`). */
  withRole: boolean;
}

/**
 * What a spawn needs that is cheap to check, checked before anything is made: the
 * instructions (a missing spec or protocol), the prompt as an argument, and a commit
 * to branch the worktree from. `af spawn` runs it before the state folder is made.
 */
export async function spawnPreconditions(
  root: string,
  mode: SpawnMode,
  withRole: boolean,
): Promise<BuilderInstructions> {
  const instructions = builderInstructions(root, mode, withRole);
  if (instructions.prompt !== undefined) checkArgument(instructions.prompt);
  if (mode.type !== 'shell') await currentCommit(root);
  return instructions;
}

/**
 * Spawns a builder: its preconditions are checked first, then it is reserved with
 * its row, then its checkout and its agent, given the prompt as its last argument.
 */
export async function spawnBuilder(
  farm: Farm,
  store: StateStore,
  mode: SpawnMode,
  command: string,
  options: SpawnOptions = { withRole: true },
  interruption: Interruption = NO_INTERRUPTION,
): Promise<SpawnedBuilder> {
  const instructions = await spawnPreconditions(farm.root, mode, options.withRole);
  // Asked before the reservation: git failing here leaves nothing to undo.
  const uncommitted = mode.type === 'shell' ? [] : await uncommittedFiles(farm.root, instructions.reads);
  const reserved = await reserve(farm, store, draftFor(mode, instructions), {
    command,
    ...(instructions.prompt === undefined ? {} : { prompt: instructions.prompt }),
  });
  const what = `builder ${reserved.id}`;
  const session = farm.sessionName(`builder-${reserved.id}`);
  let checkout: PreparedCheckout | undefined;
  let launched: Launched | undefined;
  try {
    interruption.checkpoint(what);
    if (reserved.type !== 'shell') checkout = await prepareCheckout(farm.root, reserved.id);
    interruption.checkpoint(what);
    launched = await launchTerminal(
      {
        label: 'the builder command',
        command,
        cwd: checkout?.worktree ?? farm.root,
        session,
        logFile: farm.logFile(`builder-${reserved.id}`),
        keepScreen: true,
        farmId: farm.id,
        args: instructions.prompt === undefined ? [] : [instructions.prompt],
      },
      farm.useTmux,
    );
    interruption.checkpoint(what);
    const builder: Builder = {
      ...reserved,
      worktree: checkout?.worktree ?? '',
      branch: checkout?.branch ?? '',
      pid: launched.pid,
      status: 'implementing',
      ...(launched.tmuxSession ? { tmuxSession: launched.tmuxSession } : {}),
    };
    await store.upsertBuilder(builder);
    return { builder, launched, notes: uncommitted.map((file) => uncommittedNote(file, reserved.id)) };
  } catch (error) {
    try {
      await undoSpawn(farm, store, reserved.id, session, launched, checkout, error);
    } catch (undoError) {
      throw new Error(`${messageOf(error)} Removing what the spawn made failed too: ${messageOf(undoError)}`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** The builder reads its prompt's files in its worktree, made from the current commit. */
function uncommittedNote({ path, state }: UncommittedFile, id: string): string {
  const redo = `commit it first: "af cleanup --project ${id}", commit, then spawn again`;
  return state === 'not committed'
    ? `${path} is not committed, so builder ${id}'s worktree (made from the current commit) does not have it; ${redo}.`
    : `${path} has changes that are not committed, so builder ${id}'s worktree has the committed version; ${redo}.`;
}

/** In the reverse order of the spawn: the process and its session, the checkout, the row. */
async function undoSpawn(
  farm: Farm,
  store: StateStore,
  id: string,
  session: string,
  launched: Launched | undefined,
  checkout: PreparedCheckout | undefined,
  error: unknown,
): Promise<void> {
  try {
    if (launched) await stopProcess(launched, farm.id);
    if (farm.useTmux) await endFailedSession(session, error);
    if (checkout) await removeCheckout(farm.root, checkout, checkout.created);
  } finally {
    await store.removeBuilder(id);
  }
}

function draftFor(mode: SpawnMode, instructions: BuilderInstructions): BuilderDraft {
  // The real pid, worktree and branch are filled in once they exist; until then the row holds the id and port.
  const pending = { pid: process.pid, status: 'spawning', phase: '', worktree: '', branch: '' } as const;
  switch (mode.type) {
    case 'spec': {
      const { id, name } = instructions.spec!;
      return { ...pending, id, name, type: 'spec' };
    }
    case 'task':
      return { ...pending, name: summary(mode.task), type: 'task', taskText: mode.task };
    case 'protocol':
      return { ...pending, name: `protocol ${mode.protocol}`, type: 'protocol', protocolName: mode.protocol };
    case 'shell':
    case 'worktree':
      return { ...pending, name: mode.type, type: mode.type };
  }
}

function summary(text: string): string {
  const line = text.trim().split('\n')[0]!;
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

/**
 * Reserves the builder. A taken id the caller named is explained; a free id that an
 * earlier builder's branch or worktree still uses is held while the next is tried,
 * then let go, so a new task never lands in an old task's checkout.
 */
async function reserve(farm: Farm, store: StateStore, draft: BuilderDraft, launch: BuilderLaunch): Promise<Builder> {
  if (draft.id !== undefined) {
    const existing = await store.getBuilder(draft.id);
    if (existing)
      throw new InvalidInputError(
        `builder ${draft.id} already exists (pid ${existing.pid}, ${existing.status}); see "af status", start it again with "af spawn --resume ${draft.id}", or end it with "af cleanup --project ${draft.id}".`,
      );
    return store.reserveBuilder(draft, farm.layout.builders, launch);
  }
  // The next free id, passing over those a stopped builder left a worktree or branch under. It is
  // checked before its row is made, so no passed-over builder ever shows (on the dashboard, say).
  const passedOver = new Set<string>();
  for (;;) {
    const id = await store.nextBuilderId(draft, passedOver);
    if (draft.type !== 'shell' && (await hasLeftovers(farm.root, id))) {
      passedOver.add(id);
      continue;
    }
    try {
      return await store.reserveBuilder({ ...draft, id }, farm.layout.builders, launch);
    } catch (error) {
      // Another spawn recorded this id since it was picked: the next pick passes over it.
      const taken =
        error instanceof ConstraintError &&
        error.table === 'builders' &&
        error.field === 'id' &&
        error.rule === 'unique';
      if (!taken) throw error;
      passedOver.add(id);
    }
  }
}

export interface CleanedUp {
  id: string;
  process: StopOutcome | 'none recorded';
  worktree?: string;
  branch?: string;
}

/**
 * Ends the builder and its annotations, removes its worktree and branch and its row.
 * Refuses, changing nothing, while it holds work not merged into the project's
 * current branch, unless forced. Also clears what a builder left after `af stop`.
 */
export async function cleanupBuilder(
  farm: FarmIdentity,
  store: StateStore,
  id: string,
  force: boolean,
): Promise<CleanedUp> {
  const { root } = farm;
  const builder = await store.getBuilder(id);
  // A builder recorded before its checkout was (an interrupted spawn) may still have left one.
  const checkout =
    (builder ? recordedCheckout(root, builder) : undefined) ??
    (builder?.type === 'shell' ? undefined : await leftCheckout(root, id));
  if (!builder && !checkout)
    throw new NotFoundError(
      'E_BUILDER_NOT_FOUND',
      `there is no builder ${id}: none is recorded and it left no branch or worktree. See "af status".`,
    );
  if (checkout && !force) {
    const work = await unmergedWork(root, checkout);
    if (work.length > 0) {
      throw new InvalidInputError(
        `not cleaning up builder ${id}: it has work that would be lost (${work.join('; ')}). Commit and merge it first, or run "af cleanup --project ${id} --force" to throw it away.`,
      );
    }
  }
  const outcome = builder ? await stopProcess(builder, farm.id) : 'none recorded';
  // Its session, by name: a builder recorded before its process was may still have one.
  if (BUILDER_ID.test(id)) await killTmuxSession(farm.sessionName(`builder-${id}`));
  const annotations = (await store.getAnnotations()).filter(
    (annotation) => annotation.parent.type === 'builder' && annotation.parent.id === id,
  );
  for (const annotation of annotations) {
    await stopProcess(annotation, farm.id);
    await store.removeAnnotation(annotation.id);
  }
  if (checkout) await removeCheckout(root, checkout, { worktree: true, branch: true });
  await store.removeBuilder(id);
  return { id, process: outcome, ...checkout };
}

/** A shell builder, or one recorded before its checkout existed, has none to remove. */
function recordedCheckout(root: string, builder: Builder): BuilderCheckout | undefined {
  if (builder.type === 'shell' || builder.worktree === '' || builder.worktree === root) return undefined;
  return { worktree: builder.worktree, branch: builder.branch };
}

async function leftCheckout(root: string, id: string): Promise<BuilderCheckout | undefined> {
  return BUILDER_ID.test(id) && (await hasLeftovers(root, id)) ? checkoutOf(root, id) : undefined;
}
