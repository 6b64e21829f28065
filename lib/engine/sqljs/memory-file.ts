// sql.js keeps each database in a file of Emscripten's in-memory file system and
// does not expose that file system. Reaching the file's read and write operations
// lets a commit take just the pages SQLite wrote, with no copy of the whole
// database to export and compare, and lets another process's commit be written
// into the file page by page, with no new copy of the database to open.
import type { SqlDatabase, SqlJsStatic } from './types.js';

/** The file operations Emscripten's in-memory file system shares among all its files. */
interface FileOperations {
  read(stream: OpenFile, buffer: ArrayBufferView, offset: number, length: number, position: number): number;
  write(
    stream: OpenFile,
    buffer: ArrayBufferView,
    offset: number,
    length: number,
    position: number,
    canOwn?: boolean,
  ): number;
}

/** An open file of that file system, as SQLite holds it; `path` is "/" + the sql.js database's `filename`. */
interface OpenFile {
  readonly path: string;
}

/** One sql.js database's file, watched from the moment SQLite first reads or writes it. */
export class MemoryFile {
  /** SQLite's own open file, known after its first read or write. */
  private stream: OpenFile | undefined;
  /** Where SQLite wrote during recording(): lengths by file position. */
  private recorded: Map<number, number> | undefined;

  constructor(
    private readonly tap: FileSystemTap,
    readonly path: string,
  ) {}

  /** Runs `fn` and returns with its result where SQLite wrote to the file meanwhile: lengths by position. */
  recording<T>(fn: () => T): { result: T; writes: Map<number, number> } {
    const writes = new Map<number, number>();
    this.recorded = writes;
    try {
      return { result: fn(), writes };
    } finally {
      this.recorded = undefined;
    }
  }

  /** SQLite opened the file (read or wrote it), so write() can reach it. */
  get reachable(): boolean {
    return this.stream !== undefined;
  }

  /**
   * Writes `bytes` at `position` of the file, under SQLite, which notices at its
   * next transaction only if header bytes 24–39 changed. Needs `reachable`.
   */
  write(position: number, bytes: Uint8Array): void {
    this.tap.operations.write(this.openFile(), bytes, 0, bytes.length, position);
  }

  /** Copies `length` bytes at `position` of the file into `target` at the same position; returns how many there were. Needs `reachable`. */
  readInto(target: Uint8Array, position: number, length: number): number {
    return this.tap.operations.read(this.openFile(), target, position, length, position);
  }

  /** Stops watching: the database was closed. */
  release(): void {
    this.tap.files.delete(this.path);
  }

  /** Called by the tap for every read and write of this file. */
  observe(stream: OpenFile, length: number, position: number, wrote: boolean): void {
    this.stream = stream;
    if (wrote && this.recorded) this.recorded.set(position, Math.max(length, this.recorded.get(position) ?? 0));
  }

  private openFile(): OpenFile {
    if (!this.stream) throw new Error(`${this.path} is not open in SQLite yet`);
    return this.stream;
  }
}

/** The wrapped file operations of one loaded sql.js module, and the files watched through them. */
class FileSystemTap {
  readonly files = new Map<string, MemoryFile>();

  constructor(readonly operations: FileOperations) {
    const { read, write } = operations;
    const files = this.files;
    // Wrapped in place: every in-memory file, open now or later, uses this one object.
    operations.read = function (stream, buffer, offset, length, position) {
      files.get(stream.path)?.observe(stream, length, position, false);
      return read.call(this, stream, buffer, offset, length, position);
    };
    operations.write = function (stream, buffer, offset, length, position, canOwn) {
      files.get(stream.path)?.observe(stream, length, position, true);
      return write.call(this, stream, buffer, offset, length, position, canOwn);
    };
  }
}

const taps = new WeakMap<SqlJsStatic, FileSystemTap>();

/**
 * Reaches the file operations of a freshly loaded sql.js module. They show up in one
 * place only: sql.js's export() derives its private copy's operations from them with
 * Object.create(), before it does any work; the export is stopped right there.
 * Fails (the caller reports sql.js as unusable) if that changed.
 */
export function tapFileSystem(sql: SqlJsStatic): void {
  if (taps.has(sql)) return;
  const probe = new sql.Database();
  const create = Object.create;
  const found = new Error('file operations found');
  let operations: FileOperations | undefined;
  Object.create = ((prototype: object | null, properties?: PropertyDescriptorMap) => {
    if (!operations && isFileOperations(prototype)) {
      operations = prototype;
      throw found; // export() cleans up its private copy on the way out
    }
    return properties === undefined ? create(prototype) : create(prototype, properties);
  }) as typeof Object.create;
  try {
    probe.export();
  } catch (error) {
    if (error !== found) throw error;
  } finally {
    Object.create = create;
    probe.close();
  }
  if (!operations)
    throw new Error(
      'this sql.js build does not show its in-memory file operations through export(); it is not the sql.js version this package was built with',
    );
  taps.set(sql, new FileSystemTap(operations));
}

/** Starts watching `db`'s file; tapFileSystem(sql) must have run. */
export function watchFile(sql: SqlJsStatic, db: SqlDatabase): MemoryFile {
  const tap = taps.get(sql);
  if (!tap) throw new Error('tapFileSystem() was not called for this sql.js module');
  const path = `/${(db as unknown as { filename: string }).filename}`;
  const file = new MemoryFile(tap, path);
  tap.files.set(path, file);
  return file;
}

function isFileOperations(value: unknown): value is FileOperations {
  const candidate = value as Partial<FileOperations> | null;
  return typeof candidate?.read === 'function' && typeof candidate.write === 'function';
}
