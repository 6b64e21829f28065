// Publishing a new database image: write a temporary file beside the database,
// flush it as the durability setting asks, and rename it over the database. rename
// is atomic, so a reader sees the whole old image or the whole new one.
import { closeSync, fchmodSync, fstatSync, fsyncSync, openSync, readdirSync, renameSync } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isProcessAlive } from './process-alive.js';
import { fileSystemError } from '../errors.js';
import { writeAll } from './positional.js';
import { OPEN_CREATE_NEW, openRegularFile, regularFileStats, removeRegularFile } from './safe-files.js';

/**
 * - `none`: no fsync. Survives any crash of the process; after a power loss or OS
 *   crash the files may be older, or on some filesystems torn.
 * - `normal` (default): a new database is synced before it is renamed into place; the
 *   log is synced before a checkpoint copies it into the database, and the database
 *   before the log is deleted. A power loss may lose the last commits, never tears the file.
 * - `full`: also syncs the log at every commit, and folders after new entries: a
 *   commit that returned survives power loss.
 */
export type Durability = 'none' | 'normal' | 'full';

/** Names one version of the file on disk: a publish always makes a new inode. */
export function identityOf(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}`;
}

let sequence = 0;

function temporaryPathFor(filePath: string): string {
  return `${filePath}.${process.pid}-${++sequence}.tmp`;
}

/** The temporary images beside `filePath`, with the pid of the process that wrote each. */
export function temporariesOf(filePath: string): Array<{ path: string; writerPid: number }> {
  const folder = dirname(filePath);
  const prefix = `${basename(filePath)}.`;
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (error) {
    throw fileSystemError(error, folder, 'list the folder');
  }
  return names.flatMap((name) => {
    const writerPid = name.startsWith(prefix) ? /^(\d+)-\d+\.tmp$/.exec(name.slice(prefix.length))?.[1] : undefined;
    return writerPid ? [{ path: join(folder, name), writerPid: Number(writerPid) }] : [];
  });
}

/**
 * Removes the temporary images that processes which died while publishing left beside
 * `filePath`. One that is not a regular file (a planted link) fails with UnsafePathError, all left in place.
 */
export function removeDeadTemporaries(filePath: string): void {
  const dead = temporariesOf(filePath).filter((temporary) => !isProcessAlive(temporary.writerPid));
  for (const temporary of dead) regularFileStats(temporary.path, 'inspect');
  for (const temporary of dead) removeRegularFile(temporary.path, 'delete the temporary file');
}

/**
 * Writes `bytes` as the new content of `filePath`. `beforeRename` runs last, right
 * before the rename, and aborts the publish by throwing. Returns the new file's identity.
 */
export function publishImage(
  filePath: string,
  bytes: Uint8Array,
  durability: Durability,
  fileMode: number,
  beforeRename: () => void,
): string {
  const temporaryPath = temporaryPathFor(filePath);
  // O_EXCL: whatever already has this name (a planted link) is refused, never written through or removed.
  const fd = openRegularFile(temporaryPath, OPEN_CREATE_NEW, 'create the temporary file', fileMode)!;
  let renamed = false;
  let action = 'write the temporary file';
  try {
    fchmodSync(fd, fileMode); // the umask must not loosen or tighten the mode asked for
    writeAll(fd, bytes, 0);
    if (durability !== 'none') fsyncSync(fd);
    const identity = identityOf(fstatSync(fd, { bigint: true }));
    beforeRename();
    action = `rename it over ${filePath}, from`;
    // beforeRename saw no entry at filePath, so the rename replaces nothing (a link planted since would be replaced, never followed).
    renameSync(temporaryPath, filePath);
    renamed = true;
    if (durability === 'full') syncPath(dirname(filePath));
    return identity;
  } catch (error) {
    throw fileSystemError(error, renamed ? dirname(filePath) : temporaryPath, renamed ? 'flush the folder' : action);
  } finally {
    closeSync(fd);
    if (!renamed) removeRegularFile(temporaryPath, 'delete the temporary file');
  }
}

/** Flushes a file's content, or a folder's entries, to the disk. */
export function syncPath(path: string): void {
  try {
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw fileSystemError(error, path, 'flush');
  }
}
