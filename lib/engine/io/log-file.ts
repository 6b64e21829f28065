// The write-ahead log beside a database (`<file>-wal`, SQLite's own format, so the
// native version reads it too). A commit appends the pages it changed, in one write;
// a checkpoint copies the log's content into the database in place and deletes the log.
// Every open goes through safe-files: a link or pipe planted as `<file>-wal` is refused.
import { fchmodSync, fstatSync, fsyncSync, ftruncateSync, futimesSync } from 'node:fs';
import { readAt, writeAll } from './positional.js';
import {
  OPEN_CREATE,
  OPEN_READ,
  OPEN_UPDATE,
  regularFileStats,
  removeRegularFile,
  withRegularFile,
} from './safe-files.js';
import {
  encodeWalHeader,
  readWalHeader,
  startOf,
  WAL_HEADER_SIZE,
  type LogPosition,
  type WalHeader,
} from '../format/wal.js';

export function logPathOf(dbPath: string): string {
  return `${dbPath}-wal`;
}

/** The log as this process last read or wrote it: its header and the end of its last commit. */
export interface LogState {
  header: WalHeader;
  headerBytes: Uint8Array;
  end: LogPosition;
}

/** The log's header bytes, undefined when there is no log. */
export function readLogHeader(logPath: string): Uint8Array | undefined {
  return withRegularFile(logPath, OPEN_READ, 'read the write-ahead log', (fd) => readAt(fd, 0, WAL_HEADER_SIZE));
}

/** Starts a new, empty log with fresh salts (so anyone who read an older log sees it changed). */
export function createLog(logPath: string, pageSize: number, fileMode: number, filePath: string): LogState {
  // Salts only have to differ from the last log's, as SQLite's own do; no need to load node:crypto for them.
  const headerBytes = encodeWalHeader(pageSize, randomUint32(), randomUint32());
  // Emptied only once the open descriptor is known to be a regular file.
  withRegularFile(
    logPath,
    OPEN_CREATE,
    'create the write-ahead log',
    (fd) => {
      ftruncateSync(fd, 0);
      fchmodSync(fd, fileMode);
      writeAll(fd, headerBytes, 0);
    },
    fileMode,
  );
  const header = readWalHeader(headerBytes, filePath)!;
  return { header, headerBytes, end: startOf(header) };
}

/**
 * Copies a whole image into the database file in place: page 1 (the header) last,
 * so the file never claims more than it holds; then trims what lies past the image.
 * The file's modification time always moves forward: readers know the file by its
 * size and that time, and the clock's tick is coarse enough to hold two checkpoints.
 * False when there is no file to write (something deleted it under the lock).
 */
export function writeInPlace(dbPath: string, image: Uint8Array, pageSize: number, sync: boolean): boolean {
  const written = withRegularFile(dbPath, OPEN_UPDATE, 'copy the write-ahead log into', (fd) => {
    const modifiedBefore = fstatSync(fd, { bigint: true }).mtimeNs;
    writeAll(fd, image.subarray(pageSize), pageSize);
    writeAll(fd, image.subarray(0, pageSize), 0);
    if (fstatSync(fd).size > image.length) ftruncateSync(fd, image.length);
    moveModificationTimePast(fd, modifiedBefore);
    if (sync) fsyncSync(fd);
    return true;
  });
  return written === true;
}

/** Flushes the log to the disk (nothing when there is none). */
export function syncLog(logPath: string): void {
  withRegularFile(logPath, OPEN_READ, 'flush the write-ahead log', (fd) => fsyncSync(fd));
}

/** A millisecond past `previousNs` when the writes left the time at or before it (set in seconds, so not to the nanosecond). */
function moveModificationTimePast(fd: number, previousNs: bigint): void {
  for (let step = 1n; ; step++) {
    const { atimeNs, mtimeNs } = fstatSync(fd, { bigint: true });
    if (mtimeNs > previousNs) return;
    futimesSync(fd, Number(atimeNs / 1000n) / 1e6, Number((previousNs + step * 1_000_000n) / 1000n) / 1e6);
  }
}

/** The native version's shared-memory index beside a database. */
function sharedMemoryPathOf(dbPath: string): string {
  return `${dbPath}-shm`;
}

/** Fails with UnsafePathError unless the log and the -shm beside `dbPath` are regular files or absent: check before a checkpoint writes. */
export function assertLogRemovable(dbPath: string): void {
  regularFileStats(logPathOf(dbPath), 'inspect');
  regularFileStats(sharedMemoryPathOf(dbPath), 'inspect');
}

/** Deletes the log and the native version's shared-memory index beside it (neither when either is not a regular file). */
export function removeLog(dbPath: string): void {
  assertLogRemovable(dbPath);
  removeRegularFile(logPathOf(dbPath), 'delete the write-ahead log');
  removeRegularFile(sharedMemoryPathOf(dbPath), 'delete the shared-memory index');
}

function randomUint32(): number {
  return Math.floor(Math.random() * 0x1_0000_0000);
}
