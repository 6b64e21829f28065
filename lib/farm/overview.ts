// What the dashboard shows (its types: overview-types.ts): the state as recorded, with dead utility terminals and
// annotations pruned (as the native dashboard does), and one tab per process with
// whether it lives and how to reach it. The page and the event stream both send this.
import { basename, relative } from 'node:path';
import { AgentFarmStateError, isProcessAlive, messageOf } from '../engine/index.js';
import type { StateStore } from '../state/store.js';
import type { Annotation, Builder, DashboardState, UtilTerminal } from '../state/types.js';
import type { Overview, Problem, Tab, TerminalReach } from './overview-types.js';
import type { FarmIdentity } from './project-farm.js';
import { tabEntry, type TabRef } from './tabs.js';

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

function reach(farm: FarmIdentity, entry: { tmuxSession?: string }, part: string): TerminalReach {
  if (entry.tmuxSession) return { tmuxSession: entry.tmuxSession, attach: `tmux attach -t ${entry.tmuxSession}` };
  const logFile = farm.logFile(part);
  return { logFile, attach: `tail -f ${logFile}` };
}

const builderTab = (farm: FarmIdentity, builder: Builder, instructions: string | undefined): Tab => ({
  id: `builder-${builder.id}`,
  kind: 'builder',
  // Its id, as af send, af cleanup and --resume take it; what it works on is its name.
  title: builder.id,
  pid: builder.pid,
  port: builder.port,
  alive: isProcessAlive(builder.pid),
  terminal: reach(farm, builder, `builder-${builder.id}`),
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

const shellTab = (farm: FarmIdentity, util: UtilTerminal): Tab => ({
  id: `shell-${util.id}`,
  kind: 'shell',
  title: util.name || util.id,
  pid: util.pid,
  port: util.port,
  alive: isProcessAlive(util.pid),
  terminal: reach(farm, util, util.id),
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

/** The overview of `state`, with each builder's instructions by id, and the problem reading it when there is one. */
export function overviewOf(
  farm: FarmIdentity,
  state: DashboardState,
  { problem, instructions = {} }: { problem?: Problem; instructions?: Record<string, string> } = {},
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
            terminal: reach(farm, architect, 'architect'),
          },
        ]
      : []),
    ...state.builders.map((builder) => builderTab(farm, builder, instructions[builder.id])),
    ...state.utils.map((util) => shellTab(farm, util)),
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

/** How to reach the terminal of a tab (architect, builder, shell) in the state, if it has that tab. */
export function terminalOf(
  farm: FarmIdentity,
  state: DashboardState,
  ref: TabRef,
): (TerminalReach & { label: string }) | undefined {
  if (ref.kind === 'file') return undefined;
  const entry = tabEntry(state, ref);
  if (!entry) return undefined;
  if (ref.kind === 'architect') return { label: 'architect', ...reach(farm, entry, 'architect') };
  if (ref.kind === 'builder') return { label: `builder ${ref.id}`, ...reach(farm, entry, `builder-${ref.id}`) };
  return { label: `shell ${ref.id}`, ...reach(farm, entry, ref.id) };
}
