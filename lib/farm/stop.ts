// `af stop`: ends every process the farm started, then clears the state. First the
// `af` commands still starting something in the project are interrupted (each
// undoes what it started, see interruption.ts), then what the rows record is ended,
// then whatever the farm started that no row records: its tmux sessions (found by
// their name prefix) and its detached process groups (found by their mark). The
// dashboard server is ended after the processes it shows.
import { setTimeout as delay } from 'node:timers/promises';
import { isProcessAlive } from '../engine/index.js';
import type { StateStore } from '../state/store.js';
import type { FarmIdentity } from './project-farm.js';
import { removeDashboardRecord, runningDashboard } from './dashboard-record.js';
import { farmCommandsInProgress, markedProcessGroups } from './farm-processes.js';
import { killFarmSession, stopProcess, tmuxPanePid, tmuxSessionsStartingWith, type StopOutcome } from './launch.js';

/** How long an interrupted command gets to undo what it started before it is killed. */
const UNDO_GRACE_MS = 20_000;
const POLL_MS = 50;

export interface StoppedProcess {
  what: string;
  pid: number;
  outcome: StopOutcome | 'interrupted';
  /** Set when no row recorded it. */
  unrecorded?: true;
}

export async function stopFarm(farm: FarmIdentity, store: StateStore): Promise<StoppedProcess[]> {
  const commands = await Promise.all(
    farmCommandsInProgress(farm.root).map(async (command) => ({
      what: `${command.command} (under way)`,
      pid: command.pid,
      outcome: await interrupt(command.pid),
    })),
  );
  const state = await store.loadState();
  const interruptedPids = new Set(commands.map((command) => command.pid));
  const recorded = [
    ...(state.architect ? [{ what: 'architect', ...state.architect }] : []),
    ...state.builders.map((builder) => ({ what: `builder ${builder.id}`, ...builder })),
    ...state.utils.map((util) => ({ what: `utility terminal ${util.id}`, ...util })),
    ...state.annotations.map((annotation) => ({ what: `annotation ${annotation.id}`, ...annotation })),
  ].filter((entry) => !interruptedPids.has(entry.pid));
  const stopped: StoppedProcess[] = [
    ...commands,
    ...(await Promise.all(
      recorded.map(async (entry) => ({ what: entry.what, pid: entry.pid, outcome: await stopProcess(entry, farm.id) })),
    )),
  ];
  stopped.push(...(await stopDashboard(farm)), ...(await stopUnrecorded(farm)));
  await store.clearState();
  return stopped;
}

/** SIGTERM to a command under way (only the process: its group may be the user's shell job), SIGKILL if it does not end. */
async function interrupt(pid: number): Promise<StoppedProcess['outcome']> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'not running';
  }
  if (await ended(pid, UNDO_GRACE_MS)) return 'interrupted';
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Ended just now.
  }
  return (await ended(pid, 2000)) ? 'stopped' : 'survived';
}

async function ended(pid: number, withinMs: number): Promise<boolean> {
  for (const deadline = Date.now() + withinMs; Date.now() < deadline; await delay(POLL_MS)) {
    if (!isProcessAlive(pid)) return true;
  }
  return !isProcessAlive(pid);
}

/** The farm's dashboard server, unless this process is it (POST /api/stop: it ends itself once it answered). */
async function stopDashboard(farm: FarmIdentity): Promise<StoppedProcess[]> {
  const dashboard = runningDashboard(farm);
  if (!dashboard || dashboard.pid === process.pid) return [];
  const outcome = await stopProcess({ pid: dashboard.pid }, farm.id);
  removeDashboardRecord(farm.root, dashboard.pid);
  return [{ what: 'dashboard', pid: dashboard.pid, outcome }];
}

/** The farm's tmux sessions and marked process groups that are still there once the recorded ones ended. */
async function stopUnrecorded(farm: FarmIdentity): Promise<StoppedProcess[]> {
  const found: StoppedProcess[] = [];
  for (const session of await tmuxSessionsStartingWith(`${farm.id}-`)) {
    const pid = (await tmuxPanePid(session)) ?? 0;
    if (await killFarmSession(session, farm.id))
      found.push({ what: `tmux session ${session}`, pid, outcome: 'stopped', unrecorded: true });
  }
  for (const group of markedProcessGroups(farm.id)) {
    const outcome = await stopProcess({ pid: group.pid }, farm.id);
    found.push({ what: `process group ${group.pid} (${group.command})`, pid: group.pid, outcome, unrecorded: true });
  }
  return found;
}
