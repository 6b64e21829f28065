// One SQLite database file shared safely by many processes. The files on disk are
// the truth: the database and its write-ahead log. Each process keeps an in-memory
// sql.js copy that it brings up to date whenever they changed, reading only the new
// part of the log when it can and writing just the pages that changed into sql.js's
// file. A commit appends the pages SQLite wrote there. Writes hold the file's lock
// from before that update to after the commit's frames are appended; reads take no lock.
import { accessSync, chmodSync, closeSync, constants, fstatSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CorruptDatabaseError, DatabaseClosedError, FileSystemError, InvalidInputError, LockLostError, ReadOnlyError, SchemaTooNewError, UnsafePathError, describe, fileSystemError } from './errors.js';
import { cacheStamp, isValidPageSize, markChanged, readImageHeader } from './format/header.js';
import { acquireLock, DEFAULT_LOCK_TIMING, lockStateOf, MIN_STALE_THRESHOLD, othersWaiting, wakeJitter, type HeldLock, type LockState, type LockTiming } from './lock/lock.js';
import { applyMigration, latestVersion, recordedVersion, sortedMigrations, isApplied, type Migration } from './migrations.js';
import { identityOf, publishImage, removeDeadTemporaries, syncPath, type Durability } from './io/publish.js';
import { enqueue, hostTurn } from './queue.js';
import { runReadOnlyQuery, type RowSink } from './read-only-query.js';
import { execute, selectOne, type Row } from './rows.js';
import { loadSqlJs, type SqlDatabase, type SqlJsStatic } from './sqljs/loader.js';
import { watchFile, type MemoryFile } from './sqljs/memory-file.js';
import { changedPageNumbers, pageOf, sameBytes, withPages, withWrites } from './format/pages.js';
import { appendFrames, assertLogRemovable, createLog, logPathOf, readLogAndTail, readLogHeader, removeLog, syncLog, writeInPlace, type LogState } from './io/log-file.js';
import { entryKind, OPEN_READ, openRegularFile, regularFileStats } from './io/safe-files.js';
import { applyWal, committedPages, encodeFrames, FRAME_HEADER_SIZE, scanCommitted, WAL_HEADER_SIZE } from './format/wal.js';

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
  /** Checks the file once its migrations ran, before open writes anything else (a native WAL-mode file's checkpoint); a throw fails the open. */
  verify?: (db: SqlDatabase) => void;
  /** The sql.js `.wasm` to load instead of the package's own. */
  wasmPath?: string;
  /** Frames the write-ahead log may hold before a commit copies it into the database. Default 4000 (4 MiB of 1 KiB pages, as SQLite's 1000 of 4 KiB). */
  checkpointFrames?: number;
  /**
   * Page size of a file this creates (a power of two, 512 to 65536); existing files keep
   * theirs. Default 1024: a commit appends, and other processes read, the pages it
   * changed, so small pages cost less for the small rows of a farm's state.
   */
  pageSize?: number;
}

const DEFAULTS = { durability: 'normal', fileMode: 0o644, folderMode: 0o755, checkpointFrames: 4000, pageSize: 1024 } as const;
/** How often a transaction whose lock was taken over is run again before giving up. */
const LOCK_LOST_RETRIES = 3;
/**
 * A lock is kept for the next transaction of this process when that one starts
 * before the event loop turns (a loop of awaited writes), for this long at most,
 * so other processes still get their turn.
 */
const LEASE_MS = 20;
/** There is no file: the memory copy is a new, empty database. */
const ABSENT = 'absent';
/** How long a closing process that saw other writers gives them to take the lock it let go. */
const HANDOVER_MS = 3;
/** How often a read retries when a checkpoint changed the files while it read them. */
const READ_RETRIES = 100;

/** What the memory copy was made from. */
interface Snapshot {
  /** The database file's identity, or ABSENT. */
  file: string;
  /** The database with the log's committed frames applied, in rollback-journal mode. */
  image: Uint8Array;
  /** The log as far as it was read; undefined when there was none (or none valid). */
  log: LogState | undefined;
  /** The first bytes of the log file as last seen, valid or not: a change means someone wrote it. */
  logHeader: Uint8Array | undefined;
  /** The file is the native version's WAL-mode database: the next write checkpoints it into a plain file. */
  nativeWal: boolean;
}

/** A transaction that was no longer needed when its turn came. */
const UNNEEDED = Symbol('unneeded');

export class SharedDatabase {
  readonly path: string;
  private readonly timing: LockTiming;
  private readonly durability: Durability;
  private readonly fileMode: number;
  private readonly knownVersion: number | undefined;
  private readonly checkpointFrames: number;
  private readonly pageSize: number;
  private readonly logPath: string;
  private db: SqlDatabase | undefined;
  /** The file sql.js keeps each database copy in: what a commit wrote, and where another process's commit is written. */
  private readonly memoryFiles = new WeakMap<SqlDatabase, MemoryFile>();
  /** Undefined when the memory copy matches nothing on disk: reload before the next use. */
  private snapshot: Snapshot | undefined;
  /** This process appended to the log: closing checkpoints it, leaving a plain database file. */
  private appended = false;
  /** Other processes committed while this one had the file open: they may still be at work when it closes. */
  private othersWrote = false;
  private closed = false;
  private lease: { lock: HeldLock; acquiredAt: number } | undefined;
  /** Transactions of this instance in the queue, not yet started. */
  private queuedTransactions = 0;
  private tidied = false;

  private constructor(filePath: string, private readonly sql: SqlJsStatic, options: DatabaseOptions) {
    this.path = filePath;
    this.logPath = logPathOf(filePath);
    this.timing = {
      busyTimeout: options.busyTimeout ?? DEFAULT_LOCK_TIMING.busyTimeout,
      staleThreshold: Math.max(options.staleThreshold ?? DEFAULT_LOCK_TIMING.staleThreshold, MIN_STALE_THRESHOLD),
    };
    this.durability = options.durability ?? DEFAULTS.durability;
    this.fileMode = options.fileMode ?? DEFAULTS.fileMode;
    this.knownVersion = options.migrations ? latestVersion(options.migrations) : undefined;
    this.checkpointFrames = options.checkpointFrames ?? DEFAULTS.checkpointFrames;
    this.pageSize = options.pageSize ?? DEFAULTS.pageSize;
    if (!isValidPageSize(this.pageSize)) {
      throw new InvalidInputError(`the pageSize option must be a power of two from 512 to 65536, got ${options.pageSize}; leave it out for the default ${DEFAULTS.pageSize}.`);
    }
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
    if (options.verify) await database.read(options.verify).catch(async (error: unknown) => {
      await database.close();
      throw error;
    });
    // A native WAL-mode file is checkpointed once into a plain file, and its side files go;
    // a process that may not write leaves that to one that may, and reads it with its log.
    if (database.snapshot?.nativeWal) {
      await database.transaction(() => undefined).catch((error: unknown) => {
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
    const db = this.refresh();
    let outcome: { result: T; writes: Map<number, number> };
    try {
      outcome = runInTransaction(this.path, db, this.memoryFiles.get(db)!, 'BEGIN', fn);
    } catch (error) {
      this.snapshot = undefined; // whatever fn left in memory is not trusted: reload next time
      // Its transaction ended inside fn: whatever came after ran outside it.
      if (/no transaction is active/.test(describe(error))) throw new ReadOnlyError(this.path, 'read() ended its own transaction (a COMMIT or ROLLBACK in fn); make changes in transaction()');
      throw error;
    }
    if (outcome.writes.size > 0) {
      this.snapshot = undefined; // the memory copy is ahead of the files: reload next time
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
    this.queuedTransactions++;
    return enqueue(this.path, () => {
      this.queuedTransactions--;
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
    this.dropLease();
    return lockStateOf(this.path, this.timing.staleThreshold);
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
    const db = this.refresh();
    const rows: Row[] = [];
    try {
      guardCorruption(this.path, () => runReadOnlyQuery(db, sql, this.path, onRow ?? ((row) => rows.push(row))));
      return onRow ? undefined : rows;
    } finally {
      this.snapshot = undefined; // start the next call from the files, not from whatever the query left in memory
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
    const folder = dirname(this.path);
    const needed: Array<[string, string, number]> = [
      [this.path, 'the database file', constants.W_OK],
      [folder, 'the folder of the database (its lock, log and temporary files are made there)', constants.W_OK | constants.X_OK],
      [this.logPath, 'the write-ahead log', constants.W_OK],
    ];
    for (const [path, what, mode] of needed) {
      try {
        accessSync(path, mode);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // made when needed, in a folder checked here
        throw fileSystemError(error, path, `write: this process has no write permission on ${what}`);
      }
    }
  }

  /**
   * A copy of the latest committed database as read() and query() see it, to open
   * elsewhere (e.g. a worker thread that can be stopped mid-statement with
   * runReadOnlyQuery). Empty when there is no file yet.
   */
  async committedImage(): Promise<Uint8Array> {
    this.assertOpen();
    this.refresh();
    if (!this.snapshot) throw new CorruptDatabaseError(this.path, 'its pages could not be read consistently');
    return this.snapshot.image.slice();
  }

  /** The schema version recorded in the file, 0 when none. */
  schemaVersion(): Promise<number> {
    return this.read(recordedVersion);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Let queued transactions finish before freeing the memory they use.
    await enqueue(this.path, async () => {
      if (this.appended) await this.checkpointOnClose();
    });
    this.dropLease();
    if (this.db) this.closeDatabase(this.db);
    this.db = undefined;
  }

  /** With `unneeded`, resolves to UNNEEDED without running `fn` when that turns true while waiting for the lock. */
  private async runTransaction<T>(fn: (db: SqlDatabase) => T): Promise<T>;
  private async runTransaction<T>(fn: (db: SqlDatabase) => T, unneeded: () => boolean): Promise<T | typeof UNNEEDED>;
  private async runTransaction<T>(fn: (db: SqlDatabase) => T, unneeded?: () => boolean): Promise<T | typeof UNNEEDED> {
    // Reads never need it: the first write of this process tidies what dead writers left.
    if (!this.tidied) {
      this.assertWritable(); // before fn: a caller must not act on a transaction that cannot be recorded
      removeDeadTemporaries(this.path);
      this.tidied = true;
    }
    for (let attempt = 1; ; attempt++) {
      const taken = await this.takeLock(unneeded);
      if (!taken) return UNNEEDED;
      const { lock, acquiredAt } = taken;
      let keep = false;
      try {
        // Re-read even under a lease: a tool that ignores the lock (the sqlite3 shell) may have written.
        const db = this.refresh();
        const base = this.snapshot!;
        const memory = this.memoryFiles.get(db)!;
        let outcome: { result: T; writes: Map<number, number> };
        try {
          outcome = runInTransaction(this.path, db, memory, 'BEGIN IMMEDIATE', fn);
        } catch (error) {
          this.snapshot = undefined; // whatever fn left in memory is not trusted: reload next time
          throw error;
        }
        const { result, writes } = outcome;
        try {
          if (writes.size > 0) this.commit(base, writes, memory, lock);
          if (this.snapshot!.nativeWal || (this.snapshot!.log && frameCount(this.snapshot!.log) >= this.checkpointFrames)) this.checkpoint(lock);
        } catch (error) {
          this.snapshot = undefined; // memory may be ahead of the disk now
          if (error instanceof LockLostError && attempt < LOCK_LOST_RETRIES) continue;
          throw error;
        }
        keep = true;
        return result;
      } finally {
        if (keep) this.offerLease(lock, acquiredAt);
        else lock.release();
      }
    }
  }

  /**
   * Commits what SQLite wrote to its in-memory file (lengths by position): a new file
   * is published whole (a temporary file renamed over the path); an existing one gets
   * the written pages appended to its log as SQLite frames, the last one marking the commit.
   */
  private commit(base: Snapshot, writes: Map<number, number>, memory: MemoryFile, lock: HeldLock): void {
    // The base image may change in place here: until the commit is on disk, a failure drops the snapshot.
    const { image: next, pages, pageSize } = withWrites(base.image, writes, (target, position, length) => memory.readInto(target, position, length), this.path);
    if (base.file === ABSENT) {
      const file = publishImage(this.path, next, this.durability, this.fileMode, () => {
        this.assertStillCurrent(lock, base);
        removeLog(this.path); // a log without its database is left over from a deleted one
      });
      this.snapshot = { file, image: next, log: undefined, logHeader: undefined, nativeWal: false };
      return;
    }
    let current = base;
    if (!base.log) {
      this.assertStillCurrent(lock, base); // before replacing whatever log is there
      const started = this.startLog(pageSize);
      current = { ...base, log: started, logHeader: started.headerBytes };
    }
    const log = current.log!;
    const frames = encodeFrames(log.header, log.end, [...pages], next.length / pageSize);
    appendFrames(this.logPath, frames.bytes, log.end.offset, this.durability === 'full', (header) => this.assertStillCurrent(lock, current, header));
    this.appended = true;
    this.snapshot = { ...current, image: next, log: { ...log, end: frames.end } };
  }

  private startLog(pageSize: number): LogState {
    const log = createLog(this.logPath, pageSize, this.fileMode, this.path);
    // 'full' promises that a returned commit survives power loss: the log's folder entry too.
    if (this.durability === 'full') syncPath(dirname(this.path));
    return log;
  }

  /**
   * Copies the image into the database file in place and deletes the log. Readers
   * stay whole meanwhile: every page that changes is also in the log they apply,
   * and the log's header tells them when it went.
   */
  private checkpoint(lock: HeldLock): void {
    const snapshot = this.snapshot!;
    this.assertStillCurrent(lock, snapshot);
    assertLogRemovable(this.path); // a planted -wal/-shm stops the checkpoint before the database is written
    const sync = this.durability !== 'none';
    try {
      // The log must be on disk before the database changes, the database before the log goes.
      if (sync && snapshot.log) syncLog(this.logPath);
      // Gone since the check above: a tool that ignores the lock deleted it; start again from the files.
      if (!writeInPlace(this.path, snapshot.image, readImageHeader(snapshot.image, this.path).pageSize, sync)) throw new LockLostError(lock.lockPath);
      removeLog(this.path);
    } catch (error) {
      // A commit just appended is in the log, which stays whole and applied by every
      // reader: on a full disk its checkpoint waits for a later commit or close().
      if (!this.closed && snapshot.log && error instanceof FileSystemError) {
        this.snapshot = undefined;
        return;
      }
      throw error;
    }
    this.snapshot = { file: currentIdentity(this.path), image: snapshot.image, log: undefined, logHeader: undefined, nativeWal: false };
  }

  /**
   * Leaves a plain database file behind this process, unless another process is busy
   * with it: that one does so when it closes (the last writer out checkpoints).
   */
  private async checkpointOnClose(): Promise<void> {
    if (this.othersWrote) {
      // Another writer at work takes the lock within moments of this process letting it go.
      this.dropLease();
      await new Promise((resolve) => setTimeout(resolve, HANDOVER_MS));
      if (lockStateOf(this.path, this.timing.staleThreshold) === 'held') return;
    }
    const taken = await this.takeLock(() => readLogHeader(this.logPath) === undefined).catch(() => undefined);
    if (!taken) return;
    try {
      this.refresh();
      if (this.snapshot!.log) this.checkpoint(taken.lock);
    } catch (error) {
      // A file a newer version migrated is for that version to checkpoint.
      if (!(error instanceof SchemaTooNewError)) throw error;
    } finally {
      taken.lock.release();
    }
  }

  /** The lock left by the previous transaction when still fresh, else a newly acquired one. */
  private async takeLock(unneeded?: () => boolean): Promise<{ lock: HeldLock; acquiredAt: number } | undefined> {
    const lease = this.lease;
    this.lease = undefined;
    if (lease && Date.now() - lease.acquiredAt < LEASE_MS) return lease;
    if (lease) {
      lease.lock.release();
      // Held for a whole lease while others waited long: compete with them on equal terms.
      if (othersWaiting(lease.lock.lockPath)) await wakeJitter();
    }
    const lock = unneeded ? await acquireLock(this.path, this.timing, unneeded) : await acquireLock(this.path, this.timing);
    return lock && { lock, acquiredAt: Date.now() };
  }

  /**
   * Keeps the lock for the next transaction when it starts before the event loop turns,
   * or when it is already queued (it lets the host's macrotasks run first, see queue.ts):
   * released at the first turn with none queued, or once the lease is over.
   */
  private offerLease(lock: HeldLock, acquiredAt: number): void {
    const lease = { lock, acquiredAt };
    this.lease = lease;
    const endAtTurn = () => {
      if (this.lease !== lease) return;
      if (this.queuedTransactions > 0 && Date.now() - acquiredAt < LEASE_MS) setImmediate(endAtTurn);
      else this.dropLease();
    };
    setImmediate(endAtTurn);
  }

  private dropLease(): void {
    this.lease?.lock.release();
    this.lease = undefined;
  }

  /** Refuses to write when another process took the lock over or wrote meanwhile: the files must be as `base` saw them. */
  private assertStillCurrent(lock: HeldLock, base: Snapshot, logHeader = readLogHeader(this.logPath)): void {
    if (!lock.stillOwned() || currentIdentity(this.path) !== base.file || !sameBytes(logHeader, base.logHeader)) {
      throw new LockLostError(lock.lockPath);
    }
  }

  /** Makes the memory copy match the files on disk, reading only what changed. */
  private refresh(): SqlDatabase {
    for (let attempt = 1; ; attempt++) {
      const updated = this.readChanges();
      if (updated) return updated;
      // A checkpoint changed the files while they were read: read them again.
      if (attempt >= READ_RETRIES) throw new CorruptDatabaseError(this.path, 'its write-ahead log kept changing while it was read');
      if (attempt > 10) Atomics.wait(PAUSE, 0, 0, 1);
    }
  }

  /** The up-to-date database, or undefined when the files changed under the read and it must be retried. */
  private readChanges(): SqlDatabase | undefined {
    const cached = this.snapshot;
    // Most often the database file is as it was and the log at most grew: read just that.
    if (cached && this.db && cached.file !== ABSENT && currentIdentity(this.path) === cached.file) {
      const log = readLogAndTail(this.logPath, cached.log?.end.offset);
      if (sameBytes(log?.header, cached.logHeader)) return cached.log && log ? this.applyNewFrames(cached, cached.log, log.tail) : this.db;
    }
    const headerBefore = readLogHeader(this.logPath);
    // Not through a link: the lock and the log beside a link are not those of the file it points to.
    const fd = openRegularFile(this.path, OPEN_READ, 'read the database');
    if (fd === undefined) {
      // No database: a log beside it belongs to a deleted one and means nothing.
      if (this.snapshot?.file !== ABSENT || !this.db) this.replace(this.configure(this.newDatabase(), this.pageSize), { file: ABSENT, image: new Uint8Array(0), log: undefined, logHeader: headerBefore, nativeWal: false });
      return this.db!;
    }
    try {
      let file: string;
      let bytes: Uint8Array;
      try {
        file = identityOf(fstatSync(fd, { bigint: true }));
        bytes = readFileSync(fd);
      } catch (error) {
        throw fileSystemError(error, this.path, 'read the database');
      }
      // The same header before the database was read and on the log read whole: no checkpoint came between.
      const log = readLogAndTail(this.logPath, 0);
      if (!sameBytes(log?.header, headerBefore)) return undefined;
      const next = this.loadImage(bytes, log?.tail, file, headerBefore);
      // A trusted copy (e.g. after another process's checkpoint) moves by the pages that differ.
      this.snapshot = undefined;
      const pageSize = readImageHeader(next.image, this.path).pageSize;
      this.moveMemoryCopy(next, cached && this.db ? changedPageNumbers(cached.image, next.image, pageSize) : undefined, cached && cacheStamp(cached.image), pageSize);
      return this.db!;
    } finally {
      closeSync(fd);
    }
  }

  /** Applies the frames committed since `log.end`; `tail` holds the log from there on. */
  private applyNewFrames(cached: Snapshot, log: LogState, tail: Uint8Array): SqlDatabase {
    const committed = scanCommitted(tail, log.end.offset, log.header, log.end);
    if (committed.pageCount === 0) return this.db!;
    const pageSize = log.header.pageSize;
    const pages = committedPages(tail, log.end.offset, committed, pageSize);
    const versionsBefore = cacheStamp(cached.image);
    const shrinks = committed.pageCount * pageSize < cached.image.length;
    this.snapshot = undefined; // the image changes in place: if anything below fails, the next call reloads from the files
    const image = withPages(cached.image, pages, committed.pageCount, pageSize);
    this.moveMemoryCopy({ ...cached, image, log: { ...log, end: committed.end } }, shrinks ? undefined : [...pages.keys()], versionsBefore, pageSize);
    return this.db!;
  }

  /**
   * Makes the sql.js copy hold `next.image`, given which pages differ from what it
   * holds now (`versionsBefore`: its cacheStamp()): they are written into its file,
   * or, when that cannot be (the file shrank, no trusted copy), a new copy is opened.
   */
  private moveMemoryCopy(next: Snapshot, changed: number[] | undefined, versionsBefore: Uint8Array | undefined, pageSize: number): void {
    const memory = this.db && this.memoryFiles.get(this.db);
    if (!changed || !versionsBefore || !memory?.reachable) {
      this.replace(this.openImage(next.image), next);
      return;
    }
    const pageCount = next.image.length / pageSize;
    const written = new Set(changed);
    // SQLite keeps its cached pages while header bytes 24–39 stay the same (a native writer's frames may leave them).
    if (written.size > 0 && sameBytes(cacheStamp(next.image), versionsBefore)) {
      markChanged(next.image, pageCount);
      written.add(1);
    }
    for (const pageNumber of written) {
      if (pageNumber <= pageCount) memory.write((pageNumber - 1) * pageSize, pageOf(next.image, pageNumber, pageSize));
    }
    if (written.size > 0) {
      this.othersWrote = true;
      // A newer process may have migrated the file (a migration need not change the schema); pages damaged on disk show here.
      guardCorruption(this.path, () => {
        releaseCache(this.db!);
        this.assertKnownSchema(this.db!);
      });
    }
    this.snapshot = next;
  }

  /** The database file with its log applied, checked before sql.js sees it. */
  private loadImage(bytes: Uint8Array, logBytes: Uint8Array | undefined, file: string, logHeader: Uint8Array | undefined): Snapshot {
    // The file alone may be caught mid-checkpoint; only the image with its log applied must be whole.
    const fileHeader = readImageHeader(bytes, this.path, { partial: true });
    const { image, log } = applyWal(bytes, logBytes ?? new Uint8Array(0), this.path);
    readImageHeader(image, this.path);
    // The next write turns a native WAL-mode file into a plain one, its log gone: it must be whole first.
    if (fileHeader.walMode) this.assertWhole(image);
    const logState = log && { ...log, headerBytes: logBytes!.slice(0, WAL_HEADER_SIZE) };
    return { file, image, log: logState, logHeader, nativeWal: fileHeader.walMode };
  }

  /** SQLite's quick_check on a scratch copy of `image`: anything but "ok" is damage. */
  private assertWhole(image: Uint8Array): void {
    const scratch = new this.sql.Database(image);
    try {
      const verdict = guardCorruption(this.path, () => scratch.exec('PRAGMA quick_check'))
        .flatMap((result) => result.values.map((row) => String(row[0])));
      if (verdict.join() !== 'ok') throw new CorruptDatabaseError(this.path, `SQLite's quick_check found: ${verdict.slice(0, 3).join('; ')}`);
    } finally {
      scratch.close();
    }
  }

  private openImage(image: Uint8Array): SqlDatabase {
    let db: SqlDatabase;
    try {
      db = this.newDatabase(image);
    } catch (error) {
      throw new CorruptDatabaseError(this.path, describe(error));
    }
    try {
      guardCorruption(this.path, () => {
        db.exec('SELECT count(*) FROM sqlite_master');
        this.assertKnownSchema(db);
      });
      return this.configure(db);
    } catch (error) {
      this.closeDatabase(db);
      throw error;
    }
  }

  /** Refuses a file migrated past the versions this code knows. */
  private assertKnownSchema(db: SqlDatabase): void {
    const fileVersion = recordedVersion(db);
    if (this.knownVersion !== undefined && fileVersion > this.knownVersion) throw new SchemaTooNewError(this.path, fileVersion, this.knownVersion);
  }

  /** A sql.js database (empty without `image`) whose in-memory file is watched from the start. */
  private newDatabase(image?: Uint8Array): SqlDatabase {
    const db = new this.sql.Database(image);
    this.memoryFiles.set(db, watchFile(this.sql, db));
    return db;
  }

  private closeDatabase(db: SqlDatabase): void {
    this.memoryFiles.get(db)?.release();
    db.close();
  }

  /**
   * The in-memory file needs neither a journal file nor syncs (the log on disk is what
   * lasts), and no lock taken and checked again at every transaction: SQLite holds it
   * and keeps its cache until releaseCache(). A new, empty database gets `pageSize`.
   */
  private configure(db: SqlDatabase, pageSize?: number): SqlDatabase {
    db.exec(`PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE${pageSize ? `; PRAGMA page_size = ${pageSize}` : ''}`);
    return db;
  }

  private replace(db: SqlDatabase, snapshot: Snapshot): void {
    if (this.db && this.db !== db) this.closeDatabase(this.db);
    this.db = db;
    this.snapshot = snapshot;
  }

  private assertOpen(): void {
    if (this.closed) throw new DatabaseClosedError(this.path);
  }
}

/**
 * Runs `fn` between `begin` and COMMIT and returns where SQLite wrote to its in-memory
 * file meanwhile (nowhere: nothing changed). `fn` must not end the transaction itself.
 * The statements are prepared once per database copy: changing a connection setting
 * such as query_only instead would make SQLite prepare every statement again.
 */
function runInTransaction<T>(filePath: string, db: SqlDatabase, memory: MemoryFile, begin: 'BEGIN' | 'BEGIN IMMEDIATE', fn: (db: SqlDatabase) => T): { result: T; writes: Map<number, number> } {
  execute(db, begin);
  return memory.recording(() => {
    let result: T;
    try {
      result = guardCorruption(filePath, () => fn(db));
    } catch (error) {
      execute(db, 'ROLLBACK');
      throw error;
    }
    // Even a read's COMMIT can meet a page damaged under an open process.
    guardCorruption(filePath, () => execute(db, 'COMMIT'));
    return result;
  });
}

/**
 * Makes SQLite, which holds its file exclusively and trusts its cached pages, let go
 * once: released and taken again, the file's lock is where SQLite compares header
 * bytes 24–39 and the file's size with what it cached, and drops its cache if they changed.
 */
function releaseCache(db: SqlDatabase): void {
  execute(db, 'PRAGMA locking_mode = NORMAL');
  selectOne(db, 'PRAGMA schema_version'); // an access, after which the lock goes
  execute(db, 'PRAGMA locking_mode = EXCLUSIVE');
}

/** SQLite's "malformed", "not a database", "unsupported file format" and "same text encoding" (header bytes out of range) errors mean the file is damaged. */
function guardCorruption<T>(filePath: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (/malformed|not a database|file is encrypted|unsupported file format|same text encoding/i.test(describe(error))) throw new CorruptDatabaseError(filePath, describe(error));
    throw error;
  }
}

/** Lets a read that must retry wait a millisecond without giving up its synchronous flow. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

function frameCount(log: LogState): number {
  return (log.end.offset - WAL_HEADER_SIZE) / (FRAME_HEADER_SIZE + log.header.pageSize);
}

/** The database file's identity without following a link (refused with UnsafePathError), ABSENT when there is none. */
function currentIdentity(filePath: string): string {
  const stats = regularFileStats(filePath, 'inspect the database');
  return stats ? identityOf(stats) : ABSENT;
}


/** The database's folder, made when absent; it may be reached through a link, but must be a folder. */
function ensureFolder(folder: string, mode: number): void {
  try {
    const firstCreated = mkdirSync(folder, { recursive: true, mode });
    // mkdir's mode passes through the umask; the folder we made must have exactly the mode asked for.
    if (firstCreated) chmodSync(folder, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      const stats = statSync(folder, { throwIfNoEntry: false });
      if (stats && !stats.isDirectory()) throw new UnsafePathError(folder, entryKind(stats), 'folder');
    }
    throw fileSystemError(error, folder, 'create the folder');
  }
}
