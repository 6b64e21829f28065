// The options of SharedDatabase.open(), their defaults, and their checks: what an
// open database works with.
import { InvalidInputError } from './errors.js';
import { isValidPageSize } from './format/header.js';
import type { Durability } from './io/publish.js';
import { DEFAULT_LOCK_TIMING, MIN_STALE_THRESHOLD, type LockTiming } from './lock/lock.js';
import { latestVersion, type Migration } from './migrations.js';
import type { SqlDatabase } from './sqljs/types.js';

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
  /**
   * Checks the file once its migrations ran, before open writes anything else (a native
   * WAL-mode file's checkpoint); a throw fails the open.
   */
  verify?: (db: SqlDatabase) => void;
  /** The sql.js `.wasm` to load rather than the package's own. */
  wasmPath?: string;
  /**
   * Frames the write-ahead log may hold before a commit copies it into the database.
   * Default 4000 (4 MiB of 1 KiB pages, as SQLite's 1000 of 4 KiB).
   */
  checkpointFrames?: number;
  /**
   * Page size of a file this creates (a power of two, 512 to 65536); existing files keep
   * theirs. Default 1024: a commit appends, and other processes read, the pages it
   * changed, so small pages cost less for the small rows of a farm's state.
   */
  pageSize?: number;
}

const DEFAULTS = {
  durability: 'normal',
  fileMode: 0o644,
  folderMode: 0o755,
  checkpointFrames: 4000,
  pageSize: 1024,
} as const;

/** The options with their defaults filled in, checked. */
export interface Settings {
  readonly timing: LockTiming;
  readonly durability: Durability;
  readonly fileMode: number;
  /** The newest schema version the migrations know; undefined without migrations (any version is accepted). */
  readonly knownVersion: number | undefined;
  readonly checkpointFrames: number;
  readonly pageSize: number;
}

export function folderModeOf(options: DatabaseOptions): number {
  return options.folderMode ?? DEFAULTS.folderMode;
}

/** Fails with InvalidInputError on a page size SQLite would not take. */
export function settingsOf(options: DatabaseOptions): Settings {
  const pageSize = options.pageSize ?? DEFAULTS.pageSize;
  if (!isValidPageSize(pageSize)) {
    throw new InvalidInputError(
      `the pageSize option must be a power of two from 512 to 65536, got ${options.pageSize}; ` +
        `leave it out for the default ${DEFAULTS.pageSize}.`,
    );
  }
  return {
    timing: {
      busyTimeout: options.busyTimeout ?? DEFAULT_LOCK_TIMING.busyTimeout,
      staleThreshold: Math.max(options.staleThreshold ?? DEFAULT_LOCK_TIMING.staleThreshold, MIN_STALE_THRESHOLD),
    },
    durability: options.durability ?? DEFAULTS.durability,
    fileMode: options.fileMode ?? DEFAULTS.fileMode,
    knownVersion: options.migrations ? latestVersion(options.migrations) : undefined,
    checkpointFrames: options.checkpointFrames ?? DEFAULTS.checkpointFrames,
    pageSize,
  };
}
