// The port registry names every project of the user: its folder stays 0700 and
// its files 0600. One that is more open is tightened when this user owns it, and
// refused otherwise. The checks and the chmod act on the opened descriptor, so a
// file swapped for a symlink between the two is never followed.
import { closeSync, constants, fchmodSync, fstatSync, openSync } from 'node:fs';
import { entryKind, fileSystemError, UnsafePathError } from '../engine/index.js';
import { NotPrivateError } from '../shared/errors.js';

const FOLDER_MODE = 0o700;
const FILE_MODE = 0o600;
/** Group and other permission bits. */
const SHARED_BITS = 0o077;

/** Makes `folder` 0700 (it may be reached through a symlink) and each of `files` in it that exists 0600 (never through one). */
export function keepPrivate(folder: string, files: readonly string[]): void {
  if (process.getuid === undefined) return; // no POSIX owners and modes (Windows): nothing to check
  tighten(folder, constants.O_RDONLY | constants.O_DIRECTORY, FOLDER_MODE, 'folder');
  for (const file of files)
    tighten(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK, FILE_MODE, 'file');
}

function tighten(path: string, flags: number, wantedMode: number, kind: 'file' | 'folder'): void {
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return; // created private when first used
    if (code === 'ELOOP') throw new UnsafePathError(path, 'a symbolic link', kind);
    if (code === 'ENOTDIR') throw new UnsafePathError(path, 'not a folder', kind);
    throw fileSystemError(error, path, 'open');
  }
  try {
    const stats = fstatSync(fd);
    if (kind === 'file' && !stats.isFile()) throw new UnsafePathError(path, entryKind(stats), kind);
    if ((stats.mode & SHARED_BITS) === 0) return;
    if (stats.uid !== process.getuid!()) throw new NotPrivateError(path, stats.mode, stats.uid, wantedMode);
    try {
      fchmodSync(fd, wantedMode);
    } catch (error) {
      throw fileSystemError(error, path, 'make private (chmod)');
    }
  } finally {
    closeSync(fd);
  }
}
