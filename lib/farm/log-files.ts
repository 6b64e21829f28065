// The logs of detached processes, in `<state folder>/logs/`. A repository can plant
// a symlink there (`logs -> ~`, `architect.log -> ~/.bashrc`): the folder is checked
// with lstat and the file opened with O_NOFOLLOW, then what was opened is checked on
// its descriptor, so no byte is ever written through a link.
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  readSync,
  realpathSync,
  type Stats,
} from 'node:fs';
import { dirname } from 'node:path';
import { fileSystemError, UnsafePathError } from '../engine/index.js';

// O_NONBLOCK: a named pipe planted in a file's place is opened at once (and refused), not waited on for ever.
const NON_BLOCKING = constants.O_NONBLOCK ?? 0;
const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | NON_BLOCKING;

function kindOf(stats: Stats): string {
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFile()) return 'a regular file';
  return 'a special file (device, socket or pipe)';
}

/** Creates the logs folder when missing; refuses one that is a symlink or not a folder. */
function ensureLogFolder(folder: string): void {
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
      throw fileSystemError(error, folder, 'create the log folder');
  }
  let stats: Stats;
  try {
    stats = lstatSync(folder);
  } catch (error) {
    throw fileSystemError(error, folder, 'check the log folder');
  }
  if (!stats.isDirectory()) throw new UnsafePathError(folder, kindOf(stats), 'folder');
}

/** Where descriptor `fd` really leads, when the system says (Linux's /proc). */
function openedPath(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** Opens the log for appending; the caller closes the descriptor. */
export function openLogForAppend(logFile: string): number {
  const folder = dirname(logFile);
  ensureLogFolder(folder);
  let fd: number;
  try {
    fd = openSync(logFile, APPEND, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP')
      throw new UnsafePathError(logFile, 'a symbolic link', 'file');
    throw fileSystemError(error, logFile, 'open the log');
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new UnsafePathError(logFile, kindOf(stats), 'file');
    // The folder checked above may have been swapped for a link since: check where the file really is.
    const opened = openedPath(fd);
    if (opened !== undefined && dirname(opened) !== realpathSync(folder))
      throw new UnsafePathError(folder, `a link to ${dirname(opened)}`, 'folder');
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** The log's bytes from `from` on (at most the last `limit`), read without following a link. */
export function readLogFrom(logFile: string, from: number, limit: number): string | undefined {
  let fd: number;
  try {
    fd = openSync(logFile, constants.O_RDONLY | constants.O_NOFOLLOW | NON_BLOCKING);
  } catch {
    return undefined;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return undefined;
    const start = Math.max(from, stats.size - limit);
    const buffer = Buffer.alloc(Math.max(0, stats.size - start));
    const length = readSync(fd, buffer, 0, buffer.length, start);
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
