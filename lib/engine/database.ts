// One SQLite database file shared safely by many processes. The files on disk are
// the truth: the database and its write-ahead log. Each process keeps an in-memory
// sql.js copy that follows them (memory-copy.ts); a commit appends the pages SQLite
// wrote to the log (commit.ts). Writes hold the file's lock from before that update to
// after the commit's frames are appended (lease.ts); reads take no lock.
import { dirname, resolve } from 'node:path';
import {
  CorruptDatabaseError,
  DatabaseClosedError,
  messageOf,
  FileSystemError,
  LockLostError,
  ReadOnlyError,
} from './errors.js';
import { checkpointOnClose, commitAndCheckpoint, type CommitTarget } from './commit.js';
import { assertWritable, ensureFolder } from './io/folder.js';
import { logPathOf } from './io/log-file.js';
import { removeDeadTemporaries } from './io/publish.js';
import { Lease } from './lease.js';
import { lockStateOf, type LockState } from './lock/lock.js';
import { MemoryCopy } from './memory-copy.js';
import { applyMigration, isApplied, recordedVersion, sortedMigrations } from './migrations.js';
import { folderModeOf, settingsOf, type DatabaseOptions, type Settings } from './options.js';
import { enqueue, hostTurn } from './queue.js';
import { runReadOnlyQuery, type RowSink } from './read-only-query.js';
import type { Snapshot } from './snapshot.js';
import type { Row } from './rows.js';
import { loadSqlJs } from './sqljs/loader.js';
import type { SqlDatabase, SqlJsStatic } from './sqljs/types.js';
import { statsOf, type DatabaseStats } from './stats.js';
import { guardCorruption, runInTransaction, type TransactionOutcome } from './transaction.js';

export type { DatabaseOptions } from './options.js';

/** How often a transaction whose lock was taken over is run again before giving up. */
const LOCK_LOST_RETRIES = 3;
/** A transaction that was no longer needed when its turn came, and did not run. */
const SKIPPED = Symbol('skipped');

export class SharedDatabase {
  readonly path: string;
  private readonly target: CommitTarget;
  private readonly copy: MemoryCopy;
  private readonly lease: Lease;
  /** This process appended to the log: closing checkpoints it, leaving a plain database file. */
  private appended = false;
  private closed = false;
  /** The first write checked this process may write, and removed what dead writers left. */
  private readyToWrite = false;
  /** What readRemembered() last gave for each function, and from which snapshot. */
  private readonly remembered = new WeakMap<object, { snapshot: Snapshot; value: unknown }>();

  private constructor(
    filePath: string,
    sql: SqlJsStatic,
    private readonly settings: Settings,
  ) {
    this.path = filePath;
    const logPath = logPathOf(filePath);
    this.copy = new MemoryCopy(filePath, logPath, sql, settings.pageSize, settings.knownVersion);
    this.lease = new Lease(filePath, settings.timing);
    this.target = { path: filePath, logPath, settings, copy: this.copy };
  }

  /** Opens (creating when absent) the database at `filePath` and brings its schema up to date. */
  static async open(filePath: string, options: DatabaseOptions = {}): Promise<SharedDatabase> {
    const absolutePath = resolve(filePath);
    const migrations = sortedMigrations(options.migrations ?? []);
    const sql = await loadSqlJs(options.wasmPath);
    ensureFolder(dirname(absolutePath), folderModeOf(options));
    const database = new SharedDatabase(absolutePath, sql, settingsOf(options));
    const pending = await database.read((db) => migrations.filter((migration) => !isApplied(db, migration.version)));
    for (const migration of pending) {
      // Many processes opening a new file at once all queue for the lock here; each
      // stops waiting as soon as it sees that another one applied the migration.
      const applied = await enqueue(absolutePath, () =>
        database.runTransaction(
          (db) => applyMigration(db, migration),
          () => isApplied(database.copy.refresh(), migration.version),
        ),
      );
      if (applied === true) await migration.afterCommit?.();
    }
    if (options.verify)
      await database.read(options.verify).catch(async (error: unknown) => {
        await database.close();
        throw error;
      });
    // A native WAL-mode file is checkpointed once into a plain file, and its side files go;
    // a process that may not write leaves that to one that may, and reads it with its log.
    if (database.copy.current?.nativeWal) {
      await database
        .transaction(() => undefined)
        .catch((error: unknown) => {
          if (!(error instanceof FileSystemError && error.code === 'E_PERMISSION')) throw error;
        });
    }
    return database;
  }

  /**
   * Runs `fn` on the latest committed image, without taking the lock. `fn` cannot
   * change the database: it runs in a transaction of its own, and one that wrote
   * anything fails with ReadOnlyError, its changes dropped with the memory copy.
   */
  async read<T>(fn: (db: SqlDatabase) => T): Promise<T> {
    await hostTurn(); // a loop of reads lets the host's timers and signal handlers run too
    this.assertOpen();
    return this.readCurrent(this.copy.refresh(), fn);
  }

  /**
   * Like read(), but while the database is as it was at the last call with this same
   * `fn`, gives the value that call returned without running `fn` again. `fn` must be
   * a function of the database alone, and the caller must not change what it returns.
   */
  async readRemembered<T>(fn: (db: SqlDatabase) => T): Promise<T> {
    await hostTurn();
    this.assertOpen();
    const db = this.copy.refresh();
    // Every change of the memory copy (a commit, other processes' frames, a reload) makes a new snapshot.
    const snapshot = this.copy.current!;
    const remembered = this.remembered.get(fn);
    if (remembered?.snapshot === snapshot) return remembered.value as T;
    const value = this.readCurrent(db, fn);
    this.remembered.set(fn, { snapshot, value });
    return value;
  }

  private readCurrent<T>(db: SqlDatabase, fn: (db: SqlDatabase) => T): T {
    let outcome: TransactionOutcome<T>;
    try {
      outcome = runInTransaction(this.path, db, this.copy.memoryOf(db), 'BEGIN', fn);
    } catch (error) {
      this.copy.drop(); // whatever fn left in memory is not trusted
      // Its transaction ended inside fn: whatever came after ran outside it.
      if (/no transaction is active/.test(messageOf(error))) {
        throw new ReadOnlyError(
          this.path,
          'read() ended its own transaction (a COMMIT or ROLLBACK in fn); make changes in transaction()',
        );
      }
      throw error;
    }
    if (outcome.writes.size > 0) {
      this.copy.drop(); // the memory copy is ahead of the files
      throw new ReadOnlyError(this.path, 'read() changed the database; make changes in transaction()');
    }
    return outcome.result;
  }

  /**
   * Runs `fn` inside one transaction that holds the file's lock from before the
   * reload to after the publish. A throw rolls back and publishes nothing. If this
   * process lost the lock before publishing, `fn` runs again on the newer image.
   */
  async transaction<T>(fn: (db: SqlDatabase) => T): Promise<T> {
    this.assertOpen();
    this.lease.queuedTransactions++;
    return enqueue(this.path, () => {
      this.lease.queuedTransactions--;
      return this.runTransaction(fn);
    });
  }

  /**
   * Whether a writer would have to wait for the file's lock now: 'free', 'held' (by
   * another process), 'held by this process' (a transaction of this process is under
   * way), or 'stale' (its holder ended or stopped refreshing it: the next writer takes
   * it over). This process's idle lease is let go first: it never makes anyone wait long.
   */
  lockState(): LockState {
    this.lease.drop();
    return lockStateOf(this.path, this.settings.timing.staleThreshold);
  }

  /**
   * Runs one SQL statement that must not change anything. Without `onRow` it returns
   * the rows; with it, each row goes to `onRow` as SQLite steps it and none is kept
   * (a throw in `onRow` stops the statement and rejects with that error). Anything
   * else fails with ReadOnlyError; the file is never written.
   */
  async query(sql: string): Promise<Row[]>;
  async query(sql: string, onRow: RowSink): Promise<void>;
  async query(sql: string, onRow?: RowSink): Promise<Row[] | void> {
    this.assertOpen();
    const db = this.copy.refresh();
    const rows: Row[] = [];
    try {
      guardCorruption(this.path, () => runReadOnlyQuery(db, sql, this.path, onRow ?? ((row) => rows.push(row))));
      return onRow ? undefined : rows;
    } finally {
      this.copy.drop(); // start the next call from the files, not from whatever the query left in memory
    }
  }

  /**
   * Fails with FileSystemError (E_PERMISSION) naming the first of the database file,
   * its folder (where the lock, the log and temporary files are made) and its log that
   * this process may not write; returns when all can be written. The first transaction
   * of each open database checks this before running its function; call it to find out
   * before starting work that would have to be recorded.
   */
  assertWritable(): void {
    this.assertOpen();
    assertWritable(this.path, this.target.logPath);
  }

  /**
   * A copy of the latest committed database as read() and query() see it, to open
   * elsewhere (e.g. a worker thread that can be stopped mid-statement with
   * runReadOnlyQuery). Empty when there is no file yet.
   */
  async committedImage(): Promise<Uint8Array> {
    this.assertOpen();
    this.copy.refresh();
    const snapshot = this.copy.current;
    if (!snapshot) throw new CorruptDatabaseError(this.path, 'its pages could not be read consistently');
    return snapshot.image.slice();
  }

  /** The schema version recorded in the file, 0 when none. */
  schemaVersion(): Promise<number> {
    return this.read(recordedVersion);
  }

  /** What `af db stats` shows: the files' sizes, schema version, tables with row counts, pages and the lock. */
  stats(): Promise<DatabaseStats> {
    return this.read((db) => statsOf(db, this.path, () => this.lockState()));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      // Let queued transactions finish before freeing the memory they use.
      await enqueue(this.path, async () => {
        if (this.appended) await checkpointOnClose(this.target, this.lease);
      });
    } finally {
      this.lease.drop();
      this.copy.close(); // the log kept open too, even when the checkpoint failed (a full disk)
    }
  }

  /** With `unneeded`, resolves to SKIPPED without running `fn` when that turns true while waiting for the lock. */
  private async runTransaction<T>(fn: (db: SqlDatabase) => T): Promise<T>;
  private async runTransaction<T>(fn: (db: SqlDatabase) => T, unneeded: () => boolean): Promise<T | typeof SKIPPED>;
  private async runTransaction<T>(fn: (db: SqlDatabase) => T, unneeded?: () => boolean): Promise<T | typeof SKIPPED> {
    // Reads never need it: the first write of this process tidies what dead writers left.
    if (!this.readyToWrite) {
      this.assertWritable(); // before fn: a caller must not act on a transaction that cannot be recorded
      removeDeadTemporaries(this.path);
      this.readyToWrite = true;
    }
    for (let attempt = 1; ; attempt++) {
      const taken = await this.lease.take(unneeded);
      if (!taken) return SKIPPED;
      let keep = false;
      try {
        // Under a lock kept since this process's last transaction no writer that takes the lock can have written.
        // A tool that ignores it (the sqlite3 shell) is caught by the commit's check of the files: fn runs again.
        const trusted = taken.continued ? this.copy.trusted() : undefined;
        const db = trusted ?? this.copy.refresh();
        const base = this.copy.current!;
        const memory = this.copy.memoryOf(db);
        let outcome: TransactionOutcome<T>;
        try {
          outcome = runInTransaction(this.path, db, memory, 'BEGIN IMMEDIATE', fn);
        } catch (error) {
          this.copy.drop(); // whatever fn left in memory is not trusted
          throw error;
        }
        let recorded: { appended: boolean; lockLost: boolean };
        try {
          recorded = commitAndCheckpoint(this.target, base, outcome.writes, memory, taken.lock, {
            closing: this.closed,
            unchecked: trusted !== undefined,
          });
        } catch (error) {
          this.copy.drop(); // memory may be ahead of the disk now
          if (error instanceof LockLostError && attempt < LOCK_LOST_RETRIES) continue;
          throw error;
        }
        if (recorded.appended) this.appended = true;
        keep = !recorded.lockLost; // a lost lock is not kept for the next transaction
        return outcome.result;
      } finally {
        if (keep) this.lease.offer(taken);
        else taken.lock.release();
      }
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new DatabaseClosedError(this.path);
  }
}
