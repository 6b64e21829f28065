// The write-ahead log kept open between commits and reads of one process, instead of
// an open and a close each time. Before every use the path is looked at (one lstat,
// never followed): the descriptor is used only while the path still names the very
// file it holds open. An open descriptor keeps its inode allocated, so a log that
// another process's checkpoint or `af db reset` deleted, and a new one created since,
// can never share its device and inode; a log emptied or restarted in place is told
// by its header (new salts), which every caller compares. Anything but a regular file
// at the path is refused as before. On Windows an open file keeps its name from being
// reused, so there the log is closed after each use.
import { closeSync, fstatSync, fsyncSync, type BigIntStats } from 'node:fs';
import { FileSystemError, fileSystemError } from '../errors.js';
import { readAt, writeAll } from './positional.js';
import { OPEN_READ, OPEN_UPDATE, openRegularFile, regularFileStats } from './safe-files.js';
import { WAL_HEADER_SIZE } from '../format/wal.js';

const KEEP_OPEN = process.platform !== 'win32';

export class OpenLog {
  private fd: number | undefined;
  private opened: BigIntStats | undefined;
  private writable = false;

  constructor(readonly path: string) {}

  /**
   * The log's first bytes (its header, or as much of it as there is) and, with an
   * `offset`, its bytes from there on, read from one file; undefined when there is no log.
   */
  readHeaderAndTail(offset: number | undefined): { header: Uint8Array; tail: Uint8Array } | undefined {
    return this.use(false, 'read the write-ahead log', (fd, size) => ({
      header: readAt(fd, 0, Math.min(WAL_HEADER_SIZE, size)),
      tail: readAt(fd, offset ?? size, size - (offset ?? size)),
    }));
  }

  /**
   * Writes frames at `offset` once `check` accepted the log's header and what the file
   * holds past `offset` (undefined when nothing), read from the same file; it throws to
   * refuse. What it accepts there (frames a killed writer left) is written over. A
   * missing log is passed to `check` as undefined.
   */
  append(
    frames: Uint8Array,
    offset: number,
    sync: boolean,
    check: (header: Uint8Array | undefined, beyond: Uint8Array | undefined) => void,
  ): void {
    const written = this.use(true, 'append to the write-ahead log', (fd, size) => {
      check(readAt(fd, 0, WAL_HEADER_SIZE), size > offset ? readAt(fd, offset, size - offset) : undefined);
      writeAll(fd, frames, offset);
      if (sync) fsyncSync(fd);
      return true;
    });
    if (!written) check(undefined, undefined);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.opened = undefined;
  }

  /** `fn` on the file now at the path, with its size; undefined when there is none. */
  private use<T>(write: boolean, action: string, fn: (fd: number, size: number) => T): T | undefined {
    const stats = regularFileStats(this.path, action);
    if (!stats) {
      this.close();
      return undefined;
    }
    const opened = this.opened;
    if (!opened || opened.ino !== stats.ino || opened.dev !== stats.dev || (write && !this.writable)) {
      this.close();
      if (!this.open(write, action)) return undefined;
    }
    try {
      // The open file is the one at the path: its size is the one just looked at, unless opened since.
      const size = this.opened === opened ? Number(stats.size) : Number(this.opened!.size);
      return fn(this.fd!, size);
    } catch (error) {
      this.close();
      throw fileSystemError(error, this.path, action);
    } finally {
      if (!KEEP_OPEN) this.close();
    }
  }

  /** Opens the log for update (for reading alone where it may not be written, unless `write`); false when it is gone. */
  private open(write: boolean, action: string): boolean {
    let fd: number | undefined;
    try {
      fd = openRegularFile(this.path, OPEN_UPDATE, action);
      this.writable = true;
    } catch (error) {
      if (write || !isPermissionError(error)) throw error;
      fd = openRegularFile(this.path, OPEN_READ, action);
      this.writable = false;
    }
    if (fd === undefined) return false;
    this.fd = fd;
    this.opened = statsOf(fd, this.path, action);
    return true;
  }
}

function statsOf(fd: number, path: string, action: string): BigIntStats {
  try {
    return fstatSync(fd, { bigint: true });
  } catch (error) {
    closeSync(fd);
    throw fileSystemError(error, path, action);
  }
}

/** A log this process may read but not write (its mode, a read-only file system). */
function isPermissionError(error: unknown): boolean {
  return error instanceof FileSystemError && error.code === 'E_PERMISSION';
}
