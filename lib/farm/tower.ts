// The tower: one server per user that shows every farm of the port registry. Its
// files live beside global.db in the user's folder (0700): its record tower.json
// ({pid, port, startedAt}, see server-record.ts), its secret tower-secret (0600, as a
// farm's, see secret.ts) and its output in logs/tower.log. The process carries a mark
// of its own (AF_FARM=af-tower-<hash of the folder>), so a record naming a reused pid
// never makes `af tower stop` signal someone else's process.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileSystemError, isProcessAlive } from '../engine/index.js';
import { keepPrivate } from '../ports/private-files.js';
import { globalDir } from '../shared/paths.js';
import { carriesFarmMark } from './farm-mark.js';
import { launchServer, stopProcess, type StopOutcome } from './launch.js';
import { shortHash } from './project-farm.js';
import { ensureSecret } from './secret.js';
import { readServerRecord, removeServerRecord, type ServerRecord, writeServerRecord } from './server-record.js';

/** The native tower's port. */
export const DEFAULT_TOWER_PORT = 4100;
const WHAT = 'tower';

export interface TowerFiles {
  folder: string;
  record: string;
  secret: string;
  log: string;
  /** The tower process's mark. */
  id: string;
}

export function towerFiles(folder: string = globalDir()): TowerFiles {
  return {
    folder,
    record: join(folder, 'tower.json'),
    secret: join(folder, 'tower-secret'),
    log: join(folder, 'logs', 'tower.log'),
    id: `af-tower-${shortHash(folder)}`,
  };
}

/**
 * The user's folder made (0700) or tightened, and the tower's secret in it, made when
 * there is none (`created` by this call: a running tower still holds the one deleted;
 * another start that found none at the same moment reads this one, and stops nothing).
 */
export function towerSecret(files: TowerFiles): { secret: string; created: boolean } {
  try {
    mkdirSync(files.folder, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw fileSystemError(error, files.folder, 'create the folder');
  }
  keepPrivate(files.folder, [files.record, files.secret]);
  return ensureSecret(files.secret);
}

/** The running tower: its recorded process lives and carries the tower's mark. */
export function runningTower(files: TowerFiles): ServerRecord | undefined {
  const record = readServerRecord(files.record, WHAT);
  return record && isProcessAlive(record.pid) && carriesFarmMark(record.pid, files.id) ? record : undefined;
}

export const writeTowerRecord = (files: TowerFiles, record: ServerRecord) =>
  writeServerRecord(files.record, WHAT, record);

export const removeTowerRecord = (files: TowerFiles, pid: number) => removeServerRecord(files.record, WHAT, pid);

export interface TowerStart {
  tower: ServerRecord;
  /** False when it was running already. */
  started: boolean;
}

/**
 * The tower, started with `argv` (detached, waited for until it listens) unless one
 * runs. Two starts at once may both try: the one whose server cannot listen finds the
 * other's record and uses that tower.
 */
export async function ensureTower(files: TowerFiles, port: number, argv: string[]): Promise<TowerStart> {
  const running = runningTower(files);
  if (running) return { tower: running, started: false };
  try {
    const pid = await launchServer(
      { label: 'the tower server', command: argv.join(' '), cwd: files.folder, logFile: files.log, farmId: files.id },
      argv,
    );
    return { tower: runningTower(files) ?? { pid, port, startedAt: '' }, started: true };
  } catch (error) {
    const other = runningTower(files);
    if (other) return { tower: other, started: false };
    throw error;
  }
}

/** Ends the running tower; undefined when none ran. */
export async function stopTower(files: TowerFiles): Promise<{ pid: number; outcome: StopOutcome } | undefined> {
  const running = runningTower(files);
  if (!running) return undefined;
  const outcome = await stopProcess({ pid: running.pid }, files.id);
  removeTowerRecord(files, running.pid);
  return { pid: running.pid, outcome };
}
