// `af start`: the architect, one per project. Its row is claimed (with this
// process's pid) before it is launched, so two starts at once launch one architect;
// the one that lost waits for the other to record its architect, so that it names
// the architect's pid, not the other command's.
import { setTimeout as delay } from 'node:timers/promises';
import type { StateStore } from '../state/store.js';
import type { ArchitectState } from '../state/types.js';
import type { Farm } from './project-farm.js';
import { isFarmCommandInProgress } from './farm-processes.js';
import { NO_INTERRUPTION, type Interruption } from './interruption.js';
import { endFailedSession, launchTerminal, stopProcess, type Launched } from './launch.js';

/** How long a start waits for another start under way to record its architect. */
const OTHER_START_WAIT_MS = 15_000;
const POLL_MS = 100;

export type ArchitectStart =
  | { alreadyRunning: true; architect: ArchitectState; startingElsewhere?: boolean }
  | { alreadyRunning: false; architect: ArchitectState; launched: Launched; replaced?: ArchitectState };

/** Starts the architect running `command`, with `prompt` (its role) as the last argument when given. */
export async function startArchitect(
  farm: Farm,
  store: StateStore,
  command: string,
  prompt?: string,
  interruption: Interruption = NO_INTERRUPTION,
): Promise<ArchitectStart> {
  const port = farm.layout.architect;
  let claimed: { replaced?: ArchitectState };
  for (;;) {
    const { running, replaced } = await store.claimArchitect({ port, pid: process.pid, cmd: command });
    if (!running) {
      claimed = { ...(replaced ? { replaced } : {}) };
      break;
    }
    if (!isFarmCommandInProgress(running.pid, farm.root)) return { alreadyRunning: true, architect: running };
    // Another `af start` holds the claim: its architect, or its failure, comes soon.
    if (!(await claimChanges(store, running.pid, interruption)))
      return { alreadyRunning: true, architect: running, startingElsewhere: true };
  }
  const { replaced } = claimed;
  const session = farm.sessionName('architect');
  let launched: Launched | undefined;
  try {
    interruption.checkpoint('the architect');
    // A dead architect's tmux session may linger with its name.
    if (replaced) await stopProcess(replaced, farm.id);
    interruption.checkpoint('the architect');
    launched = await launchTerminal(
      {
        label: 'the architect command',
        command,
        cwd: farm.root,
        session,
        logFile: farm.logFile('architect'),
        keepScreen: true,
        farmId: farm.id,
        args: prompt === undefined ? [] : [prompt],
      },
      farm.useTmux,
    );
    interruption.checkpoint('the architect');
    await store.setArchitect({
      port,
      pid: launched.pid,
      cmd: command,
      ...(launched.tmuxSession ? { tmuxSession: launched.tmuxSession } : {}),
    });
  } catch (error) {
    try {
      if (launched) await stopProcess(launched, farm.id);
      if (farm.useTmux) await endFailedSession(session, error);
    } finally {
      await store.setArchitect(null);
    }
    throw error;
  }
  return {
    alreadyRunning: false,
    architect: (await store.getArchitect())!,
    launched,
    ...(replaced ? { replaced } : {}),
  };
}

/** Waits until the architect row no longer names `pid` (true), or gives up (false). */
async function claimChanges(store: StateStore, pid: number, interruption: Interruption): Promise<boolean> {
  for (
    const deadline = Date.now() + OTHER_START_WAIT_MS;
    Date.now() < deadline && !interruption.signal;
    await delay(POLL_MS)
  ) {
    if ((await store.getArchitect())?.pid !== pid) return true;
  }
  return false;
}
