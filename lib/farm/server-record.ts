// The record of a long-lived server of the farm (the dashboard, the tower): a small
// JSON file {pid, port, startedAt}, written by the server once it listens and removed
// when it ends. It is read without following links, written whole to a new file and
// renamed into place, so a reader never sees half a record and a planted link is
// replaced, never written through.
import { closeSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import {
  fileSystemError,
  OPEN_CREATE_NEW,
  OPEN_READ,
  openRegularFile,
  removeRegularFile,
  withRegularFile,
} from '../engine/index.js';

export interface ServerRecord {
  pid: number;
  port: number;
  startedAt: string;
}

const RECORD_LIMIT = 4096;

function parsed(text: string): ServerRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<ServerRecord>;
    const { pid, port, startedAt } = value;
    if (!Number.isInteger(pid) || pid! <= 0 || !Number.isInteger(port) || port! <= 0 || port! > 65535) return undefined;
    return { pid: pid!, port: port!, startedAt: typeof startedAt === 'string' ? startedAt : '' };
  } catch {
    return undefined;
  }
}

/** The record at `path` as written, undefined when there is none or it is not one (a planted link fails with E_UNSAFE_PATH). */
export function readServerRecord(path: string, what: string): ServerRecord | undefined {
  return withRegularFile(path, OPEN_READ, `read the ${what} record`, (fd) => {
    const buffer = Buffer.alloc(RECORD_LIMIT);
    return parsed(buffer.subarray(0, readSync(fd, buffer, 0, RECORD_LIMIT, 0)).toString('utf8'));
  });
}

/** Writes the record whole to a new file, then renames it over the old one. */
export function writeServerRecord(path: string, what: string, record: ServerRecord): void {
  const temporary = `${path}.${record.pid}.tmp`;
  const fd = openRegularFile(temporary, OPEN_CREATE_NEW, `record the ${what}`, 0o600)!;
  try {
    writeSync(fd, `${JSON.stringify(record)}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    // rename() replaces whatever entry is at `path` (a planted link included) and follows nothing.
    renameSync(temporary, path);
  } catch (error) {
    unlinkSync(temporary);
    throw fileSystemError(error, path, `record the ${what}`);
  }
}

/** Removes the record if it still names `pid` (a newer server's record stays). */
export function removeServerRecord(path: string, what: string, pid: number): void {
  try {
    if (readServerRecord(path, what)?.pid === pid) removeRegularFile(path, `remove the ${what} record`);
  } catch {
    // Whatever is there now is not ours to remove.
  }
}
