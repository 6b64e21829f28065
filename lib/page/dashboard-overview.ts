// What the dashboard server sends the page: the Overview of /api/overview and of
// every `overview` event of /api/events, and the answers of its tab routes.
import type { DashboardState } from '../state/types.js';

export type TabKind = 'architect' | 'builder' | 'shell' | 'file';

export interface Tab {
  /** 'architect' | 'builder-<builder id>' | 'shell-<util id>' | 'file-<annotation id>' */
  id: string;
  kind: TabKind;
  title: string;
  pid: number;
  port: number;
  alive: boolean;
  terminal?: { tmuxSession?: string; logFile?: string; attach: string };
  file?: { path: string; url: string };
  builder?: { status: string; phase: string; worktree: string; branch: string; type: string };
}

export interface Problem {
  code: string;
  message: string;
}

export interface Overview {
  project: { name: string; root: string };
  state: DashboardState;
  /** The architect first, then builders, shells and files, in state order. */
  tabs: Tab[];
  /** state.db is unreadable: `state` is the last good one, or empty. */
  problem?: Problem;
}
