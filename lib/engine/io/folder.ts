// The database's folder: made when absent, and whether this process may write the
// files there that a commit writes.
import { accessSync, chmodSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileSystemError, UnsafePathError } from '../errors.js';
import { entryKind, regularFileStats } from './safe-files.js';

/** The database's folder, made when absent; it may be reached through a link, but must be a folder. */
export function ensureFolder(folder: string, mode: number): void {
  try {
    const firstCreated = mkdirSync(folder, { recursive: true, mode });
    // mkdir's mode passes through the umask; the folder we made must have exactly the mode asked for.
    if (firstCreated) chmodSync(folder, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      const stats = statSync(folder, { throwIfNoEntry: false });
      if (stats && !stats.isDirectory()) throw new UnsafePathError(folder, entryKind(stats), 'folder');
    }
    throw fileSystemError(error, folder, 'create the folder');
  }
}

/**
 * Fails with FileSystemError (E_PERMISSION) naming the first of the database file, its
 * folder and its log that this process may not write; those not there yet are made
 * when needed, in the folder checked here.
 */
export function assertWritable(filePath: string, logPath: string): void {
  // A link or pipe planted as the log or the native version's -shm would stop the first checkpoint: refused up front.
  for (const sidePath of [logPath, `${filePath}-shm`]) regularFileStats(sidePath, 'inspect');
  const folder = dirname(filePath);
  const needed: Array<[string, string, number]> = [
    [filePath, 'the database file', constants.W_OK],
    [
      folder,
      'the folder of the database (its lock, log and temporary files are made there)',
      constants.W_OK | constants.X_OK,
    ],
    [logPath, 'the write-ahead log', constants.W_OK],
  ];
  for (const [path, what, mode] of needed) {
    try {
      accessSync(path, mode);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw fileSystemError(error, path, `write: this process has no write permission on ${what}`);
    }
  }
}
