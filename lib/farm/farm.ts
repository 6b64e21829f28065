// The project a lifecycle command works on: its root, its port block, whether
// terminals go into tmux, and the names of its tmux sessions and log files.
import { basename, join } from 'node:path';
import { stateDir } from '../paths.js';
import { portLayout, type PortLayout } from '../ports.js';
import { tmuxInstalled } from './launch.js';

export interface Farm {
  root: string;
  layout: PortLayout;
  useTmux: boolean;
  /** The tmux session of one of the farm's processes ('architect', 'builder-<id>', a util's id). */
  sessionName(part: string): string;
  /** Where a detached process's output goes. */
  logFile(part: string): string;
}

/** Letters, digits, `_` and `-` only: what tmux session names and file names take as they are. */
const safeName = (text: string) => text.replace(/[^\w-]+/g, '-');

/** Six hex digits of FNV-1a over the text: stable per path, and no node:crypto to load at start-up. */
function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0').slice(0, 6);
}

export function farmOf(root: string, basePort: number): Farm {
  // The project's folder name for people, a hash of its path so two projects never share a session.
  const folder = safeName(basename(root)).slice(0, 24) || 'project';
  const hash = shortHash(root);
  const logs = join(stateDir(root), 'logs');
  return {
    root,
    layout: portLayout(basePort),
    useTmux: tmuxInstalled(),
    sessionName: (part) => `af-${folder}-${hash}-${safeName(part)}`,
    logFile: (part) => join(logs, `${safeName(part)}.log`),
  };
}
