// The lock directory of one database file and the record of its holder inside it.
// mkdir is the atomic step that takes the lock; the holder then records its pid and
// host in `holder` (O_CREAT|O_EXCL|O_NOFOLLOW), so a waiter on the same host sees at
// once that the holder died, without waiting for the stale threshold. The holder keeps
// the directory open while it holds it: its inode cannot be reused meanwhile, so the
// inode identifies this holding. Nothing here follows a symbolic link: a lock path
// that is not a plain directory is refused, never deleted.
import {
  closeSync,
  constants,
  fstatSync,
  futimesSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  readSync,
  renameSync,
  rmdirSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileSystemError, UnsafePathError } from '../errors.js';
import { entryKind } from '../io/safe-files.js';

/** The file inside the lock directory that names its holder. */
export const HOLDER_FILE = 'holder';
const HOLDER_MAX_BYTES = 512;

export interface Holder {
  pid: number;
  host: string;
}

/** A lock directory this process created and holds open. */
export interface OwnLockDirectory {
  readonly lockPath: string;
  readonly fd: number;
  readonly inode: number;
}

/** What a waiter saw of a lock directory: enough to tell later whether it is still the same one. */
export interface SeenLock {
  inode: number;
  mtimeMs: number;
  holder: Holder | undefined;
}

export type Judgement = { state: 'free' } | ({ state: 'held' } & SeenLock) | ({ state: 'stale' } & SeenLock);

/**
 * The host as far as pids go: its name, and on Linux the pid namespace, so that two
 * containers sharing a folder and a host name never take each other's pids for dead.
 */
export const HOST_IDENTITY = (() => {
  try {
    return `${hostname()} ${readlinkSync('/proc/self/ns/pid')}`;
  } catch {
    return hostname();
  }
})();

/** Creates the lock directory; undefined when a lock directory is already there. */
export function createLockDirectory(lockPath: string, holder: Holder): OwnLockDirectory | undefined {
  try {
    mkdirSync(lockPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      assertDirectory(lockPath, statOrUndefined(lockPath));
      return undefined;
    }
    throw lockFolderError(error, lockPath);
  }
  let fd: number | undefined;
  try {
    fd = openSync(lockPath, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    const inode = fstatSync(fd).ino;
    writeHolder(lockPath, holder);
    return { lockPath, fd, inode };
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    // Only the folder just made goes, and only while empty: whatever got into it stays.
    try {
      rmdirSync(lockPath);
    } catch {
      /* not empty, or gone */
    }
    throw error instanceof UnsafePathError ? error : lockFolderError(error, lockPath);
  }
}

/** Frees a lock this process holds, unless another process took it over meanwhile. */
export function releaseLockDirectory(own: OwnLockDirectory): void {
  try {
    if (statOrUndefined(own.lockPath)?.ino === own.inode) removeLockDirectory(own.lockPath);
  } finally {
    closeSync(own.fd);
  }
}

/** Whether the directory is still this holding's (not removed, not replaced by a takeover). */
export function ownsLockDirectory(own: OwnLockDirectory): boolean {
  return statOrUndefined(own.lockPath)?.ino === own.inode;
}

/** Tells other hosts (which judge by age alone) that the holder is alive. */
export function refreshLockDirectory(own: OwnLockDirectory): void {
  const now = new Date();
  futimesSync(own.fd, now, now);
}

/**
 * How a waiting writer sees the lock: free, held, or stale — its holder stopped
 * refreshing it (older than `staleThreshold`), or is a process of this host that no
 * longer exists. `ownedHere` tells which of this process's own inodes are held.
 */
export function judgeLockDirectory(
  lockPath: string,
  staleThreshold: number,
  ownedHere: (inode: number) => boolean,
): Judgement {
  const stats = statOrUndefined(lockPath);
  if (!stats) return { state: 'free' };
  assertDirectory(lockPath, stats);
  const holder = readHolder(lockPath);
  const judged = { inode: stats.ino, mtimeMs: stats.mtimeMs, holder };
  if (ownedHere(stats.ino)) return { state: 'held', ...judged };
  if (Date.now() - stats.mtimeMs > staleThreshold) return { state: 'stale', ...judged };
  // Only another process's death is certain: this pid's own lock not held here is another thread's, alive.
  if (holder && holder.host === HOST_IDENTITY && holder.pid !== process.pid && !processExists(holder.pid))
    return { state: 'stale', ...judged };
  return { state: 'held', ...judged };
}

/** A takeover mutex older than this was left by a waiter that died inside it: its work there takes microseconds. */
const TAKEOVER_STALE_MS = 1000;

export function takeoverPathOf(lockPath: string): string {
  return `${lockPath}.takeover`;
}

/**
 * Removes the stale lock judged by `judged`, if it is still that very lock. Waiters
 * take over one at a time, under the `<lock>.takeover` mutex, and only after seeing
 * the directory unchanged (same inode, age and holder): two waiters that judged the
 * same dead holder cannot both remove a lock, nor the late one the lock the first one
 * took since. Returns without doing anything while another waiter takes over.
 */
export function takeOverLockDirectory(lockPath: string, judged: SeenLock): void {
  const mutex = takeoverPathOf(lockPath);
  if (!enterTakeover(mutex)) return;
  try {
    const now = statOrUndefined(lockPath);
    const unchanged =
      now?.isDirectory() &&
      now.ino === judged.inode &&
      now.mtimeMs === judged.mtimeMs &&
      readHolder(lockPath)?.pid === judged.holder?.pid;
    if (!unchanged) return;
    // Renamed first: the name is gone at once, and what is removed is what was judged.
    const aside = `${lockPath}.abandoned-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    try {
      renameSync(lockPath, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // its holder released it meanwhile
      throw lockFolderError(error, lockPath);
    }
    removeLockDirectory(aside);
  } finally {
    try {
      rmdirSync(mutex);
    } catch {
      /* removed as stale by a waiter that came after */
    }
  }
}

/** Takes the takeover mutex; false while another waiter holds it (a stale one is cleared for the next attempt). */
function enterTakeover(mutex: string): boolean {
  try {
    mkdirSync(mutex);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw lockFolderError(error, mutex);
  }
  const stats = statOrUndefined(mutex);
  assertDirectory(mutex, stats);
  if (stats && Date.now() - stats.mtimeMs > TAKEOVER_STALE_MS) {
    try {
      rmdirSync(mutex);
    } catch {
      /* another waiter cleared it, or something was put inside: left alone */
    }
  }
  return false;
}

function writeHolder(lockPath: string, holder: Holder): void {
  const path = join(lockPath, HOLDER_FILE);
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new UnsafePathError(path, 'an entry that was there before the lock folder was made', 'file');
    throw error;
  }
  try {
    writeSync(fd, `${JSON.stringify({ pid: holder.pid, host: holder.host })}\n`);
  } finally {
    closeSync(fd);
  }
}

/** The holder recorded in a lock directory; undefined when none (an older version's lock, or not written yet). */
function readHolder(lockPath: string): Holder | undefined {
  const path = join(lockPath, HOLDER_FILE);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new UnsafePathError(path, 'a symbolic link', 'file');
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) throw new UnsafePathError(path, 'not a regular file', 'file');
    const buffer = Buffer.alloc(HOLDER_MAX_BYTES);
    const length = readSync(fd, buffer, 0, HOLDER_MAX_BYTES, 0);
    const parsed = JSON.parse(buffer.subarray(0, length).toString('utf8')) as Partial<Holder>;
    return Number.isInteger(parsed.pid) && (parsed.pid as number) > 0 && typeof parsed.host === 'string'
      ? { pid: parsed.pid!, host: parsed.host }
      : undefined;
  } catch (error) {
    if (error instanceof UnsafePathError) throw error;
    return undefined; // half written, or not ours: judged by its age alone
  } finally {
    closeSync(fd);
  }
}

/** Removes a lock directory and its holder record: never anything else (a folder with more in it stays). */
function removeLockDirectory(lockPath: string): void {
  try {
    unlinkSync(join(lockPath, HOLDER_FILE));
  } catch {
    /* none recorded */
  }
  try {
    rmdirSync(lockPath);
  } catch {
    /* gone already, or not ours to empty */
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch (error) {
    throw fileSystemError(error, path, 'inspect the write lock');
  }
}

/** Refuses a lock path that is a symbolic link or not a folder. */
function assertDirectory(path: string, stats: Stats | undefined): void {
  if (stats && !stats.isDirectory()) throw new UnsafePathError(path, entryKind(stats), 'folder');
}

function lockFolderError(error: unknown, lockPath: string): unknown {
  return fileSystemError(error, dirname(lockPath), `create the write lock ${basename(lockPath)} in`);
}
