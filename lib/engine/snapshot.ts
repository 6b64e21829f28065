// What the memory copy was made from: which database file, its image with the log
// applied, and how far the log was read. A commit checks the files are still as its
// snapshot saw them before it writes.
import type { LogState } from './io/log-file.js';
import { identityOf } from './io/publish.js';
import { regularFileStats } from './io/safe-files.js';

/** There is no database file: the memory copy is a new, empty database. */
export const ABSENT = 'absent';

export interface Snapshot {
  /** The database file's identity (device, inode, size, modification time), or ABSENT. */
  fileIdentity: string;
  /** The database with the log's committed frames applied, in rollback-journal mode. */
  image: Uint8Array;
  /** The log as far as it was read; undefined when there was none (or none valid). */
  log: LogState | undefined;
  /** The first bytes of the log file as last seen, valid or not: a change means someone wrote it. */
  logHeader: Uint8Array | undefined;
  /** The file is the native version's WAL-mode database: the next write checkpoints it into a plain file. */
  nativeWal: boolean;
}

/** The database file's identity without following a link (refused with UnsafePathError), ABSENT when there is none. */
export function currentIdentity(filePath: string): string {
  const stats = regularFileStats(filePath, 'inspect the database');
  return stats ? identityOf(stats) : ABSENT;
}
