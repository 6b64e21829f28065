// Where the files live. The project root is the nearest folder upward that has
// `.agent-farm/` or `codev/`, else the git root, else the current folder; its state
// is `<root>/.agent-farm/state.db`. The port registry is `~/.agent-farm/global.db`.
// AF_STATE_DIR and AF_GLOBAL_DIR move the two folders.
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

export const STATE_DIR_NAME = '.agent-farm';

/** The global folder: AF_GLOBAL_DIR, else `~/.agent-farm`. */
export function globalDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.AF_GLOBAL_DIR || join(homedir(), STATE_DIR_NAME));
}

export function globalDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(globalDir(env), 'global.db');
}

export function portsJsonPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(globalDir(env), 'ports.json');
}

export function findProjectRoot(start: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): string {
  const from = resolve(start);
  const globalFolder = globalDir(env);
  for (let dir = from; ; dir = dirname(dir)) {
    const stateFolder = join(dir, STATE_DIR_NAME);
    // The home folder's `.agent-farm` is the global registry, not a project's state.
    if ((isFolder(stateFolder) && stateFolder !== globalFolder) || isFolder(join(dir, 'codev')))
      return builderOwner(dir) ?? dir;
    if (dir === dirname(dir)) break;
  }
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return builderOwner(dir) ?? dir;
    if (dir === dirname(dir)) break;
  }
  return from;
}

export const BUILDERS_DIR_NAME = '.builders';

/**
 * The project a builder's worktree (`<root>/.builders/<id>`, a checkout with its own
 * `codev/` and `.git`) belongs to: `af` run by a builder works on its farm.
 */
function builderOwner(dir: string): string | undefined {
  const parent = dirname(dir);
  if (basename(parent) !== BUILDERS_DIR_NAME) return undefined;
  const root = dirname(parent);
  return isFolder(join(root, STATE_DIR_NAME)) ? root : undefined;
}

/** The builder whose worktree holds `path`, when it is inside `<root>/.builders/<id>`. */
export function builderOfPath(root: string, path: string): string | undefined {
  const inside = relative(join(root, BUILDERS_DIR_NAME), resolve(path));
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return undefined;
  return inside.split(sep)[0];
}

/** The project's state folder: AF_STATE_DIR, else `<project root>/.agent-farm`. */
export function stateDir(projectRoot: string = findProjectRoot(), env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.AF_STATE_DIR || join(projectRoot, STATE_DIR_NAME));
}

export function stateDbPath(projectRoot?: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(projectRoot, env), 'state.db');
}

export function stateJsonPath(projectRoot?: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(projectRoot, env), 'state.json');
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
