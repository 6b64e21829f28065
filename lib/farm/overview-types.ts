// The shape of what the dashboard sends its page (overview.ts builds it). Types only,
// with no Node.js import: the page's code (lib/page/) imports them too.
import type { Builder, DashboardState } from '../state/types.js';

export type TabKind = 'architect' | 'builder' | 'shell' | 'file';

export interface TerminalReach {
  tmuxSession?: string;
  /** Where a process started without tmux writes its output. */
  logFile?: string;
  /** The command that reaches it from a shell. */
  attach: string;
}

export interface Tab {
  /** 'architect', 'builder-<id>', 'shell-<util id>' or 'file-<annotation id>', as the native routes name them. */
  id: string;
  kind: TabKind;
  title: string;
  pid: number;
  port: number;
  alive: boolean;
  terminal?: TerminalReach;
  file?: { path: string; url: string };
  builder?: Pick<Builder, 'name' | 'status' | 'phase' | 'worktree' | 'branch' | 'type'> & {
    /** The prompt its agent was started with (none for shell and worktree builders). */
    instructions?: string;
  };
}

export interface Problem {
  code: string;
  message: string;
}

export interface Overview {
  project: { name: string; root: string };
  state: DashboardState;
  tabs: Tab[];
  /** Set while state.db cannot be read: `state` is then the last state read, or empty. */
  problem?: Problem;
}
