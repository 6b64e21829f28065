// The write-ahead log beside a database (`<file>-wal`, SQLite's own format, so the
// native version reads it too). A commit appends the pages it changed, which costs
// one write instead of rewriting and renaming the whole file; a checkpoint copies
// the log's content into the database in place and deletes the log.
import { closeSync, fchmodSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { encodeWalHeader, readWalHeader, startOf, WAL_HEADER_SIZE, type LogPosition, type WalHeader } from './wal.js';

export function logPathOf(dbPath: string): string {
  return `${dbPath}-wal`;
}

/** The log as this process last read or wrote it: its header and the end of its last commit. */
export interface LogState {
  header: WalHeader;
  headerBytes: Uint8Array;
  end: LogPosition;
}

/** The bytes of `path` from `offset` to its end, or undefined when it does not exist. */
export function readFrom(path: string, offset: number, length = Infinity): Uint8Array | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const size = Math.min(fstatSync(fd).size - offset, length);
    const bytes = new Uint8Array(Math.max(size, 0));
    for (let read = 0; read < bytes.length;) {
      const count = readSync(fd, bytes, read, bytes.length - read, offset + read);
      if (count === 0) return bytes.subarray(0, read);
      read += count;
    }
    return bytes;
  } finally {
    closeSync(fd);
  }
}

/** The log's header bytes, undefined when there is no log. */
export function readLogHeader(logPath: string): Uint8Array | undefined {
  return readFrom(logPath, 0, WAL_HEADER_SIZE);
}

export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (!a || !b) return a === b;
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

/** Starts a new, empty log with fresh salts (so anyone who read an older log sees it changed). */
export function createLog(logPath: string, pageSize: number, fileMode: number, filePath: string): LogState {
  // Salts only have to differ from the last log's, as SQLite's own do; no need to load node:crypto for them.
  const headerBytes = encodeWalHeader(pageSize, randomUint32(), randomUint32());
  const fd = openSync(logPath, 'w', fileMode);
  try {
    fchmodSync(fd, fileMode);
    writeAll(fd, headerBytes, 0);
  } finally {
    closeSync(fd);
  }
  const header = readWalHeader(headerBytes, filePath)!;
  return { header, headerBytes, end: startOf(header) };
}

/** Writes frames at the end of the last commit (over any frames a killed writer left there). */
export function appendFrames(logPath: string, frames: Uint8Array, offset: number, sync: boolean): void {
  const fd = openSync(logPath, 'r+');
  try {
    writeAll(fd, frames, offset);
    if (sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Copies a whole image into the database file in place: page 1 (the header) last,
 * so the file never claims more than it holds; then trims what lies past the image.
 */
export function writeInPlace(dbPath: string, image: Uint8Array, pageSize: number, sync: boolean): void {
  const fd = openSync(dbPath, 'r+');
  try {
    writeAll(fd, image.subarray(pageSize), pageSize);
    writeAll(fd, image.subarray(0, pageSize), 0);
    if (fstatSync(fd).size > image.length) ftruncateSync(fd, image.length);
    if (sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Deletes the log and the native version's shared-memory index beside it. */
export function removeLog(dbPath: string): void {
  rmSync(logPathOf(dbPath), { force: true });
  rmSync(`${dbPath}-shm`, { force: true });
}

function randomUint32(): number {
  return Math.floor(Math.random() * 0x1_0000_0000);
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  for (let written = 0; written < bytes.length;) written += writeSync(fd, bytes, written, bytes.length - written, position + written);
}
