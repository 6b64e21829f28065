// `af spawn --resume <id>`: a recorded builder whose process is gone (it exited, or
// a reboot ended every tmux session) starts again in its own worktree, with the same
// id, port and branch, and the instructions it was spawned with plus a line saying it
// resumes. Refused while its process lives. A failure or a signal before the new
// process is recorded puts the row back as it was.
import { existsSync } from 'node:fs';
import { InvalidInputError, isProcessAlive } from '../engine/index.js';
import { NotFoundError } from '../shared/errors.js';
import type { StateStore } from '../state/store.js';
import type { Builder } from '../state/types.js';
import { checkArgument } from './command-line.js';
import { farmCommand } from './config.js';
import { RESUME_NOTE } from './instructions.js';
import { NO_INTERRUPTION, type Interruption } from './interruption.js';
import { endFailedSession, killTmuxSession, launchTerminal, stopProcess, type Launched } from './launch.js';
import type { Farm } from './project-farm.js';
import type { SpawnedBuilder } from './builders.js';

/** What a user runs to start an ended builder again, and to remove it. */
export function endedBuilderHint(id: string): string {
  return `"af spawn --resume ${id}" starts it again, "af cleanup --project ${id}" removes it`;
}

/** The recorded builders whose process is gone (it exited, or a reboot ended it). */
export function endedBuilders(builders: readonly Builder[]): Builder[] {
  return builders.filter((builder) => !isProcessAlive(builder.pid));
}

export const noBuilderToResume = (id: string) =>
  new NotFoundError('E_BUILDER_NOT_FOUND', `there is no builder ${id} to resume; "af status" lists them.`);

/**
 * Starts the builder `id` again, with the command it was started with (or
 * `commandOverride`, or the project's builder command for a builder that has none
 * recorded), checked to be installed before anything changes.
 */
export async function resumeBuilder(
  farm: Farm,
  store: StateStore,
  id: string,
  commandOverride?: string,
  interruption: Interruption = NO_INTERRUPTION,
): Promise<SpawnedBuilder> {
  const recorded = await store.getBuilder(id);
  if (!recorded) throw noBuilderToResume(id);
  const cwd = recorded.worktree || farm.root;
  if (!existsSync(cwd))
    throw new InvalidInputError(
      `builder ${id}'s worktree ${cwd} is gone, so it cannot resume there: "af cleanup --project ${id}" removes what is left of it, then spawn it again.`,
    );
  const launch = await store.getInstructions(id);
  const command = farmCommand(farm.root, 'builder', { builderCmd: commandOverride ?? launch?.command });
  const args = launch?.prompt === undefined ? [] : [`${launch.prompt}\n\n${RESUME_NOTE}`];
  for (const arg of args) checkArgument(arg);
  const { running, claimed } = await store.claimBuilder(id, process.pid);
  if (running)
    throw new InvalidInputError(
      `builder ${id} is running (pid ${running.pid}); "af send ${id} <message>" talks to it${running.tmuxSession ? `, "tmux attach -t ${running.tmuxSession}" shows it` : ''}.`,
    );
  if (!claimed) throw new NotFoundError('E_BUILDER_NOT_FOUND', `builder ${id} was removed meanwhile.`);
  const session = farm.sessionName(`builder-${id}`);
  let launched: Launched | undefined;
  try {
    interruption.checkpoint(`builder ${id}`);
    // What is left of its last run: a session whose program ended.
    await stopProcess(claimed, farm.id);
    if (farm.useTmux) await killTmuxSession(session);
    interruption.checkpoint(`builder ${id}`);
    launched = await launchTerminal(
      {
        label: 'the builder command',
        command,
        cwd,
        session,
        logFile: farm.logFile(`builder-${id}`),
        farmId: farm.id,
        args,
        keepScreen: true,
      },
      farm.useTmux,
    );
    interruption.checkpoint(`builder ${id}`);
    const { tmuxSession: _old, ...rest } = claimed;
    const builder: Builder = {
      ...rest,
      pid: launched.pid,
      status: claimed.status === 'spawning' ? 'implementing' : claimed.status,
      ...(launched.tmuxSession ? { tmuxSession: launched.tmuxSession } : {}),
    };
    await store.upsertBuilder(builder);
    await store.recordLaunch(id, { command, ...(launch?.prompt === undefined ? {} : { prompt: launch.prompt }) });
    return { builder, launched, notes: [] };
  } catch (error) {
    try {
      if (launched) await stopProcess(launched, farm.id);
      if (farm.useTmux) await endFailedSession(session, error);
    } finally {
      await store.upsertBuilder(claimed);
    }
    throw error;
  }
}
