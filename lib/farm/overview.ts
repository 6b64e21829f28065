// What the dashboard shows (its types: overview-types.ts): the state as recorded, with dead utility terminals and
// annotations pruned (as the native dashboard does), and one tab per process with
// whether it lives and how to reach it. The page and the event stream both send this.
import { basename, relative } from 'node:path';
import { AgentFarmStateError, isProcessAlive, messageOf } from '../engine/index.js';
import type { StateStore } from '../state/store.js';
import type { Annotation, Builder, DashboardState, UtilTerminal } from '../state/types.js';
import type { Overview, Problem, Tab, TerminalReach } from './overview-types.js';
import { isFarmCommandInProgress } from './farm-processes.js';
import type { FarmIdentity } from './project-farm.js';

export const EMPTY_STATE: DashboardState = { architect: null, builders: [], utils: [], annotations: [] };

/** A typed error as a page shows it (an untyped one is E_INTERNAL). */
export function problemOf(error: unknown): Problem {
  return { code: error instanceof AgentFarmStateError ? error.code : 'E_INTERNAL', message: messageOf(error) };
}

/** The most tabs the dashboard opens (builders, shells and files together), as the native one. */
export const TAB_LIMIT = 20;

const hasDeadTerminal = (state: DashboardState) =>
  [...state.utils, ...state.annotations].some((entry) => !isProcessAlive(entry.pid));

/**
 * The state with dead utility terminals and annotations removed from the file, in
 * one transaction (read again inside it, so a row recorded meanwhile is judged too).
 * Nothing is written when none is dead.
 */
export async function prunedState(store: StateStore): Promise<DashboardState> {
  const state = await store.loadState();
  if (!hasDeadTerminal(state)) return state;
  return store.pruneDead(isProcessAlive);
}

/** The tmux sessions recorded by processes that are dead (their sessions may be gone: see `reach`). */
export function deadProcessSessions(state: DashboardState): string[] {
  const entries = [...(state.architect ? [state.architect] : []), ...state.builders, ...state.utils];
  return entries.flatMap((entry) => (entry.tmuxSession && !isProcessAlive(entry.pid) ? [entry.tmuxSession] : []));
}

/**
 * How to reach a process's terminal. A row claimed before its launch (a spawn, a start,
 * a resume, which keeps the session of the run before) names the `af` command starting
 * it, or this dashboard: no terminal yet. A session in `goneSessions` is no longer in
 * tmux: no command would attach to it.
 */
function reach(
  farm: FarmIdentity,
  entry: { pid: number; tmuxSession?: string },
  part: string,
  goneSessions: ReadonlySet<string>,
): TerminalReach {
  const { tmuxSession } = entry;
  if (entry.pid === process.pid || isFarmCommandInProgress(entry.pid, farm.root)) return { starting: true, attach: '' };
  if (tmuxSession) return { tmuxSession, attach: goneSessions.has(tmuxSession) ? '' : `tmux attach -t ${tmuxSession}` };
  const logFile = farm.logFile(part);
  return { logFile, attach: `tail -f ${logFile}` };
}

const builderTab = (
  farm: FarmIdentity,
  builder: Builder,
  instructions: string | undefined,
  gone: ReadonlySet<string>,
): Tab => ({
  id: `builder-${builder.id}`,
  kind: 'builder',
  // Its id, as af send, af cleanup and --resume take it; what it works on is its name.
  title: builder.id,
  pid: builder.pid,
  port: builder.port,
  alive: isProcessAlive(builder.pid),
  terminal: reach(farm, builder, `builder-${builder.id}`, gone),
  builder: {
    name: builder.name,
    status: builder.status,
    phase: builder.phase,
    worktree: builder.worktree,
    branch: builder.branch,
    type: builder.type,
    ...(instructions === undefined ? {} : { instructions }),
  },
});

const shellTab = (farm: FarmIdentity, util: UtilTerminal, gone: ReadonlySet<string>): Tab => ({
  id: `shell-${util.id}`,
  kind: 'shell',
  title: util.name || util.id,
  pid: util.pid,
  port: util.port,
  alive: isProcessAlive(util.pid),
  terminal: reach(farm, util, util.id, gone),
});

const fileTab = (farm: FarmIdentity, annotation: Annotation): Tab => ({
  id: `file-${annotation.id}`,
  kind: 'file',
  title: relative(farm.root, annotation.file) || annotation.file,
  pid: annotation.pid,
  port: annotation.port,
  alive: isProcessAlive(annotation.pid),
  file: { path: annotation.file, url: `/file/${encodeURIComponent(annotation.id)}` },
});

/**
 * The overview of `state`, with each builder's instructions by id, the problem reading it when there is one, and
 * the recorded tmux sessions known to be no longer in tmux.
 */
export function overviewOf(
  farm: FarmIdentity,
  state: DashboardState,
  {
    problem,
    instructions = {},
    goneSessions = new Set(),
  }: { problem?: Problem; instructions?: Record<string, string>; goneSessions?: ReadonlySet<string> } = {},
): Overview {
  const { architect } = state;
  const tabs: Tab[] = [
    ...(architect
      ? [
          {
            id: 'architect',
            kind: 'architect' as const,
            title: 'architect',
            pid: architect.pid,
            port: architect.port,
            alive: isProcessAlive(architect.pid),
            terminal: reach(farm, architect, 'architect', goneSessions),
          },
        ]
      : []),
    ...state.builders.map((builder) => builderTab(farm, builder, instructions[builder.id], goneSessions)),
    ...state.utils.map((util) => shellTab(farm, util, goneSessions)),
    ...state.annotations.map((annotation) => fileTab(farm, annotation)),
  ];
  return {
    project: { name: basename(farm.root), root: farm.root },
    state,
    tabs,
    ...(problem ? { problem } : {}),
  };
}

/** The tabs a new one would count against TAB_LIMIT. */
export const openTabCount = (state: DashboardState) =>
  state.builders.length + state.utils.length + state.annotations.length;
