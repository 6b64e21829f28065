// Where the dashboard server's process is recorded: `<state folder>/dashboard.json`
// ({pid, port, startedAt}), beside state.db and not in it, so the native version's
// files and schema stay as they are. The server writes it once it listens and removes
// it when it ends; a record whose process is gone, or is not the farm's, counts as none.
import { readSync, renameSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import {
  fileSystemError,
  isProcessAlive,
  OPEN_CREATE_NEW,
  OPEN_READ,
  openRegularFile,
  removeRegularFile,
  withRegularFile,
} from '../engine/index.js';
import { stateDir } from '../shared/paths.js';
import { carriesFarmMark } from './farm-mark.js';
import type { FarmIdentity } from './project-farm.js';

export interface DashboardRecord {
  pid: number;
  port: number;
  startedAt: string;
}

const RECORD_LIMIT = 4096;

export const dashboardRecordPath = (root: string) => join(stateDir(root), 'dashboard.json');

function parsed(text: string): DashboardRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<DashboardRecord>;
    const { pid, port, startedAt } = value;
    if (!Number.isInteger(pid) || pid! <= 0 || !Number.isInteger(port) || port! <= 0 || port! > 65535) return undefined;
    return { pid: pid!, port: port!, startedAt: typeof startedAt === 'string' ? startedAt : '' };
  } catch {
    return undefined;
  }
}

/** The record as written, undefined when there is none or it is not one (a planted link fails with E_UNSAFE_PATH). */
export function readDashboardRecord(root: string): DashboardRecord | undefined {
  const path = dashboardRecordPath(root);
  return withRegularFile(path, OPEN_READ, 'read the dashboard record', (fd) => {
    const buffer = Buffer.alloc(RECORD_LIMIT);
    return parsed(buffer.subarray(0, readSync(fd, buffer, 0, RECORD_LIMIT, 0)).toString('utf8'));
  });
}

/** The farm's dashboard when its recorded process runs and carries the farm's mark. */
export function runningDashboard(farm: FarmIdentity): DashboardRecord | undefined {
  const record = readDashboardRecord(farm.root);
  return record && isProcessAlive(record.pid) && carriesFarmMark(record.pid, farm.id) ? record : undefined;
}

/** Records this process as the dashboard: written whole to a new file, then renamed over the old record. */
export function writeDashboardRecord(root: string, record: DashboardRecord): void {
  const path = dashboardRecordPath(root);
  const temporary = `${path}.${record.pid}.tmp`;
  const fd = openRegularFile(temporary, OPEN_CREATE_NEW, 'record the dashboard', 0o600)!;
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
    throw fileSystemError(error, path, 'record the dashboard');
  }
}

/** Removes the record if it still names `pid` (a newer dashboard's record stays). */
export function removeDashboardRecord(root: string, pid: number): void {
  try {
    if (readDashboardRecord(root)?.pid === pid)
      removeRegularFile(dashboardRecordPath(root), 'remove the dashboard record');
  } catch {
    // Whatever is there now is not ours to remove.
  }
}
