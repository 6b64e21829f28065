// Running git. Builders spawned at once all create branches and worktrees in the
// same repository, and git does not wait for another git: it fails on the other's
// lock file, or on the other's worktree still being written. Such a command is
// run again after a short, growing, jittered pause (git leaves nothing behind
// from these failures).
import { execFile } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { AgentFarmStateError } from '../engine/index.js';
import type { DomainErrorCode } from '../shared/errors.js';

const ATTEMPTS = 12;
const FIRST_PAUSE_MS = 40;
const LONGEST_PAUSE_MS = 800;

/** Git's words for "another git holds a lock", and for a worktree that another `git worktree add` is still writing. */
const CONCURRENT_GIT =
  /\.lock'?:? File exists|Unable to create '[^']*\.lock'|cannot lock ref|could not lock|unable to lock|another git process seems to be running|failed to read \S*worktrees\/[^/\s]+\/\w+/i;

/** A git command the farm runs (branch, worktree) failed. */
export class GitError extends AgentFarmStateError<DomainErrorCode> {
  constructor(
    readonly args: string[],
    readonly stderr: string,
    readonly exitCode: number | null,
  ) {
    super('E_GIT', `git ${args.join(' ')} failed: ${stderr.trim() || `exit code ${exitCode}`}`);
  }

  /** Failed because another git was busy in the same repository: worth running again. */
  get isConcurrencyFailure(): boolean {
    return CONCURRENT_GIT.test(this.stderr);
  }
}

function runOnce(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const exitCode = typeof error.code === 'number' ? error.code : null;
      reject(new GitError(args, stderr || error.message, exitCode));
    });
  });
}

/** Runs git in `cwd` and returns its output; runs it again while another git is in the way. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runOnce(args, cwd);
    } catch (error) {
      if (!(error instanceof GitError && error.isConcurrencyFailure) || attempt === ATTEMPTS) throw error;
      const pause = Math.min(LONGEST_PAUSE_MS, FIRST_PAUSE_MS * 2 ** (attempt - 1));
      await delay(pause / 2 + Math.random() * pause);
    }
  }
}

/** True when git succeeds: for questions asked through the exit code. */
export async function gitSucceeds(cwd: string, ...args: string[]): Promise<boolean> {
  try {
    await git(cwd, ...args);
    return true;
  } catch (error) {
    if (error instanceof GitError && error.exitCode !== null) return false;
    throw error;
  }
}
