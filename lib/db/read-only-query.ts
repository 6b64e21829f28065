// One ad-hoc SQL statement, read-only by the engine's rules rather than by its
// text: SQLite's query_only, set here, refuses every write to the database, and a
// before and after comparison refuses what query_only lets through (ATTACH,
// connection settings, a second statement). The caller discards the database copy
// afterwards, so neither the setting nor anything a query did outlives it. Rows go
// to `onRow` one at a time as SQLite steps them: nothing here collects them.
import { AgentFarmStateError, CorruptDatabaseError, InvalidInputError, ReadOnlyError, describe } from './errors.js';
import { eachRow, type Row } from './rows.js';
import type { SqlDatabase } from './sqljs.js';

/** Receives the rows of a query in order; a throw stops the query and is passed on. */
export type RowSink = (row: Row) => void;

export function runReadOnlyQuery(db: SqlDatabase, sql: string, filePath: string, onRow: RowSink): void {
  try {
    db.exec('PRAGMA query_only = 1');
    // Taken before anything is prepared: SQLite applies some PRAGMA settings while preparing.
    const before = connectionState(db, sql);
    const statement = db.prepare(singleStatement(db, sql, filePath));
    try {
      eachRow(statement, onRow);
    } finally {
      statement.free();
    }
    const after = connectionState(db, sql);
    for (const key of Object.keys(before) as Array<keyof typeof before>) {
      if (before[key] !== after[key]) throw new ReadOnlyError(filePath, `the statement changed ${key}`);
    }
  } catch (error) {
    if (error instanceof AgentFarmStateError) throw error;
    const message = describe(error);
    if (/readonly|read-only/i.test(message)) throw new ReadOnlyError(filePath, `the statement would write to the database (${message})`);
    if (/malformed|not a database|file is encrypted/i.test(message)) throw new CorruptDatabaseError(filePath, message);
    throw error;
  }
}

/** The statement's text when `sql` holds exactly one, as SQLite's own parser splits it. */
function singleStatement(db: SqlDatabase, sql: string, filePath: string): string {
  const statements = db.iterateStatements(sql);
  const first = statements.next();
  if (first.done) throw new InvalidInputError('the query is empty (only spaces or comments): give one SQL statement, e.g. "SELECT * FROM builders".');
  const text = first.value.getSQL();
  const second = statements.next();
  first.value.free();
  if (!second.done) {
    second.value.free();
    throw new ReadOnlyError(filePath, 'only one statement may run per query');
  }
  return text;
}

/**
 * Checks that report on the database and take a table or a row limit as their
 * argument, not a setting: their value before and after is their whole report.
 */
const CHECK_PRAGMAS = new Set(['integrity_check', 'quick_check', 'foreign_key_check']);

/** What a read must leave as it found it. */
function connectionState(db: SqlDatabase, sql: string) {
  const value = (sql: string) => JSON.stringify(db.exec(sql).map((result) => result.values));
  // A PRAGMA given a value may be setting it; that setting's value must not change either.
  const pragma = /^\s*PRAGMA\s+(?:main\.)?(\w+)\s*[=(]/i.exec(sql)?.[1]?.toLowerCase();
  return {
    'the database content': value('SELECT total_changes(), (SELECT schema_version FROM pragma_schema_version()), (SELECT user_version FROM pragma_user_version())'),
    'the read-only setting': value('PRAGMA query_only'),
    // SQLite opens the temp database on first use (a check, temp.sqlite_master): only the others count.
    'the attached databases': value("SELECT name, file FROM pragma_database_list WHERE name <> 'temp'"),
    'a connection setting': pragma && !CHECK_PRAGMAS.has(pragma) ? value(`PRAGMA ${pragma}`) : '',
  };
}
