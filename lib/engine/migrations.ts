// Schema versions: an ordered list of migrations, each applied in its own
// transaction and recorded in `_migrations`, exactly once however many processes
// open a fresh file at the same time (the check runs under the write lock).
import { messageOf } from './errors.js';
import { selectOne } from './rows.js';
import type { SqlDatabase } from './sqljs/types.js';

export interface Migration {
  readonly version: number;
  readonly description: string;
  /** Synchronous SQL on the database, inside the migration's transaction. */
  up(db: SqlDatabase): void;
  /** Runs after this process committed the migration, e.g. to keep a `.bak` of imported JSON. */
  afterCommit?(): void | Promise<void>;
}

const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _migrations (
  version INTEGER PRIMARY KEY,
  applied_at TEXT NOT NULL DEFAULT (datetime('now'))
)`;

export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.reduce((latest, migration) => Math.max(latest, migration.version), 0);
}

/** The first page of the `_migrations` table, undefined when there is none. */
export function migrationsRootPage(db: SqlDatabase): number | undefined {
  // Prepared once per database copy: a process holding the file open may check this after commits of others.
  const row = selectOne(db, "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = '_migrations'");
  return row ? Number(row.rootpage) : undefined;
}

/** The highest version recorded in the file, 0 for a file without `_migrations` (`rootPage`: as migrationsRootPage() gave it). */
export function recordedVersion(db: SqlDatabase, rootPage = migrationsRootPage(db)): number {
  if (rootPage === undefined) return 0;
  try {
    return Number(selectOne(db, 'SELECT coalesce(max(version), 0) AS version FROM _migrations')!.version);
  } catch (error) {
    // Only a damaged schema lacks the column; worded as SQLite words damage, so the caller's guard names the file.
    if (/no such column/.test(messageOf(error)))
      throw new Error(`malformed database schema (_migrations has no version column: ${messageOf(error)})`);
    throw error;
  }
}

export function isApplied(db: SqlDatabase, version: number): boolean {
  if (recordedVersion(db) === 0) return false;
  return db.exec('SELECT 1 FROM _migrations WHERE version = ?', [version]).length > 0;
}

/** Applies `migration` unless the file already records it; true when it was applied now. */
export function applyMigration(db: SqlDatabase, migration: Migration): boolean {
  if (isApplied(db, migration.version)) return false;
  db.run(MIGRATIONS_TABLE);
  migration.up(db);
  db.run('INSERT INTO _migrations (version) VALUES (?)', [migration.version]);
  return true;
}

export function sortedMigrations(migrations: readonly Migration[]): Migration[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((migration, index) => {
    if (!Number.isInteger(migration.version) || migration.version < 1)
      throw new RangeError(`migration version must be a positive integer, got ${migration.version}`);
    if (index > 0 && sorted[index - 1]!.version === migration.version)
      throw new RangeError(`two migrations share version ${migration.version}`);
  });
  return sorted;
}
