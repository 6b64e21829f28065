// What `af db stats` shows of a database: its files' sizes, schema version, tables
// with their row counts, pages, and its lock.
import { existsSync, statSync } from 'node:fs';
import { logPathOf } from './io/log-file.js';
import { lockPathOf, type LockState } from './lock/lock.js';
import { recordedVersion } from './migrations.js';
import { selectAll } from './rows.js';
import type { SqlDatabase } from './sqljs/types.js';

export interface DatabaseStats {
  path: string;
  /** The database file's size. */
  sizeBytes: number;
  /** The write-ahead log's size: commits of processes still open (or killed) not yet copied into the file; 0 without one. */
  logBytes: number;
  schemaVersion: number;
  /** Row counts of the tables (not SQLite's own, nor the migrations' record), in the order they were made. */
  tables: Record<string, number>;
  pageSize: number;
  pageCount: number;
  lock: { path: string; state: LockState };
}

/** The stats of the database at `filePath`, whose latest committed image `db` is. */
export function statsOf(db: SqlDatabase, filePath: string, lockState: () => LockState): DatabaseStats {
  const pragma = (name: string) => Number(db.exec(`PRAGMA ${name}`)[0]!.values[0]![0]);
  const logPath = logPathOf(filePath);
  return {
    path: filePath,
    sizeBytes: statSync(filePath).size,
    logBytes: existsSync(logPath) ? statSync(logPath).size : 0,
    schemaVersion: recordedVersion(db),
    tables: Object.fromEntries(userTables(db).map((table) => [table, rowCount(db, table)])),
    pageSize: pragma('page_size'),
    pageCount: pragma('page_count'),
    lock: { path: lockPathOf(filePath), state: lockState() },
  };
}

function rowCount(db: SqlDatabase, table: string): number {
  return Number(db.exec(`SELECT count(*) FROM "${table}"`)[0]!.values[0]![0]);
}

/** The tables of the file's own schema (not SQLite's, nor the migrations' record), in creation order. */
export function userTables(db: SqlDatabase): string[] {
  const sql =
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_migrations' ORDER BY rowid";
  return selectAll(db, sql).map((row) => String(row.name));
}
