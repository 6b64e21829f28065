// One SQLite database file shared safely by many processes. The file on disk is
// the truth; each process keeps an in-memory sql.js copy that it reloads whenever
// the file changed. Writes hold the file's lock from before the reload to after
// the publish; reads take no lock.
import { chmodSync, closeSync, fstatSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CorruptDatabaseError, DatabaseClosedError, LockLostError, SchemaTooNewError, describe } from './errors.js';
import { readImageHeader, toRollbackMode } from './image.js';
import { acquireLock, DEFAULT_LOCK_TIMING, MIN_STALE_THRESHOLD, type HeldLock, type LockTiming } from './lock.js';
import { applyMigration, latestVersion, recordedVersion, sortedMigrations, isApplied, type Migration } from './migrations.js';
import { identityOf, publishImage, removeDeadTemporaries, type Durability } from './publish.js';
import { enqueue } from './queue.js';
import { runReadOnlyQuery } from './read-only-query.js';
import type { Row } from './rows.js';
import { loadSqlJs, type SqlDatabase, type SqlJsStatic } from './sqljs.js';
import { applyWal } from './wal.js';

export interface DatabaseOptions {
  /** Milliseconds to wait for another process's lock before failing with BusyError. Default 5000. */
  busyTimeout?: number;
  /** Milliseconds after which a lock whose holder stopped refreshing it is taken over. Default 3000, at least 2000. */
  staleThreshold?: number;
  /** How hard a commit is pushed to disk before it returns; see Durability. Default 'normal'. */
  durability?: Durability;
  /** Mode of the database file. Default 0o644. */
  fileMode?: number;
  /** Mode of the folders created for the file. Default 0o755. */
  folderMode?: number;
  /** Schema versions to bring the file to on open. */
  migrations?: readonly Migration[];
  /** The sql.js `.wasm` to load instead of the package's own. */
  wasmPath?: string;
}

const DEFAULTS = { durability: 'normal', fileMode: 0o644, folderMode: 0o755 } as const;
/** How often a transaction whose lock was taken over is run again before giving up. */
const LOCK_LOST_RETRIES = 3;
/**
 * A lock is kept for the next transaction of this process when that one starts
 * before the event loop turns (a loop of awaited writes), for this long at most,
 * so other processes still get their turn.
 */
const LEASE_MS = 20;
/** The memory copy matches no file on disk: reload before the next use. */
const UNKNOWN = undefined;
/** There is no file: the memory copy is a new, empty database. */
const ABSENT = 'absent';
/** A transaction that was no longer needed when its turn came. */
const UNNEEDED = Symbol('unneeded');

export class SharedDatabase {
  readonly path: string;
  private readonly timing: LockTiming;
  private readonly durability: Durability;
  private readonly fileMode: number;
  private readonly knownVersion: number | undefined;
  private db: SqlDatabase | undefined;
  private identity: string | undefined = UNKNOWN;
  /** The loaded image came from a native WAL-mode file: the next commit rewrites it and removes the side files. */
  private walSideFiles = false;
  private closed = false;
  private lease: { lock: HeldLock; acquiredAt: number } | undefined;
  private tidied = false;

  private constructor(filePath: string, private readonly sql: SqlJsStatic, options: DatabaseOptions) {
    this.path = filePath;
    this.timing = {
      busyTimeout: options.busyTimeout ?? DEFAULT_LOCK_TIMING.busyTimeout,
      staleThreshold: Math.max(options.staleThreshold ?? DEFAULT_LOCK_TIMING.staleThreshold, MIN_STALE_THRESHOLD),
    };
    this.durability = options.durability ?? DEFAULTS.durability;
    this.fileMode = options.fileMode ?? DEFAULTS.fileMode;
    this.knownVersion = options.migrations ? latestVersion(options.migrations) : undefined;
  }

  /** Opens (creating when absent) the database at `filePath` and brings its schema up to date. */
  static async open(filePath: string, options: DatabaseOptions = {}): Promise<SharedDatabase> {
    const absolutePath = resolve(filePath);
    const migrations = sortedMigrations(options.migrations ?? []);
    const sql = await loadSqlJs(options.wasmPath);
    ensureFolder(dirname(absolutePath), options.folderMode ?? DEFAULTS.folderMode);
    const database = new SharedDatabase(absolutePath, sql, options);
    const pending = await database.read((db) => migrations.filter((migration) => !isApplied(db, migration.version)));
    for (const migration of pending) {
      // Many processes opening a new file at once all queue for the lock here; each
      // stops waiting as soon as it sees that another one applied the migration.
      const applied = await enqueue(absolutePath, () => database.runTransaction(
        (db) => applyMigration(db, migration),
        () => isApplied(database.refresh(), migration.version),
      ));
      if (applied === true) await migration.afterCommit?.();
    }
    // A native WAL-mode file is rewritten once as a plain file, and its side files go.
    if (database.walSideFiles) await database.transaction(() => undefined);
    return database;
  }

  /** Runs `fn` on the latest committed image, without taking the lock. `fn` cannot change the database. */
  async read<T>(fn: (db: SqlDatabase) => T): Promise<T> {
    const db = this.refresh();
    return guardCorruption(this.path, () => fn(db));
  }

  /**
   * Runs `fn` inside one transaction that holds the file's lock from before the
   * reload to after the publish. A throw rolls back and publishes nothing. If this
   * process lost the lock before publishing, `fn` runs again on the newer image.
   */
  async transaction<T>(fn: (db: SqlDatabase) => T): Promise<T> {
    this.assertOpen();
    return enqueue(this.path, () => this.runTransaction(fn));
  }

  /**
   * Runs one SQL statement that must not change anything and returns its rows.
   * Anything else fails with ReadOnlyError; the file is never written.
   */
  async query(sql: string): Promise<Row[]> {
    const db = this.refresh();
    try {
      return guardCorruption(this.path, () => runReadOnlyQuery(db, sql, this.path));
    } finally {
      this.identity = UNKNOWN; // start the next call from the file, not from whatever the query left in memory
    }
  }

  /** The schema version recorded in the file, 0 when none. */
  schemaVersion(): Promise<number> {
    return this.read(recordedVersion);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Let queued transactions finish before freeing the memory they use.
    await enqueue(this.path, async () => undefined);
    this.lease?.lock.release();
    this.lease = undefined;
    this.db?.close();
    this.db = undefined;
  }

  /** With `unneeded`, resolves to UNNEEDED without running `fn` when that turns true while waiting for the lock. */
  private async runTransaction<T>(fn: (db: SqlDatabase) => T): Promise<T>;
  private async runTransaction<T>(fn: (db: SqlDatabase) => T, unneeded: () => boolean): Promise<T | typeof UNNEEDED>;
  private async runTransaction<T>(fn: (db: SqlDatabase) => T, unneeded?: () => boolean): Promise<T | typeof UNNEEDED> {
    // Reads never need it: the first write of this process tidies what dead writers left.
    if (!this.tidied) {
      removeDeadTemporaries(this.path);
      this.tidied = true;
    }
    for (let attempt = 1; ; attempt++) {
      const taken = await this.takeLock(unneeded);
      if (!taken) return UNNEEDED;
      const { lock, acquiredAt } = taken;
      let keep = false;
      try {
        const db = this.refresh();
        const baseIdentity = this.identity;
        let outcome: { result: T; changed: boolean };
        try {
          outcome = runInTransaction(this.path, db, fn);
        } catch (error) {
          this.identity = UNKNOWN; // whatever fn left in memory is not trusted: reload next time
          throw error;
        }
        const { result, changed } = outcome;
        if (!changed && !this.walSideFiles) {
          keep = true;
          return result;
        }
        try {
          this.identity = publishImage(this.path, db.export(), this.durability, this.fileMode, () => this.assertStillCurrent(lock, baseIdentity));
        } catch (error) {
          this.identity = UNKNOWN; // memory is ahead of the disk now
          if (error instanceof LockLostError && attempt < LOCK_LOST_RETRIES) continue;
          throw error;
        }
        if (this.walSideFiles) this.removeWalSideFiles();
        keep = true;
        return result;
      } finally {
        if (keep) this.offerLease(lock, acquiredAt);
        else lock.release();
      }
    }
  }

  /** The lock left by the previous transaction when still fresh, else a newly acquired one. */
  private async takeLock(unneeded?: () => boolean): Promise<{ lock: HeldLock; acquiredAt: number } | undefined> {
    const lease = this.lease;
    this.lease = undefined;
    if (lease && Date.now() - lease.acquiredAt < LEASE_MS) return lease;
    lease?.lock.release();
    const lock = unneeded ? await acquireLock(this.path, this.timing, unneeded) : await acquireLock(this.path, this.timing);
    return lock && { lock, acquiredAt: Date.now() };
  }

  /** Keeps the lock for a transaction that starts before the event loop turns; releases it otherwise. */
  private offerLease(lock: HeldLock, acquiredAt: number): void {
    const lease = { lock, acquiredAt };
    this.lease = lease;
    setImmediate(() => {
      if (this.lease !== lease) return;
      this.lease = undefined;
      lock.release();
    });
  }

  /** Refuses to publish when another process took the lock over or published meanwhile. */
  private assertStillCurrent(lock: HeldLock, baseIdentity: string | undefined): void {
    if (!lock.stillOwned() || currentIdentity(this.path) !== baseIdentity) throw new LockLostError(lock.lockPath);
  }

  /** Makes the memory copy match the file on disk, reading it only when it changed. */
  private refresh(): SqlDatabase {
    this.assertOpen();
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      if (this.identity !== ABSENT || !this.db) this.replace(this.configure(new this.sql.Database()), ABSENT);
      return this.db!;
    }
    try {
      const identity = identityOf(fstatSync(fd, { bigint: true }));
      if (identity !== this.identity || !this.db) this.replace(this.loadImage(readFileSync(fd)), identity);
    } finally {
      closeSync(fd);
    }
    return this.db!;
  }

  private loadImage(bytes: Uint8Array): SqlDatabase {
    const header = readImageHeader(bytes, this.path);
    let image = bytes;
    this.walSideFiles = header.walMode;
    if (header.walMode) {
      const wal = readIfPresent(`${this.path}-wal`);
      image = wal ? applyWal(bytes, wal, this.path).image : toRollbackMode(bytes);
    }
    let db: SqlDatabase;
    try {
      db = new this.sql.Database(image);
    } catch (error) {
      throw new CorruptDatabaseError(this.path, describe(error));
    }
    try {
      guardCorruption(this.path, () => db.exec('SELECT count(*) FROM sqlite_master'));
      const fileVersion = recordedVersion(db);
      if (this.knownVersion !== undefined && fileVersion > this.knownVersion) throw new SchemaTooNewError(this.path, fileVersion, this.knownVersion);
      return this.configure(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Journals in memory (the wasm file system is memory anyway) and starts read-only. */
  private configure(db: SqlDatabase): SqlDatabase {
    db.exec('PRAGMA journal_mode = MEMORY; PRAGMA query_only = 1');
    return db;
  }

  private replace(db: SqlDatabase, identity: string): void {
    this.db?.close();
    this.db = db;
    this.identity = identity;
  }

  private removeWalSideFiles(): void {
    rmSync(`${this.path}-wal`, { force: true });
    rmSync(`${this.path}-shm`, { force: true });
    this.walSideFiles = false;
  }

  private assertOpen(): void {
    if (this.closed) throw new DatabaseClosedError(this.path);
  }
}

/**
 * Runs `fn` between BEGIN and COMMIT with writes allowed; reports whether anything
 * changed. `fn` must not end the transaction itself.
 */
function runInTransaction<T>(filePath: string, db: SqlDatabase, fn: (db: SqlDatabase) => T): { result: T; changed: boolean } {
  db.exec('PRAGMA query_only = 0; BEGIN IMMEDIATE');
  try {
    const before = changeMarker(db);
    let result: T;
    try {
      result = guardCorruption(filePath, () => fn(db));
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
    const changed = changeMarker(db) !== before;
    db.exec('COMMIT');
    return { result, changed };
  } finally {
    db.exec('PRAGMA query_only = 1');
  }
}

/** Row changes, schema changes and the user version, in one comparable string. */
function changeMarker(db: SqlDatabase): string {
  const [row] = db.exec('SELECT total_changes(), (SELECT schema_version FROM pragma_schema_version()), (SELECT user_version FROM pragma_user_version())');
  return row!.values[0]!.join('/');
}

/** SQLite's "malformed" and "not a database" errors mean the file is damaged. */
function guardCorruption<T>(filePath: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (/malformed|not a database|file is encrypted/i.test(describe(error))) throw new CorruptDatabaseError(filePath, describe(error));
    throw error;
  }
}

function currentIdentity(filePath: string): string {
  try {
    return identityOf(statSync(filePath, { bigint: true }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ABSENT;
    throw error;
  }
}

function readIfPresent(filePath: string): Uint8Array | undefined {
  try {
    return readFileSync(filePath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function ensureFolder(folder: string, mode: number): void {
  const firstCreated = mkdirSync(folder, { recursive: true, mode });
  // mkdir's mode passes through the umask; the folder we made must have exactly the mode asked for.
  if (firstCreated) chmodSync(folder, mode);
}
