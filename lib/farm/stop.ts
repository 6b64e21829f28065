// `af stop`: ends every process the farm recorded, then clears the state.
import type { StateStore } from '../state.js';
import { stopProcess, type StopOutcome } from './launch.js';

export interface StoppedProcess {
  what: string;
  pid: number;
  outcome: StopOutcome;
}

export async function stopFarm(store: StateStore): Promise<StoppedProcess[]> {
  const state = await store.loadState();
  const processes = [
    ...(state.architect ? [{ what: 'architect', ...state.architect }] : []),
    ...state.builders.map((builder) => ({ what: `builder ${builder.id}`, ...builder })),
    ...state.utils.map((util) => ({ what: `utility terminal ${util.id}`, ...util })),
    ...state.annotations.map((annotation) => ({ what: `annotation ${annotation.id}`, ...annotation })),
  ];
  const stopped = await Promise.all(processes.map(async (entry) => ({ what: entry.what, pid: entry.pid, outcome: await stopProcess(entry) })));
  await store.clearState();
  return stopped;
}
