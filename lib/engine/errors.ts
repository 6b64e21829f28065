// Typed errors with stable codes. Every error this package raises on purpose is an
// AgentFarmStateError; `code` is what callers branch on, `message` is for people.
// This file holds the base class and the engine's own errors (about one SQLite file,
// its lock and its side files); the domains' errors extend the same base with codes
// of their own (lib/shared/errors.ts).

/** The codes of the engine's errors. */
export type EngineErrorCode =
  | 'E_WASM_LOAD'
  | 'E_BUSY'
  | 'E_LOCK_LOST'
  | 'E_CLOSED'
  | 'E_NOT_SQLITE'
  | 'E_CORRUPT'
  | 'E_SCHEMA_TOO_NEW'
  | 'E_CONSTRAINT'
  | 'E_INVALID_INPUT'
  | 'E_READ_ONLY'
  | 'E_UNSAFE_PATH'
  | 'E_PERMISSION'
  | 'E_NO_SPACE'
  | 'E_IO'
  | 'E_UNKNOWN_SCHEMA';

/**
 * The base of every error of the package. `Code` is the union of codes a subclass
 * raises: the engine's (EngineErrorCode), or a domain's own.
 */
export class AgentFarmStateError<Code extends string = string> extends Error {
  readonly code: Code;
  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The sql.js WebAssembly could not be read or compiled. */
export class WasmLoadError extends AgentFarmStateError<EngineErrorCode> {
  constructor(
    readonly wasmPath: string,
    cause: unknown,
  ) {
    super(
      'E_WASM_LOAD',
      `cannot load the SQLite WebAssembly from ${wasmPath}: ${messageOf(cause)}. Reinstall the package, or point the wasmPath option or AF_SQLJS_WASM at a sql-wasm.wasm from sql.js.`,
      { cause },
    );
  }
}

/** The file's lock stayed held by another process for the whole busy timeout. */
export class BusyError extends AgentFarmStateError<EngineErrorCode> {
  constructor(
    readonly lockPath: string,
    readonly waitedMs: number,
  ) {
    super(
      'E_BUSY',
      `database is busy: the lock ${lockPath} stayed held by another process for ${waitedMs} ms. Retry later, or raise the busyTimeout option.`,
    );
  }
}

/** This process lost its lock (it was paused past the stale threshold) more times than it retries. */
export class LockLostError extends AgentFarmStateError<EngineErrorCode> {
  constructor(readonly lockPath: string) {
    super(
      'E_LOCK_LOST',
      `lost the lock ${lockPath} before publishing (this process was paused longer than the stale threshold); nothing was written. Retry, or raise the staleThreshold option.`,
    );
  }
}

/** A call came after close(). */
export class DatabaseClosedError extends AgentFarmStateError<EngineErrorCode> {
  constructor(readonly filePath: string) {
    super('E_CLOSED', `the database ${filePath} was closed in this process; open it again to use it.`);
  }
}

/** A read-only query tried to change the database, the connection, or ran more than one statement. */
export class ReadOnlyError extends AgentFarmStateError<EngineErrorCode> {
  constructor(
    readonly filePath: string,
    reason: string,
  ) {
    super('E_READ_ONLY', `refused: ${reason}. Queries are read-only; ${filePath} was not changed.`);
  }
}

/** The file is not an SQLite database at all. */
export class NotSqliteError extends AgentFarmStateError<EngineErrorCode> {
  constructor(
    readonly filePath: string,
    reason: string,
  ) {
    super(
      'E_NOT_SQLITE',
      `${filePath} is not an SQLite database (${reason}); it was left untouched. Move it aside if it is not yours.`,
    );
  }
}

/** The file is an SQLite database, but damaged: truncated, malformed, or unreadable by SQLite. */
export class CorruptDatabaseError extends AgentFarmStateError<EngineErrorCode> {
  constructor(
    readonly filePath: string,
    reason: string,
  ) {
    super(
      'E_CORRUPT',
      `${filePath} is damaged (${reason}); it was left untouched. Restore it from a backup or move it aside.`,
    );
  }
}

/** The file was written by a newer version of this package. */
export class SchemaTooNewError extends AgentFarmStateError<EngineErrorCode> {
  constructor(
    readonly filePath: string,
    readonly fileVersion: number,
    readonly knownVersion: number,
  ) {
    super(
      'E_SCHEMA_TOO_NEW',
      `${filePath} has schema version ${fileVersion}, but this version of the package knows only up to ${knownVersion}; it was left untouched. Upgrade the package.`,
    );
  }
}

/** A row broke a constraint of the schema: a taken port or id, a value outside its allowed set, a missing field. */
export class ConstraintError extends AgentFarmStateError<EngineErrorCode> {
  constructor(
    readonly table: string,
    readonly field: string,
    readonly value: unknown,
    readonly rule: 'unique' | 'check' | 'not null',
    detail: string,
  ) {
    super('E_CONSTRAINT', `${table}.${field} = ${JSON.stringify(value ?? null)} ${detail}; nothing was written.`);
  }
}

/** An argument or setting the caller passed is not usable. */
export class InvalidInputError extends AgentFarmStateError<EngineErrorCode> {
  constructor(message: string) {
    super('E_INVALID_INPUT', message);
  }
}

/** A path the engine or the farm creates, writes or deletes is a symbolic link or not the kind of entry it must be. */
export class UnsafePathError extends AgentFarmStateError<EngineErrorCode> {
  constructor(
    readonly path: string,
    readonly found: string,
    readonly expected: 'file' | 'folder',
  ) {
    super(
      'E_UNSAFE_PATH',
      `refusing to use ${path}: it is ${found}, where agent-farm keeps a ${expected === 'file' ? 'regular file' : 'folder'} of its own; nothing was written or deleted. Check what it is (a cloned repository may have planted it), remove it, and try again.`,
    );
  }
}

/** An operating-system error on one of our files, by the errno code it carries. */
export type FileSystemErrorCode = 'E_PERMISSION' | 'E_NO_SPACE' | 'E_IO';

/** A file operation failed for a reason outside the program: no permission, no space, a read-only or failing disk. */
export class FileSystemError extends AgentFarmStateError<EngineErrorCode> {
  constructor(
    code: FileSystemErrorCode,
    readonly path: string,
    readonly action: string,
    readonly errno: string,
    advice: string,
    cause: unknown,
  ) {
    super(code, `cannot ${action} ${path}: ${errno} (${messageOf(cause)}). ${advice}`, { cause });
  }
}

/**
 * Turns a raw Node.js file-system error into a typed one naming the path and what to do;
 * anything else (already typed, or not an OS error) is returned as it was.
 */
export function fileSystemError(error: unknown, path: string, action: string): unknown {
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof AgentFarmStateError || typeof errno !== 'string') return error;
  switch (errno) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new FileSystemError(
        'E_NO_SPACE',
        path,
        action,
        errno,
        'Free some space on that disk and try again; committed data is intact.',
        error,
      );
    case 'EACCES':
    case 'EPERM':
      return new FileSystemError(
        'E_PERMISSION',
        path,
        action,
        errno,
        'Check the owner and mode of the file and its folder (ls -ld), or run as the user who owns them.',
        error,
      );
    case 'EROFS':
      return new FileSystemError(
        'E_PERMISSION',
        path,
        action,
        errno,
        'The file system is mounted read-only; remount it writable or use a state folder elsewhere (AF_STATE_DIR).',
        error,
      );
    case 'EIO':
    case 'ENXIO':
    case 'EFBIG':
      return new FileSystemError(
        'E_IO',
        path,
        action,
        errno,
        'The disk reported an error; check it (dmesg) before trusting new writes.',
        error,
      );
    default:
      return error;
  }
}

/** The message of anything thrown: an Error's message, else its text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A file holds tables, but not the schema this package would create or adopt there. */
export class UnknownSchemaError extends AgentFarmStateError<EngineErrorCode> {
  constructor(
    readonly filePath: string,
    readonly differences: readonly string[],
  ) {
    super(
      'E_UNKNOWN_SCHEMA',
      `${filePath} holds tables of an unknown layout (${differences.join('; ')}); it was left untouched. Either another program wrote it, or its schema is damaged: open it with the program that wrote it, restore it from a backup, or move it aside to start anew.`,
    );
  }
}
