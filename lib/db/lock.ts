// The cross-process write lock of one database file: a `<file>.lock` directory
// managed by proper-lockfile (atomic mkdir, mtime refreshed while held, taken over
// once older than the stale threshold), acquired with backoff and jitter up to a
// busy timeout.
import lockfile from 'proper-lockfile';
import { statSync } from 'node:fs';
import { BusyError } from './errors.js';

export interface LockTiming {
  /** How long to wait for a lock held by another process before failing with BusyError. */
  busyTimeout: number;
  /** Age after which a lock whose holder stopped refreshing it is taken over. */
  staleThreshold: number;
}

export interface HeldLock {
  readonly lockPath: string;
  /** False once another process took the lock over (this one was paused past the stale threshold). */
  stillOwned(): boolean;
  release(): Promise<void>;
}

const FIRST_BACKOFF_MS = 1;
const MAX_BACKOFF_MS = 20;

export function lockPathOf(filePath: string): string {
  return `${filePath}.lock`;
}

export async function acquireLock(filePath: string, timing: LockTiming): Promise<HeldLock> {
  const lockPath = lockPathOf(filePath);
  const startedAt = Date.now();
  let compromised = false;
  for (let attempt = 0; ; attempt++) {
    try {
      const release = await lockfile.lock(filePath, {
        lockfilePath: lockPath,
        realpath: false,
        retries: 0,
        stale: timing.staleThreshold,
        // Called from proper-lockfile's refresh timer; publishing checks the flag.
        onCompromised: () => { compromised = true; },
      });
      // The lock directory's inode identifies this holding: a takeover makes a new directory.
      const ownInode = statSync(lockPath).ino;
      return {
        lockPath,
        stillOwned: () => !compromised && inodeOf(lockPath) === ownInode,
        release: async () => {
          if (compromised) return;
          try { await release(); } catch { /* already released or taken over: nothing left to free */ }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      const waited = Date.now() - startedAt;
      if (waited >= timing.busyTimeout) throw new BusyError(lockPath, waited);
      const backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** attempt) * (0.5 + Math.random());
      await sleep(Math.min(backoff, timing.busyTimeout - waited));
    }
  }
}

function inodeOf(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
