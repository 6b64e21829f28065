// Typed errors with stable codes. Every error this package raises on purpose is an
// AgentFarmStateError; `code` is what callers branch on, `message` is for people.

export type ErrorCode =
  | 'E_WASM_LOAD'
  | 'E_BUSY'
  | 'E_LOCK_LOST'
  | 'E_CLOSED'
  | 'E_NOT_SQLITE'
  | 'E_CORRUPT'
  | 'E_SCHEMA_TOO_NEW'
  | 'E_CONSTRAINT'
  | 'E_INVALID_JSON'
  | 'E_INVALID_INPUT'
  | 'E_READ_ONLY'
  | 'E_PORTS_EXHAUSTED'
  | 'E_LAUNCH'
  | 'E_GIT'
  | 'E_UNSAFE_PATH'
  | 'E_PERMISSION'
  | 'E_NO_SPACE'
  | 'E_IO'
  | 'E_INTERRUPTED'
  | 'E_UNKNOWN_SCHEMA'
  | 'E_QUERY_LIMIT'
  | 'E_NO_DATABASE';

export class AgentFarmStateError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The sql.js WebAssembly could not be read or compiled. */
export class WasmLoadError extends AgentFarmStateError {
  constructor(readonly wasmPath: string, cause: unknown) {
    super('E_WASM_LOAD', `cannot load the SQLite WebAssembly from ${wasmPath}: ${describe(cause)}. Reinstall the package, or point the wasmPath option or AF_SQLJS_WASM at a sql-wasm.wasm from sql.js.`, { cause });
  }
}

/** The file's lock stayed held by another process for the whole busy timeout. */
export class BusyError extends AgentFarmStateError {
  constructor(readonly lockPath: string, readonly waitedMs: number) {
    super('E_BUSY', `database is busy: the lock ${lockPath} stayed held by another process for ${waitedMs} ms. Retry later, or raise the busyTimeout option.`);
  }
}

/** This process lost its lock (it was paused past the stale threshold) more times than it retries. */
export class LockLostError extends AgentFarmStateError {
  constructor(readonly lockPath: string) {
    super('E_LOCK_LOST', `lost the lock ${lockPath} before publishing (this process was paused longer than the stale threshold); nothing was written. Retry, or raise the staleThreshold option.`);
  }
}

/** A call came after close(). */
export class DatabaseClosedError extends AgentFarmStateError {
  constructor(readonly filePath: string) {
    super('E_CLOSED', `the database ${filePath} was closed in this process; open it again to use it.`);
  }
}

/** A read-only query tried to change the database, the connection, or ran more than one statement. */
export class ReadOnlyError extends AgentFarmStateError {
  constructor(readonly filePath: string, reason: string) {
    super('E_READ_ONLY', `refused: ${reason}. Queries are read-only; ${filePath} was not changed.`);
  }
}

/** The file is not an SQLite database at all. */
export class NotSqliteError extends AgentFarmStateError {
  constructor(readonly filePath: string, reason: string) {
    super('E_NOT_SQLITE', `${filePath} is not an SQLite database (${reason}); it was left untouched. Move it aside if it is not yours.`);
  }
}

/** The file is an SQLite database, but damaged: truncated, malformed, or unreadable by SQLite. */
export class CorruptDatabaseError extends AgentFarmStateError {
  constructor(readonly filePath: string, reason: string) {
    super('E_CORRUPT', `${filePath} is damaged (${reason}); it was left untouched. Restore it from a backup or move it aside.`);
  }
}

/** The file was written by a newer version of this package. */
export class SchemaTooNewError extends AgentFarmStateError {
  constructor(readonly filePath: string, readonly fileVersion: number, readonly knownVersion: number) {
    super('E_SCHEMA_TOO_NEW', `${filePath} has schema version ${fileVersion}, but this version of the package knows only up to ${knownVersion}; it was left untouched. Upgrade the package.`);
  }
}

/** A row broke a constraint of the schema: a taken port or id, a value outside its allowed set, a missing field. */
export class ConstraintError extends AgentFarmStateError {
  constructor(readonly table: string, readonly field: string, readonly value: unknown, readonly rule: 'unique' | 'check' | 'not null', detail: string) {
    super('E_CONSTRAINT', `${table}.${field} = ${JSON.stringify(value ?? null)} ${detail}; nothing was written.`);
  }
}

/** A JSON file to import is unreadable or does not have the expected shape. */
export class InvalidJsonError extends AgentFarmStateError {
  constructor(readonly filePath: string, reason: string) {
    super('E_INVALID_JSON', `${filePath} cannot be imported: ${reason}. The file was left as it was and nothing was imported; fix or move it, then try again.`);
  }
}

/** An argument or setting the caller passed is not usable. */
export class InvalidInputError extends AgentFarmStateError {
  constructor(message: string) {
    super('E_INVALID_INPUT', message);
  }
}

/** Every port block is allocated. */
export class PortsExhaustedError extends AgentFarmStateError {
  constructor(readonly blocks: number) {
    super('E_PORTS_EXHAUSTED', `all ${blocks} port blocks are allocated. Free blocks with "af ports cleanup" (removes projects whose folder is gone) or "af ports remove <path>".`);
  }
}

/** Every port of a range (a project's builder, util or annotation ports) is in use. */
export class PortRangeFullError extends AgentFarmStateError {
  constructor(readonly what: string, readonly first: number, readonly last: number) {
    super('E_PORTS_EXHAUSTED', `all ${what} ports ${first}-${last} are in use. Stop or remove one (af cleanup, af stop) and try again.`);
  }
}

/** A path the engine or the farm creates, writes or deletes is a symbolic link or not the kind of entry it must be. */
export class UnsafePathError extends AgentFarmStateError {
  constructor(readonly path: string, readonly found: string, readonly expected: 'file' | 'folder') {
    super('E_UNSAFE_PATH', `refusing to use ${path}: it is ${found}, where agent-farm keeps a ${expected === 'file' ? 'regular file' : 'folder'} of its own; nothing was written or deleted. Check what it is (a cloned repository may have planted it), remove it, and try again.`);
  }
}

/** An operating-system error on one of our files, by the errno code it carries. */
export type FileSystemErrorCode = 'E_PERMISSION' | 'E_NO_SPACE' | 'E_IO';

/** A file operation failed for a reason outside the program: no permission, no space, a read-only or failing disk. */
export class FileSystemError extends AgentFarmStateError {
  constructor(code: FileSystemErrorCode, readonly path: string, readonly action: string, readonly errno: string, advice: string, cause: unknown) {
    super(code, `cannot ${action} ${path}: ${errno} (${describe(cause)}). ${advice}`, { cause });
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
      return new FileSystemError('E_NO_SPACE', path, action, errno, 'Free some space on that disk and try again; committed data is intact.', error);
    case 'EACCES':
    case 'EPERM':
      return new FileSystemError('E_PERMISSION', path, action, errno, 'Check the owner and mode of the file and its folder (ls -ld), or run as the user who owns them.', error);
    case 'EROFS':
      return new FileSystemError('E_PERMISSION', path, action, errno, 'The file system is mounted read-only; remount it writable or use a state folder elsewhere (AF_STATE_DIR).', error);
    case 'EIO':
    case 'ENXIO':
    case 'EFBIG':
      return new FileSystemError('E_IO', path, action, errno, 'The disk reported an error; check it (dmesg) before trusting new writes.', error);
    default:
      return error;
  }
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A file holds tables, but not the schema this package would create or adopt there. */
export class UnknownSchemaError extends AgentFarmStateError {
  constructor(readonly filePath: string, readonly differences: readonly string[]) {
    super('E_UNKNOWN_SCHEMA', `${filePath} holds tables of an unknown layout (${differences.join('; ')}); it was left untouched. Either another program wrote it, or its schema is damaged: open it with the program that wrote it, restore it from a backup, or move it aside to start anew.`);
  }
}

/** A file or folder that must be private (the port registry) is open to others, and this process cannot tighten it. */
export class NotPrivateError extends AgentFarmStateError {
  constructor(readonly path: string, readonly mode: number, readonly ownerUid: number, readonly wantedMode: number) {
    super('E_PERMISSION', `${path} has mode ${octal(mode)} and belongs to uid ${ownerUid}, not to this user (uid ${process.getuid?.() ?? 'unknown'}), so it cannot be made private (${octal(wantedMode)}); nothing was read or written. Run "chmod ${octal(wantedMode)} ${path}" as its owner, or set AF_GLOBAL_DIR to a folder of your own.`);
  }
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** What a query may use up before it is stopped. */
export type QueryLimit = 'time' | 'rows' | 'bytes' | 'memory';

/** A query was stopped on reaching a limit; `advice` says how to raise or lift it. */
export class QueryLimitError extends AgentFarmStateError {
  constructor(readonly filePath: string, readonly limit: QueryLimit, readonly reached: string, advice: string) {
    super('E_QUERY_LIMIT', `the query was stopped: ${reached}. ${advice} ${filePath} was not changed.`);
  }
}

/** A long operation was ended by a signal (Ctrl-C, kill) before it finished. */
export class InterruptedError extends AgentFarmStateError {
  constructor(readonly signal: string, what: string, outcome: string) {
    super('E_INTERRUPTED', `${what} was interrupted by ${signal}; ${outcome}`);
  }
}

/** A read found no database file: nothing was recorded there yet, and nothing was created. */
export class NoDatabaseError extends AgentFarmStateError {
  constructor(readonly filePath: string, advice: string) {
    super('E_NO_DATABASE', `there is no database yet at ${filePath} (nothing was created). ${advice}`);
  }
}
