// `af start`: the architect, one per project. Its row is claimed (with this
// process's pid) before it is launched, so two starts at once launch one architect.
import type { StateStore } from '../state.js';
import type { ArchitectState } from '../types.js';
import type { Farm } from './farm.js';
import { launchTerminal, recordOrStop, stopProcess, type Launched } from './launch.js';

export type ArchitectStart =
  | { alreadyRunning: true; architect: ArchitectState }
  | { alreadyRunning: false; architect: ArchitectState; launched: Launched; replaced?: ArchitectState };

export async function startArchitect(farm: Farm, store: StateStore, command: string): Promise<ArchitectStart> {
  const port = farm.layout.architect;
  const { running, replaced } = await store.claimArchitect({ port, pid: process.pid, cmd: command });
  if (running) return { alreadyRunning: true, architect: running };
  // A dead architect's tmux session may linger with its name.
  if (replaced) await stopProcess(replaced);
  let launched: Launched;
  try {
    launched = await launchTerminal({
      label: 'the architect command', command, cwd: farm.root,
      session: farm.sessionName('architect'), logFile: farm.logFile('architect'),
    }, farm.useTmux);
  } catch (error) {
    await store.setArchitect(null);
    throw error;
  }
  const architect = await recordOrStop(launched, async () => {
    await store.setArchitect({ port, pid: launched.pid, cmd: command, ...(launched.tmuxSession ? { tmuxSession: launched.tmuxSession } : {}) });
    return (await store.getArchitect())!;
  });
  return { alreadyRunning: false, architect, launched, ...(replaced ? { replaced } : {}) };
}
