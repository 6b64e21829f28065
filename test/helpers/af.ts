// Runs the built `af` bin (dist/af.js) the way a user would, in a given folder,
// with the home and global registry moved into the test's temporary folder.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { finished, type Finished } from './processes.js';

export const AF_BIN = fileURLToPath(new URL('../../dist/af.js', import.meta.url));

export interface AfOptions {
  cwd: string;
  /** Holds the fake home and global registry; defaults to `<cwd>/../home`. */
  home?: string;
  env?: Record<string, string>;
  input?: string;
}

export function afEnvironment(options: AfOptions): NodeJS.ProcessEnv {
  const home = options.home ?? join(options.cwd, '..', 'home');
  // Drop the colour switch uvu sets: af decides colour for itself.
  const { FORCE_COLOR: _unused, ...inherited } = process.env;
  return { ...inherited, HOME: home, AF_GLOBAL_DIR: join(home, '.agent-farm'), ...options.env };
}

export function runAf(args: string[], options: AfOptions): Promise<Finished> {
  const child = spawn(process.execPath, [AF_BIN, ...args], {
    cwd: options.cwd,
    env: afEnvironment(options),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end(options.input ?? '');
  return finished(child);
}
