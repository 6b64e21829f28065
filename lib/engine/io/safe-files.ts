// Opening and deleting the files beside a database (its log, temporaries, backups,
// the native version's side files) without ever following a symbolic link planted in
// their place, or writing to a folder, pipe or device with a file's name. The kernel
// decides, not a check made before the open: O_NOFOLLOW refuses a link as the last
// component (folders above it may still be links), O_EXCL refuses any existing entry,
// and the opened descriptor is checked to be a regular file.
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  unlinkSync,
  type BigIntStats,
  type Stats,
} from 'node:fs';
import { fileSystemError, UnsafePathError } from '../errors.js';

/** Undefined on Windows: there the descriptor and lstat checks below remain. */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
/** A named pipe in a file's place must fail the check, not block the open. */
const NONBLOCK = constants.O_NONBLOCK ?? 0;

export const OPEN_READ = constants.O_RDONLY;
export const OPEN_UPDATE = constants.O_RDWR;
export const OPEN_CREATE = constants.O_RDWR | constants.O_CREAT;
export const OPEN_CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;

/**
 * Opens the regular file at `path` (its last component not followed), or undefined
 * when it does not exist and `flags` do not create it. A symbolic link or another kind
 * of entry fails with UnsafePathError, an OS error with FileSystemError naming `action`.
 */
export function openRegularFile(path: string, flags: number, action: string, mode = 0o644): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, flags | NOFOLLOW | NONBLOCK, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !(flags & constants.O_CREAT)) return undefined;
    // ELOOP (a link), EEXIST (O_EXCL), EISDIR, ENXIO (a pipe with no reader): say what is there.
    assertNotUnsafeEntry(path);
    throw fileSystemError(error, path, action);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new UnsafePathError(path, entryKind(stats), 'file');
    if (!NOFOLLOW && lstatSync(path).isSymbolicLink()) throw new UnsafePathError(path, 'a symbolic link', 'file');
    return fd;
  } catch (error) {
    closeSync(fd);
    throw fileSystemError(error, path, action);
  }
}

/** `fn` on the open regular file, closed afterwards; undefined when there is none (see openRegularFile). */
export function withRegularFile<T>(
  path: string,
  flags: number,
  action: string,
  fn: (fd: number) => T,
  mode?: number,
): T | undefined {
  const fd = openRegularFile(path, flags, action, mode);
  if (fd === undefined) return undefined;
  try {
    return fn(fd);
  } catch (error) {
    throw fileSystemError(error, path, action);
  } finally {
    closeSync(fd);
  }
}

/** The entry's facts without following it, undefined when there is none; anything but a regular file fails with UnsafePathError. */
export function regularFileStats(path: string, action: string): BigIntStats | undefined {
  let stats: BigIntStats | undefined;
  try {
    stats = lstatSync(path, { bigint: true, throwIfNoEntry: false });
  } catch (error) {
    throw fileSystemError(error, path, action);
  }
  if (!stats) return undefined;
  if (!stats.isFile()) throw new UnsafePathError(path, entryKind(stats), 'file');
  return stats;
}

/**
 * Deletes the regular file at `path`; false when there was none. A symbolic link or
 * another kind of entry is left in place and fails with UnsafePathError. (Between the
 * check and the unlink a swapped-in link could only be unlinked itself, never its target.)
 */
export function removeRegularFile(path: string, action = 'delete'): boolean {
  if (!regularFileStats(path, action)) return false;
  try {
    unlinkSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw fileSystemError(error, path, action);
  }
}

/** Throws UnsafePathError when something other than a regular file is at `path`; an absent path is fine. */
function assertNotUnsafeEntry(path: string): void {
  try {
    regularFileStats(path, 'inspect');
  } catch (error) {
    if (error instanceof UnsafePathError) throw error;
  }
}

/** What an entry is, for a message. */
export function entryKind(stats: Stats | BigIntStats): string {
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  if (stats.isBlockDevice() || stats.isCharacterDevice()) return 'a device';
  if (stats.isFile()) return 'a regular file';
  return 'an entry of an unknown kind';
}
