// The project a lifecycle command works on: its root, its port block, whether
// terminals go into tmux, and the names of its tmux sessions and log files. Every
// tmux session and detached process of the farm carries the farm's id (the
// sessions' name prefix, and AF_FARM in the environment), so `af stop` finds
// them even when no row records them.
import { basename, join } from 'node:path';
import { stateDir } from '../shared/paths.js';
import { portLayout } from '../ports/layout.js';
import type { PortLayout } from '../ports/types.js';
import { tmuxInstalled } from './launch.js';

/** What names a farm's processes; needs no port block. */
export interface FarmIdentity {
  root: string;
  /** `af-<folder>-<hash of the root>`: the prefix of every tmux session, the value of AF_FARM. */
  id: string;
  useTmux: boolean;
  /** The tmux session of one of the farm's processes ('architect', 'builder-<id>', a util's id). */
  sessionName(part: string): string;
  /** Where a detached process's output goes. */
  logFile(part: string): string;
}

export interface Farm extends FarmIdentity {
  layout: PortLayout;
}

/** Letters, digits, `_` and `-` only: what tmux session names and file names take as they are. */
const safeName = (text: string) => text.replace(/[^\w-]+/g, '-');

/** Six hex digits of FNV-1a over the text: stable per path, and no node:crypto to load at start-up. */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0').slice(0, 6);
}

export function farmIdentity(root: string): FarmIdentity {
  // The project's folder name for people, a hash of its path so two projects never share a session.
  const folder = safeName(basename(root)).slice(0, 24) || 'project';
  const id = `af-${folder}-${shortHash(root)}`;
  const logs = join(stateDir(root), 'logs');
  return {
    root,
    id,
    useTmux: tmuxInstalled(),
    sessionName: (part) => `${id}-${safeName(part)}`,
    logFile: (part) => join(logs, `${safeName(part)}.log`),
  };
}

export function farmOf(root: string, basePort: number): Farm {
  return { ...farmIdentity(root), layout: portLayout(basePort) };
}
