// The cross-process write lock of one database file: a `<file>.lock` directory
// (see lock-directory.ts: atomic mkdir, the holder's pid and host recorded inside,
// refreshed while held), waited for up to a busy timeout. A waiter wakes as soon as
// the holder removes the directory (a backoff where that cannot be watched). A lock
// whose holder died on this host is taken over within moments, one whose holder
// stopped refreshing it (another host, a paused process) after the stale threshold.
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
import { LockWatch } from './release-signal.js';

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
  let watch: LockWatch | undefined;
  try {
    for (let attempt = 0; ; attempt++) {
      const held = tryLock(lockPath, timing.staleThreshold);
      if (held) return held;
      if (attempt > 0 && unneeded?.()) return undefined;
      const waited = Date.now() - startedAt;
      if (waited >= timing.busyTimeout) throw new BusyError(lockPath, waited);
      // Announced from the first failed attempt (and again after every wake-up, as a holder
      // consumes the mark), so a holder that keeps the lock across transactions yields.
      announceWaiting(lockPath);
      watch ??= new LockWatch(lockPath);
      // Where the release wakes the waiter, the timeout only catches a holder that died
      // holding the lock; elsewhere it is the backoff.
      const backoff = watch.watching
        ? MAX_BACKOFF_MS
        : Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** attempt) * (0.5 + Math.random());
      await watch.releasedOrTimeout(Math.min(backoff, timing.busyTimeout - waited));
    }
  } finally {
    // The mark stays for the waiters still waiting: the holder that yields to them removes it.
    watch?.close();
  }
}

/**
 * Removes the waiting mark when there is no lock at all (a closing process tidying up):
 * a waiter still waiting takes the free lock at its next wake-up, or announces itself
 * again. Whatever else is found there is left for the next writer to refuse.
 */
export function clearWaitingMark(filePath: string): void {
  const lockPath = lockPathOf(filePath);
  try {
    if (!lstatSync(lockPath, { throwIfNoEntry: false })) othersWaiting(lockPath);
  } catch {
    /* a planted entry, or a folder that cannot be written: refused when a writer meets it */
  }
}

export function waitingMarkOf(lockPath: string): string {
  return `${lockPath}.waiting`;
}

/** Makes the waiting mark unless it is there. */
function announceWaiting(lockPath: string): void {
  const mark = waitingMarkOf(lockPath);
  if (markPresent(mark)) return;
  try {
    mkdirSync(mark);
  } catch (error) {
    // Announced by another waiter meanwhile (a folder), or something planted there: refused.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') assertFolder(mark);
    // Else the folder went away, or cannot be written (nor can the lock be taken in it then).
  }
}

/** True once after a waiter announced itself: the caller should let waiters compete before locking again. */
export function othersWaiting(lockPath: string): boolean {
  const mark = waitingMarkOf(lockPath);
  if (!markPresent(mark)) return false;
  try {
    rmdirSync(mark);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    if ((error as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new UnsafePathError(mark, 'a folder with something in it', 'folder');
    }
    throw fileSystemError(error, mark, 'remove the waiting mark');
  }
}

/** Whether a waiter has said it waits (the mark is left in place). */
export function waiterAnnounced(lockPath: string): boolean {
  return markPresent(waitingMarkOf(lockPath));
}

/** Whether the waiting mark is there, without a failed system call's cost when it is not; refuses a link or a file. */
function markPresent(mark: string): boolean {
  let stats: Stats | undefined;
  try {
    stats = lstatSync(mark, { throwIfNoEntry: false });
  } catch (error) {
    throw fileSystemError(error, mark, 'inspect the waiting mark');
  }
  if (stats && !stats.isDirectory()) throw new UnsafePathError(mark, entryKind(stats), 'folder');
  return stats !== undefined;
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

/**
 * How old a lock must be before a waiter reads its holder's record to see whether that
 * process died: the waiters a release wakes look at the next holder's lock at once,
 * and all but one find it just taken.
 */
const DEAD_HOLDER_CHECK_AFTER_MS = 50;

/** One attempt, synchronous: a stat, and a mkdir when the lock is free or stale. */
function tryLock(lockPath: string, staleThreshold: number): HeldLock | undefined {
  const judged = judgeLockDirectory(lockPath, staleThreshold, ownedHere(lockPath), DEAD_HOLDER_CHECK_AFTER_MS);
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
