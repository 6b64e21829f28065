// The dashboard's tabs as the native routes name them ('builder-<id>', 'shell-<util
// id>', 'file-<annotation id>', and 'architect'), and closing one: its process ended
// (with its tmux session) and its row removed, as `af stop` does for the whole farm.
import { InvalidInputError } from '../engine/index.js';
import type { StateStore } from '../state/store.js';
import type { DashboardState } from '../state/types.js';
import { stopProcess, type StopOutcome } from './launch.js';
import type { FarmIdentity } from './project-farm.js';

/** What the native dashboard accepts in an id: nothing a shell or a path could read as more than a name. */
export const TAB_NAME = /^[a-zA-Z0-9_-]+$/;

/**
 * `value` as a name the farm records and shows (a utility terminal's, a message's
 * recipient): TAB_NAME and at most 64 characters, so no escape sequence or line
 * reaches a terminal through `af status`. `what` names it in the refusal.
 */
export function checkedName(value: unknown, what: string): string {
  if (typeof value !== 'string' || !TAB_NAME.test(value) || value.length > 64)
    throw new InvalidInputError(
      `${what} must be 1 to 64 letters, digits, "_" or "-"; got ${JSON.stringify(value ?? null).slice(0, 80)}.`,
    );
  return value;
}

export type TabRef = { kind: 'architect' } | { kind: 'builder' | 'shell' | 'file'; id: string };

/** The tab an id names, or undefined when it is not a tab id at all. */
export function parseTabId(tab: string): TabRef | undefined {
  if (tab === 'architect') return { kind: 'architect' };
  const match = /^(builder|shell|file)-(.+)$/.exec(tab);
  if (!match || !TAB_NAME.test(match[2]!) || match[2]!.length > 128) return undefined;
  return { kind: match[1] as 'builder' | 'shell' | 'file', id: match[2]! };
}

/** The recorded process behind a tab, if the state has it. */
export function tabEntry(
  state: DashboardState,
  ref: TabRef,
): { pid: number; tmuxSession?: string; id?: string } | undefined {
  switch (ref.kind) {
    case 'architect':
      return state.architect ?? undefined;
    case 'builder':
      return state.builders.find((builder) => builder.id === ref.id);
    case 'shell':
      return state.utils.find((util) => util.id === ref.id);
    case 'file':
      return state.annotations.find((annotation) => annotation.id === ref.id);
  }
}

export interface ClosedTab {
  process: StopOutcome;
  /** A builder's checkout, kept: what is left of it, and the command that removes it. */
  left?: { worktree: string; branch: string; remove: string };
}

/** Ends a builder's, shell's or file's process and removes its row; undefined when the state has no such tab. */
export async function closeTab(
  farm: FarmIdentity,
  store: StateStore,
  ref: Exclude<TabRef, { kind: 'architect' }>,
): Promise<ClosedTab | undefined> {
  const state = await store.loadState();
  const entry = tabEntry(state, ref);
  if (!entry) return undefined;
  const process = await stopProcess(entry, farm.id);
  if (ref.kind === 'shell') await store.removeUtil(ref.id);
  else if (ref.kind === 'file') await store.removeAnnotation(ref.id);
  else {
    await store.removeBuilder(ref.id);
    const builder = state.builders.find((candidate) => candidate.id === ref.id);
    if (builder?.worktree)
      return {
        process,
        left: { worktree: builder.worktree, branch: builder.branch, remove: `af cleanup --project ${ref.id}` },
      };
  }
  return { process };
}
