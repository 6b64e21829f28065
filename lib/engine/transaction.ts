// Running a function inside one SQLite transaction of the memory copy, and what
// SQLite's own errors mean: the statements around `fn`, the writes it left in the
// in-memory file, and the errors that say the file is damaged.
import { CorruptDatabaseError, messageOf, UnknownSchemaError } from './errors.js';
import { execute, selectOne } from './rows.js';
import type { MemoryFile } from './sqljs/memory-file.js';
import type { SqlDatabase } from './sqljs/types.js';

/** What a transaction returned, and where SQLite wrote to its in-memory file meanwhile (lengths by position). */
export interface TransactionOutcome<T> {
  result: T;
  writes: Map<number, number>;
}

/**
 * Runs `fn` between `begin` and COMMIT and returns where SQLite wrote to its in-memory
 * file meanwhile (nowhere: nothing changed). `fn` must not end the transaction itself.
 * The statements are prepared once per database copy: changing a connection setting
 * such as query_only for reads would make SQLite prepare every statement again.
 */
export function runInTransaction<T>(
  filePath: string,
  db: SqlDatabase,
  memory: MemoryFile,
  begin: 'BEGIN' | 'BEGIN IMMEDIATE',
  fn: (db: SqlDatabase) => T,
): TransactionOutcome<T> {
  execute(db, begin);
  return memory.recording(() => {
    let result: T;
    try {
      result = guardCorruption(filePath, () => fn(db));
    } catch (error) {
      execute(db, 'ROLLBACK');
      throw OTHER_LAYOUT.test(messageOf(error)) ? new UnknownSchemaError(filePath, [messageOf(error)]) : error;
    }
    // Even a read's COMMIT can meet a page damaged under an open process.
    guardCorruption(filePath, () => execute(db, 'COMMIT'));
    return result;
  });
}

/**
 * Makes SQLite, which holds its file exclusively and trusts its cached pages, read
 * them from its file again. Freeing the cached pages is enough while the file keeps
 * its length: SQLite reads page 1 (the schema cookie, the page count) again at its
 * next transaction. The length it keeps from when it locked the file, so a file that
 * grew is released and locked again, where SQLite compares header bytes 24–39 (the
 * cache stamp) and the file's size with what it cached.
 */
export function releaseCache(db: SqlDatabase, lengthChanged: boolean): void {
  if (!lengthChanged) {
    execute(db, 'PRAGMA shrink_memory');
    return;
  }
  execute(db, 'PRAGMA locking_mode = NORMAL');
  selectOne(db, 'PRAGMA schema_version'); // an access, after which the lock goes
  execute(db, 'PRAGMA locking_mode = EXCLUSIVE');
}

/**
 * SQLite's errors that say the file's tables are not those `fn` was written for: its
 * schema changed under this process (damaged, or altered by another program).
 */
const OTHER_LAYOUT = /^no such (column|table): /;

/** SQLite's errors that mean the file is damaged: "malformed", "not a database", "unsupported file format"... */
const DAMAGE = /malformed|not a database|file is encrypted|unsupported file format|same text encoding/i;

/**
 * Runs `fn`, turning SQLite's errors that mean the file is damaged into CorruptDatabaseError
 * ("same text encoding" is what header bytes out of range give).
 */
export function guardCorruption<T>(filePath: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (DAMAGE.test(messageOf(error))) throw new CorruptDatabaseError(filePath, messageOf(error));
    throw error;
  }
}
