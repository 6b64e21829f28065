// The cross-process write lock of one database file: a `<file>.lock` directory
// (see lock-directory.ts: atomic mkdir, the holder's pid and host recorded inside,
// refreshed while held), acquired with backoff and jitter up to a busy timeout. A lock
// whose holder died on this host is taken over at once, one whose holder stopped
// refreshing it (another host, a paused process) after the stale threshold. A waiter
// also wakes as soon as the holder removes the directory.
import { lstatSync, mkdirSync, rmdirSync, type Stats } from 'node:fs';
import { BusyError, fileSystemError, UnsafePathError } from '../errors.js';
import {
  createLockDirectory,
  HOST_IDENTITY,
  judgeLockDirectory,
  ownsLockDirectory,
  refreshLockDirectory,
  releaseLockDirectory,
  takeOverLockDirectory,
  type OwnLockDirectory,
} from './lock-directory.js';
import { entryKind } from '../io/safe-files.js';
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

/** Like the native version's busy_timeout; a holder killed on another host blocks others for a few seconds at most. */
export const DEFAULT_LOCK_TIMING: LockTiming = { busyTimeout: 5000, staleThreshold: 3000 };
/** A held lock is refreshed every half threshold, at most every second. */
export const MIN_STALE_THRESHOLD = 2000;
const MIN_REFRESH_MS = 1000;

const FIRST_BACKOFF_MS = 1;
const MAX_BACKOFF_MS = 50;
/**
 * A waiter that has waited this long tries at once when it wakes; one that waited less
 * pauses first (wakeJitter). A release wakes every waiter at once, and the kernel wakes
 * them in much the same order each time: without the pause the same few would win every
 * hand-over and a writer could wait out its busy timeout.
 */
const LONG_WAIT_MS = 200;

export function lockPathOf(filePath: string): string {
  return `${filePath}.lock`;
}

/**
 * Waits for the lock. With `unneeded`, asked after every wake-up, the wait ends
 * early (resolving to undefined) once the caller no longer needs the lock.
 */
export async function acquireLock(filePath: string, timing: LockTiming): Promise<HeldLock>;
export async function acquireLock(
  filePath: string,
  timing: LockTiming,
  unneeded: () => boolean,
): Promise<HeldLock | undefined>;
export async function acquireLock(
  filePath: string,
  timing: LockTiming,
  unneeded?: () => boolean,
): Promise<HeldLock | undefined> {
  const lockPath = lockPathOf(filePath);
  const startedAt = Date.now();
  let announced = false;
  try {
    for (let attempt = 0; ; attempt++) {
      const held = tryLock(lockPath, timing.staleThreshold);
      if (held) return held;
      if (attempt > 0 && unneeded?.()) return undefined;
      const waited = Date.now() - startedAt;
      if (waited >= timing.busyTimeout) throw new BusyError(lockPath, waited);
      // The backoff is only the fallback: removing the lock directory wakes the waiter at once.
      const backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** attempt) * (0.5 + Math.random());
      // The wait is announced, so a holder that keeps the lock across transactions lets it go; again at every
      // wake-up, as the one that takes the lock, or a holder that lets it go, removes the mark.
      announced = announceWaiting(lockPath) || announced;
      // A release wakes every waiter at once: those that waited long try at once, one of them makes the
      // directory and the others find it there (the backoff is random enough to spread the timed wake-ups).
      await lockReleasedOrTimeout(lockPath, Math.min(backoff, timing.busyTimeout - waited));
      if (Date.now() - startedAt < LONG_WAIT_MS) await wakeJitter();
    }
  } finally {
    // Waiters still waiting announce themselves again at their next wake-up.
    if (announced) othersWaiting(lockPath);
  }
}

export function waitingMarkOf(lockPath: string): string {
  return `${lockPath}.waiting`;
}

/** Makes the waiting mark; true when there is one now. */
function announceWaiting(lockPath: string): boolean {
  const mark = waitingMarkOf(lockPath);
  try {
    mkdirSync(mark);
    return true;
  } catch (error) {
    // Already announced by another waiter (a folder), or something planted there: refused.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return assertFolder(mark);
    return false; // the folder went away, or cannot be written: the backoff alone applies
  }
}

/** True once after a waiter announced itself: the caller should let waiters compete before locking again. */
export function othersWaiting(lockPath: string): boolean {
  const mark = waitingMarkOf(lockPath);
  try {
    rmdirSync(mark);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    // rmdir follows no link: what is there is left as it is, and refused.
    assertFolder(mark);
    if ((error as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new UnsafePathError(mark, 'a folder with something in it', 'folder');
    }
    throw fileSystemError(error, mark, 'remove the waiting mark');
  }
}

/** True when `path` is a folder (or gone); refuses a symbolic link or a file. */
function assertFolder(path: string): boolean {
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch {
    return false;
  }
  if (!stats.isDirectory()) throw new UnsafePathError(path, entryKind(stats), 'folder');
  return true;
}

/** The pause before trying a lock that was just released, of a holder that let it go and of a waiter that came late. */
export function wakeJitter(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * 2));
}

/**
 * The locks this process holds, shared by every copy of this module loaded in it (the
 * ES and CommonJS bundles): a lock recorded with this pid is dead only if no copy holds it.
 */
interface HeldHere {
  locks: Map<string, () => void>;
  exitHooked: boolean;
}
const HELD_HERE_KEY = Symbol.for('agent-farm-state.held-locks');
const shared = globalThis as Record<symbol, unknown>;
shared[HELD_HERE_KEY] ??= { locks: new Map(), exitHooked: false };
const heldHere = shared[HELD_HERE_KEY] as HeldHere;

const heldKey = (lockPath: string, inode: number) => `${inode} ${lockPath}`;
const ownedHere = (lockPath: string) => (inode: number) => heldHere.locks.has(heldKey(lockPath, inode));

/** One attempt, synchronous: a stat, and a mkdir when the lock is free or stale. */
function tryLock(lockPath: string, staleThreshold: number): HeldLock | undefined {
  const judged = judgeLockDirectory(lockPath, staleThreshold, ownedHere(lockPath));
  if (judged.state === 'held') return undefined;
  if (judged.state === 'stale') takeOverLockDirectory(lockPath, judged);
  const own = createLockDirectory(lockPath, { pid: process.pid, host: HOST_IDENTITY });
  return own && holding(own, staleThreshold);
}

function holding(own: OwnLockDirectory, staleThreshold: number): HeldLock {
  const key = heldKey(own.lockPath, own.inode);
  let released = false;
  const refresh = setInterval(
    () => {
      try {
        if (ownsLockDirectory(own)) refreshLockDirectory(own);
        else clearInterval(refresh);
      } catch {
        clearInterval(refresh); // publishing checks ownership itself
      }
    },
    Math.max(staleThreshold / 2, MIN_REFRESH_MS),
  );
  refresh.unref();
  const release = () => {
    if (released) return;
    released = true;
    clearInterval(refresh);
    heldHere.locks.delete(key);
    // Never frees another holder's lock: only the directory this holding made.
    releaseLockDirectory(own);
  };
  heldHere.locks.set(key, release);
  hookExit();
  return { lockPath: own.lockPath, stillOwned: () => !released && ownsLockDirectory(own), release };
}

/** A process that exits (process.exit from a signal handler included) frees the locks it holds. */
function hookExit(): void {
  if (heldHere.exitHooked) return;
  heldHere.exitHooked = true;
  process.on('exit', () => {
    for (const release of [...heldHere.locks.values()]) {
      try {
        release();
      } catch {
        /* exiting: free what can be freed */
      }
    }
  });
}

/** 'stale': held by a process that ended or stopped refreshing it; the next writer takes it over at once. */
export type LockState = 'free' | 'held' | 'held by this process' | 'stale';

/** Whether a writer would have to wait for the file's lock right now, judged as a waiting writer would. */
export function lockStateOf(filePath: string, staleThreshold: number): LockState {
  const lockPath = lockPathOf(filePath);
  const judged = judgeLockDirectory(lockPath, staleThreshold, ownedHere(lockPath));
  if (judged.state === 'held' && ownedHere(lockPath)(judged.inode)) return 'held by this process';
  return judged.state;
}
