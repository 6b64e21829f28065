// A tmux server of a test's own (TMUX_TMPDIR in the test's folder), for the web
// terminal tests: sessions made, read and ended by the tmux command itself.
import { execFileSync, spawnSync } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { findExecutable } from '../../lib/farm/find-executable.js';

export interface TestTmux {
  env: NodeJS.ProcessEnv;
  tmux(...args: string[]): string;
  /** A detached session of `cols` × `rows` running `command` (through sh). */
  newSession(name: string, command: string, cols?: number, rows?: number): void;
  /** The pane's visible text, as tmux has it. */
  capture(name: string): string;
  /** Ends the server and every session. */
  kill(): void;
}

export function testTmux(folder: string): TestTmux {
  if (!findExecutable('tmux')) throw new Error('the web terminal tests need tmux (the Debian package tmux)');
  const env = { ...process.env, TMUX_TMPDIR: folder, TMUX: '' };
  const tmux = (...args: string[]) => execFileSync('tmux', args, { env, encoding: 'utf8' });
  return {
    env,
    tmux,
    newSession(name, command, cols = 80, rows = 24) {
      tmux('new-session', '-d', '-s', name, '-x', String(cols), '-y', String(rows), command);
    },
    capture: (name) => tmux('capture-pane', '-p', '-t', `=${name}:`),
    kill: () => {
      spawnSync('tmux', ['kill-server'], { env });
    },
  };
}

/** Polls `check` until it returns true (generous: the machine may be busy); fails with `what`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}
