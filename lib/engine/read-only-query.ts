// One ad-hoc SQL statement, read-only by the engine's rules rather than by its
// text: SQLite's query_only, set here, refuses every write to the database, and a
// before and after comparison refuses what query_only lets through (ATTACH,
// connection settings, a second statement). The caller discards the database copy
// afterwards, so neither the setting nor anything a query did outlives it. Rows go
// to `onRow` one at a time as SQLite steps them: nothing here collects them.
import { AgentFarmStateError, CorruptDatabaseError, InvalidInputError, ReadOnlyError, messageOf } from './errors.js';
import { eachRow, type Row } from './rows.js';
import type { SqlDatabase } from './sqljs/types.js';

/** Receives the rows of a query in order; a throw stops the query and is passed on. */
export type RowSink = (row: Row) => void;

export function runReadOnlyQuery(db: SqlDatabase, sql: string, filePath: string, onRow: RowSink): void {
  let sinkError: { error: unknown } | undefined;
  const deliver: RowSink = (row) => {
    try {
      onRow(row);
    } catch (error) {
      sinkError = { error };
      throw error;
    }
  };
  try {
    db.exec('PRAGMA query_only = 1');
    // Taken before anything is prepared: SQLite applies some PRAGMA settings while preparing.
    const before = connectionState(db, sql);
    const text = singleStatement(db, sql, filePath);
    // Refused before it runs: in a copy held in memory it would open a file of that name there, or fail to.
    if (/^ATTACH\b/i.test(withoutLeadingComments(text)))
      throw new ReadOnlyError(filePath, 'the statement would change the attached databases (ATTACH)');
    // A PRAGMA given a value may be a setting the after-check refuses: its few rows wait for that check.
    const held: Row[] | undefined = before['a connection setting'] ? [] : undefined;
    stepAll(db, text, held ? (row) => held.push(row) : deliver);
    const after = connectionState(db, sql);
    for (const key of Object.keys(before) as Array<keyof typeof before>) {
      if (before[key] !== after[key]) throw new ReadOnlyError(filePath, `the statement changed ${key}`);
    }
    held?.forEach(deliver);
  } catch (error) {
    // The caller's own error (it stopped the rows), or one of ours: as it is.
    if (error instanceof AgentFarmStateError || (sinkError && error === sinkError.error)) throw error;
    const message = messageOf(error);
    if (/readonly|read-only/i.test(message))
      throw new ReadOnlyError(filePath, `the statement would write to the database (${message})`);
    if (/malformed|not a database|file is encrypted/i.test(message)) throw new CorruptDatabaseError(filePath, message);
    // Running out of memory is the query's size, not its text: the caller decides what it means.
    if (/out of memory/i.test(message)) throw error;
    throw new InvalidInputError(`SQLite cannot run the query: ${message}. ${filePath} was not changed.`);
  }
}

/** Runs the statement `text` to its end, each row to `onRow`. */
function stepAll(db: SqlDatabase, text: string, onRow: RowSink): void {
  const statement = db.prepare(text);
  let reported = false;
  try {
    eachRow(statement, (row) => {
      reported = true;
      onRow(row);
    });
  } catch (error) {
    // SQLite ends a check that found damage with SQLITE_CORRUPT after its report: the report is the answer.
    if (!(reported && DAMAGE_CHECK.test(text) && /malformed/i.test(messageOf(error)))) throw error;
  } finally {
    statement.free();
  }
}

/** `sql` from its first word on: SQLite skips the spaces and comments before it. */
function withoutLeadingComments(sql: string): string {
  return sql.replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?(?:\*\/|$))*/, '');
}

/** The statement's text when `sql` holds exactly one, as SQLite's own parser splits it. */
function singleStatement(db: SqlDatabase, sql: string, filePath: string): string {
  const statements = db.iterateStatements(sql);
  const first = statements.next();
  if (first.done)
    throw new InvalidInputError(
      'the query is empty (only spaces or comments): give one SQL statement, e.g. "SELECT * FROM builders".',
    );
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

/** A statement that runs SQLite's damage checks, as a PRAGMA or its table-valued function. */
const DAMAGE_CHECK = /\b(?:PRAGMA\s+(?:\w+\s*\.\s*)?|pragma_)(?:integrity_check|quick_check)\b/i;

/** What a read must leave as it found it. */
function connectionState(db: SqlDatabase, sql: string) {
  const value = (sql: string) => JSON.stringify(db.exec(sql).map((result) => result.values));
  // A PRAGMA given a value may be setting it; that setting's value must not change either.
  const pragma = /^PRAGMA\s+(?:main\s*\.\s*)?(\w+)\s*[=(]/i.exec(withoutLeadingComments(sql))?.[1]?.toLowerCase();
  return {
    'the database content': value(
      'SELECT total_changes(), (SELECT schema_version FROM pragma_schema_version()), (SELECT user_version FROM pragma_user_version())',
    ),
    'the read-only setting': value('PRAGMA query_only'),
    // SQLite opens the temp database on first use (a check, temp.sqlite_master): only the others count.
    'the attached databases': value("SELECT name, file FROM pragma_database_list WHERE name <> 'temp'"),
    'a connection setting': pragma && !CHECK_PRAGMAS.has(pragma) ? value(`PRAGMA ${pragma}`) : '',
  };
}
