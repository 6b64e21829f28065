// The in-memory sql.js copy of the database and how it follows the files on disk:
// whenever they changed, it is brought up to date, reading only the new part of the
// log when it can and writing just the pages that changed into sql.js's file; when it
// cannot, a new copy is opened from the database with its log applied.
import { closeSync, fstatSync, readFileSync } from 'node:fs';
import { CorruptDatabaseError, messageOf, fileSystemError } from './errors.js';
import { cacheStamp, markChanged, readImageHeader } from './format/header.js';
import { changedPageNumbers, pageOf, sameBytes, withPages } from './format/pages.js';
import { applyWal, committedPages, scanCommitted, WAL_HEADER_SIZE } from './format/wal.js';
import { readLogHeader, type LogState } from './io/log-file.js';
import { OpenLog } from './io/open-log.js';
import { identityOf } from './io/publish.js';
import { OPEN_READ, openRegularFile } from './io/safe-files.js';
import { SchemaVersionGuard } from './schema-version-guard.js';
import { ABSENT, currentIdentity, type Snapshot } from './snapshot.js';
import { watchFile, type MemoryFile } from './sqljs/memory-file.js';
import type { SqlDatabase, SqlJsStatic } from './sqljs/types.js';
import { guardCorruption, releaseCache } from './transaction.js';

/** How often a read retries when a checkpoint changed the files while it read them. */
const READ_RETRIES = 100;
/** Lets a read that must retry wait a millisecond without giving up its synchronous flow. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** What the sql.js copy's file holds before it moves: its cache stamp (see header.ts) and its length. */
interface HeldImage {
  stamp: Uint8Array;
  length: number;
}

function heldNow(image: Uint8Array): HeldImage {
  return { stamp: cacheStamp(image), length: image.length };
}

export class MemoryCopy {
  private db: SqlDatabase | undefined;
  /** The file sql.js keeps each database copy in: what a commit wrote, and where another process's commit is written. */
  private readonly memoryFiles = new WeakMap<SqlDatabase, MemoryFile>();
  /** Undefined when the memory copy matches nothing on disk: reload before the next use. */
  private snapshot: Snapshot | undefined;
  private othersCommitted = false;
  /** The log, kept open between calls; commits append through it too. */
  readonly log: OpenLog;
  /** Refuses a file migrated past the versions this code knows. */
  private readonly schemaVersion: SchemaVersionGuard;

  constructor(
    private readonly path: string,
    private readonly logPath: string,
    private readonly sql: SqlJsStatic,
    /** The page size of a new database. */
    private readonly pageSize: number,
    /** The newest schema version this code knows; undefined: any. */
    knownVersion: number | undefined,
  ) {
    this.log = new OpenLog(logPath);
    this.schemaVersion = new SchemaVersionGuard(path, knownVersion);
  }

  /** What the memory copy was made from; undefined when it must be reloaded from the files before use. */
  get current(): Snapshot | undefined {
    return this.snapshot;
  }

  /** Other processes committed while this one had the file open: they may still be at work when it closes. */
  get othersWrote(): boolean {
    return this.othersCommitted;
  }

  /** Forgets what the memory copy was made from: it is not trusted (a failure left it ahead of or apart from the files). */
  drop(): void {
    this.snapshot = undefined;
  }

  /** The memory copy now holds what `snapshot` says, e.g. once a commit wrote it to disk. */
  matches(snapshot: Snapshot): void {
    this.snapshot = snapshot;
  }

  /** The memory copy as it was last made to match the files, without looking at them; undefined when it must be refreshed. */
  trusted(): SqlDatabase | undefined {
    return this.snapshot && this.db;
  }

  /** The in-memory file of `db`, a copy this returned. */
  memoryOf(db: SqlDatabase): MemoryFile {
    return this.memoryFiles.get(db)!;
  }

  /** Makes the memory copy match the files on disk, reading only what changed. */
  refresh(): SqlDatabase {
    for (let attempt = 1; ; attempt++) {
      const updated = this.readChanges();
      if (updated) return updated;
      // A checkpoint changed the files while they were read: read them again.
      if (attempt >= READ_RETRIES)
        throw new CorruptDatabaseError(this.path, 'its write-ahead log kept changing while it was read');
      if (attempt > 10) Atomics.wait(PAUSE, 0, 0, 1);
    }
  }

  /** Frees the sql.js copy's memory. */
  close(): void {
    this.log.close();
    if (this.db) this.closeDatabase(this.db);
    this.db = undefined;
  }

  /** The up-to-date database, or undefined when the files changed under the read and it must be retried. */
  private readChanges(): SqlDatabase | undefined {
    const cached = this.snapshot;
    // Most often the database file is as it was and the log at most grew: read just that.
    if (cached && this.db && cached.fileIdentity !== ABSENT && currentIdentity(this.path) === cached.fileIdentity) {
      const log = this.log.readHeaderAndTail(cached.log?.end.offset);
      if (sameBytes(log?.header, cached.logHeader)) {
        return cached.log && log ? this.applyNewFrames(cached, cached.log, log.tail) : this.db;
      }
    }
    const headerBefore = readLogHeader(this.logPath);
    // Not through a link: the lock and the log beside a link are not those of the file it points to.
    const fd = openRegularFile(this.path, OPEN_READ, 'read the database');
    if (fd === undefined) {
      // No database: a log beside it belongs to a deleted one and means nothing.
      if (this.snapshot?.fileIdentity !== ABSENT || !this.db) {
        const empty = {
          fileIdentity: ABSENT,
          image: new Uint8Array(0),
          log: undefined,
          logHeader: headerBefore,
          nativeWal: false,
        };
        this.replace(this.configure(this.newDatabase(), this.pageSize), empty);
      }
      return this.db!;
    }
    try {
      let fileIdentity: string;
      let bytes: Uint8Array;
      try {
        fileIdentity = identityOf(fstatSync(fd, { bigint: true }));
        bytes = readFileSync(fd);
      } catch (error) {
        throw fileSystemError(error, this.path, 'read the database');
      }
      // The same header before the database was read and on the log read whole: no checkpoint came between.
      const log = this.log.readHeaderAndTail(0);
      if (!sameBytes(log?.header, headerBefore)) return undefined;
      const next = this.loadImage(bytes, log?.tail, fileIdentity, headerBefore);
      // A trusted copy (e.g. after another process's checkpoint) moves by the pages that differ.
      this.drop();
      const pageSize = readImageHeader(next.image, this.path).pageSize;
      const changed = cached && this.db ? changedPageNumbers(cached.image, next.image, pageSize) : undefined;
      this.moveMemoryCopy(next, changed, cached && heldNow(cached.image), pageSize);
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
    const before = heldNow(cached.image);
    const shrinks = committed.pageCount * pageSize < cached.image.length;
    this.drop(); // the image changes in place: if anything below fails, the next call reloads from the files
    const image = withPages(cached.image, pages, committed.pageCount, pageSize);
    const next = { ...cached, image, log: { ...log, end: committed.end } };
    this.moveMemoryCopy(next, shrinks ? undefined : [...pages.keys()], before, pageSize);
    return this.db!;
  }

  /**
   * Makes the sql.js copy hold `next.image`, given which pages differ from what it
   * holds now (`before`): they are written into its file, or, when that cannot be
   * (the file shrank, no trusted copy), a new copy is opened.
   */
  private moveMemoryCopy(
    next: Snapshot,
    changed: number[] | undefined,
    before: HeldImage | undefined,
    pageSize: number,
  ): void {
    const memory = this.db && this.memoryFiles.get(this.db);
    if (!changed || !before || !memory?.reachable) {
      this.replace(this.openImage(next.image, pageSize), next);
      return;
    }
    const pageCount = next.image.length / pageSize;
    const lengthChanged = next.image.length !== before.length;
    const written = new Set(changed);
    // Locking the file again, SQLite keeps its cached pages while the cache stamp stays the same (a native writer's frames may leave it).
    if (lengthChanged && written.size > 0 && sameBytes(cacheStamp(next.image), before.stamp)) {
      markChanged(next.image, pageCount);
      written.add(1);
    }
    for (const pageNumber of written) {
      if (pageNumber <= pageCount) memory.write((pageNumber - 1) * pageSize, pageOf(next.image, pageNumber, pageSize));
    }
    if (written.size > 0) {
      this.othersCommitted = true;
      // A newer process may have migrated the file (a migration need not change the schema); pages damaged on disk show here.
      guardCorruption(this.path, () => {
        releaseCache(this.db!, lengthChanged);
        this.schemaVersion.assertKnownAfter(this.db!, next.image, pageSize, written);
      });
    }
    this.snapshot = next;
  }

  /** The database file with its log applied, checked before sql.js sees it. */
  private loadImage(
    bytes: Uint8Array,
    logBytes: Uint8Array | undefined,
    fileIdentity: string,
    logHeader: Uint8Array | undefined,
  ): Snapshot {
    // The file alone may be caught mid-checkpoint; only the image with its log applied must be whole.
    const fileHeader = readImageHeader(bytes, this.path, { partial: true });
    const { image, log } = applyWal(bytes, logBytes ?? new Uint8Array(0), this.path);
    readImageHeader(image, this.path);
    // The next write turns a native WAL-mode file into a plain one, its log gone: it must be whole first.
    if (fileHeader.walMode) this.assertWhole(image);
    const logState = log && { ...log, headerBytes: logBytes!.slice(0, WAL_HEADER_SIZE) };
    return { fileIdentity, image, log: logState, logHeader, nativeWal: fileHeader.walMode };
  }

  /** SQLite's quick_check on a scratch copy of `image`: anything but "ok" is damage. */
  private assertWhole(image: Uint8Array): void {
    const scratch = new this.sql.Database(image);
    try {
      const verdict = guardCorruption(this.path, () => scratch.exec('PRAGMA quick_check')).flatMap((result) =>
        result.values.map((row) => String(row[0])),
      );
      if (verdict.join() !== 'ok') {
        throw new CorruptDatabaseError(this.path, `SQLite's quick_check found: ${verdict.slice(0, 3).join('; ')}`);
      }
    } finally {
      scratch.close();
    }
  }

  private openImage(image: Uint8Array, pageSize: number): SqlDatabase {
    let db: SqlDatabase;
    try {
      db = this.newDatabase(image);
    } catch (error) {
      throw new CorruptDatabaseError(this.path, messageOf(error));
    }
    try {
      guardCorruption(this.path, () => {
        db.exec('SELECT count(*) FROM sqlite_master');
        this.schemaVersion.assertKnown(db, image, pageSize);
      });
      return this.configure(db);
    } catch (error) {
      this.closeDatabase(db);
      throw error;
    }
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
    const pageSizePragma = pageSize ? `; PRAGMA page_size = ${pageSize}` : '';
    db.exec(`PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE${pageSizePragma}`);
    return db;
  }

  private replace(db: SqlDatabase, snapshot: Snapshot): void {
    if (this.db && this.db !== db) this.closeDatabase(this.db);
    this.db = db;
    this.snapshot = snapshot;
  }
}
