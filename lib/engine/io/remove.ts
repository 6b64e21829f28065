// Deleting a database for good: the file and everything beside it that belongs to
// it (the write-ahead log, the native version's -shm/-journal, temporary images,
// a waiting writer's mark), under its lock
// so no writer is publishing at that moment. Works on files too damaged to open.
// Every entry is checked first: a planted link or foreign entry stops it before anything is deleted.
import { lstatSync, readdirSync, rmdirSync } from 'node:fs';
import { fileSystemError, UnsafePathError } from '../errors.js';
import { acquireLock, waitingMarkOf, type LockTiming } from '../lock/lock.js';
import { temporariesOf } from './publish.js';
import { entryKind, regularFileStats, removeRegularFile } from './safe-files.js';

export async function removeDatabaseFiles(filePath: string, timing: LockTiming): Promise<string[]> {
  const lock = await acquireLock(filePath, timing);
  try {
    const sideFiles = ['-wal', '-shm', '-journal'].map((suffix) => filePath + suffix);
    const candidates = [filePath, ...sideFiles, ...temporariesOf(filePath).map((temporary) => temporary.path)];
    const removed = candidates.filter((path) => regularFileStats(path, 'inspect') !== undefined);
    const waitingMark = waitingMarkOf(lock.lockPath);
    assertFolderOrAbsent(waitingMark);
    for (const path of removed) removeRegularFile(path);
    try {
      // The mark is an empty folder: one with something inside is not ours to empty.
      rmdirSync(waitingMark);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST')
        throw new UnsafePathError(waitingMark, 'a folder with entries in it', 'folder');
      if (code !== 'ENOENT') throw fileSystemError(error, waitingMark, 'delete');
    }
    return removed;
  } finally {
    lock.release(); // removes the lock directory too
  }
}

/** The waiting mark is absent or an empty folder: anything else was not made by a waiter. */
function assertFolderOrAbsent(path: string): void {
  try {
    const stats = lstatSync(path);
    if (!stats.isDirectory()) throw new UnsafePathError(path, entryKind(stats), 'folder');
    if (readdirSync(path).length > 0) throw new UnsafePathError(path, 'a folder with entries in it', 'folder');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw fileSystemError(error, path, 'inspect');
  }
}
