// The cross-process write lock of one database file: a `<file>.lock` directory
// managed by proper-lockfile (atomic mkdir, mtime refreshed while held, taken over
// once older than the stale threshold), acquired with backoff and jitter up to a
// busy timeout. A waiter also wakes as soon as the holder removes the directory.
import lockfile from 'proper-lockfile';
import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import { BusyError } from './errors.js';
import { lockReleasedOrTimeout } from './release-signal.js';

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
  release(): void;
}

/** Like the native version's busy_timeout; a killed holder blocks others for a few seconds at most. */
export const DEFAULT_LOCK_TIMING: LockTiming = { busyTimeout: 5000, staleThreshold: 3000 };
/** proper-lockfile refreshes a held lock every half threshold, at most every second. */
export const MIN_STALE_THRESHOLD = 2000;

const FIRST_BACKOFF_MS = 1;
const MAX_BACKOFF_MS = 50;

export function lockPathOf(filePath: string): string {
  return `${filePath}.lock`;
}

/**
 * Waits for the lock. With `unneeded`, asked after every wake-up, the wait ends
 * early (resolving to undefined) once the caller no longer needs the lock.
 */
export async function acquireLock(filePath: string, timing: LockTiming): Promise<HeldLock>;
export async function acquireLock(filePath: string, timing: LockTiming, unneeded: () => boolean): Promise<HeldLock | undefined>;
export async function acquireLock(filePath: string, timing: LockTiming, unneeded?: () => boolean): Promise<HeldLock | undefined> {
  const lockPath = lockPathOf(filePath);
  const startedAt = Date.now();
  for (let attempt = 0; ; attempt++) {
    const held = tryLock(filePath, lockPath, timing.staleThreshold);
    if (held) return held;
    if (attempt > 0 && unneeded?.()) return undefined;
    const waited = Date.now() - startedAt;
    if (waited >= timing.busyTimeout) throw new BusyError(lockPath, waited);
    // The backoff is only the fallback: removing the lock directory wakes the waiter at once.
    const backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** attempt) * (0.5 + Math.random());
    // A long wait is announced, so a holder that keeps the lock across transactions yields.
    if (waited > LONG_WAIT_MS) announceWaiting(lockPath);
    await lockReleasedOrTimeout(lockPath, Math.min(backoff, timing.busyTimeout - waited));
    // Every waiter wakes at the same release: a moment's jitter lets one take the lock
    // and the others find it held with a single stat.
    await wakeJitter();
  }
}

/** A waiter that has waited this long asks holders to give others a turn. */
const LONG_WAIT_MS = 100;

export function waitingMarkOf(lockPath: string): string {
  return `${lockPath}.waiting`;
}

function announceWaiting(lockPath: string): void {
  try {
    mkdirSync(waitingMarkOf(lockPath));
  } catch {
    // already announced by another waiter, or the folder went away
  }
}

/** True once after a waiter announced itself: the caller should let waiters compete before locking again. */
export function othersWaiting(lockPath: string): boolean {
  try {
    rmdirSync(waitingMarkOf(lockPath));
    return true;
  } catch {
    return false;
  }
}

/** The pause every contender takes before trying a lock that was just released, so none is favoured. */
export function wakeJitter(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * 2));
}

/** One attempt, synchronous: a mkdir and a stat, without the thread-pool round trips of the async calls. */
function tryLock(filePath: string, lockPath: string, staleThreshold: number): HeldLock | undefined {
  // Held and fresh: say so after one stat, without proper-lockfile's attempt (its mkdir and thrown error).
  if (lockStateOf(filePath, staleThreshold) === 'held') return undefined;
  let compromised = false;
  let release: () => void;
  try {
    release = lockfile.lockSync(filePath, {
      lockfilePath: lockPath,
      realpath: false,
      stale: staleThreshold,
      // Called from proper-lockfile's refresh timer; publishing checks the flag.
      onCompromised: () => { compromised = true; },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') return undefined;
    throw error;
  }
  // The lock directory's inode identifies this holding: a takeover makes a new directory.
  const ownInode = inodeOf(lockPath);
  return {
    lockPath,
    stillOwned: () => !compromised && ownInode !== undefined && inodeOf(lockPath) === ownInode,
    release: () => {
      // proper-lockfile would remove the directory even after a takeover: never free another holder's lock.
      if (compromised || inodeOf(lockPath) !== ownInode) return;
      try { release(); } catch { /* already released: nothing left to free */ }
    },
  };
}

function inodeOf(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}


export type LockState = 'free' | 'held' | 'stale';

/** Whether another process holds the file's lock right now, judged as a waiting writer would. */
export function lockStateOf(filePath: string, staleThreshold: number): LockState {
  try {
    return Date.now() - statSync(lockPathOf(filePath)).mtimeMs > staleThreshold ? 'stale' : 'held';
  } catch {
    return 'free';
  }
}
