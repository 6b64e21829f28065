// Where the dashboard server's process is recorded: `<state folder>/dashboard.json`
// ({pid, port, startedAt}, see server-record.ts), beside state.db and not in it, so
// the native version's files and schema stay as they are. A record whose process is
// gone, or is not the farm's, counts as none.
import { join } from 'node:path';
import { isProcessAlive } from '../engine/index.js';
import { stateDir } from '../shared/paths.js';
import { carriesFarmMark } from './farm-mark.js';
import type { FarmIdentity } from './project-farm.js';
import { readServerRecord, removeServerRecord, type ServerRecord, writeServerRecord } from './server-record.js';

export type DashboardRecord = ServerRecord;

const WHAT = 'dashboard';

export const dashboardRecordPath = (root: string) => join(stateDir(root), 'dashboard.json');

/** The record as written, undefined when there is none or it is not one (a planted link fails with E_UNSAFE_PATH). */
export function readDashboardRecord(root: string): DashboardRecord | undefined {
  return readServerRecord(dashboardRecordPath(root), WHAT);
}

/** The farm's dashboard when its recorded process runs and carries the farm's mark. */
export function runningDashboard(farm: FarmIdentity): DashboardRecord | undefined {
  const record = readDashboardRecord(farm.root);
  return record && isProcessAlive(record.pid) && carriesFarmMark(record.pid, farm.id) ? record : undefined;
}

/** Records this process as the dashboard. */
export function writeDashboardRecord(root: string, record: DashboardRecord): void {
  writeServerRecord(dashboardRecordPath(root), WHAT, record);
}

/** Removes the record if it still names `pid` (a newer dashboard's record stays). */
export function removeDashboardRecord(root: string, pid: number): void {
  removeServerRecord(dashboardRecordPath(root), WHAT, pid);
}
