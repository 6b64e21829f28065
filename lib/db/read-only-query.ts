// One ad-hoc SQL statement, read-only by the engine's rules rather than by its
// text: SQLite's query_only, set here, refuses every write to the database, and a
// before and after comparison refuses what query_only lets through (ATTACH,
// connection settings, a second statement). The caller discards the in-memory copy
// afterwards, so neither the setting nor anything a query did outlives it.
import { ReadOnlyError, describe } from './errors.js';
import { selectAll, type Row } from './rows.js';
import type { SqlDatabase } from './sqljs.js';

export function runReadOnlyQuery(db: SqlDatabase, sql: string, filePath: string): Row[] {
  let before: ReturnType<typeof connectionState>;
  let rows: Row[];
  try {
    db.exec('PRAGMA query_only = 1');
    // Taken before anything is prepared: SQLite applies some PRAGMA settings while preparing.
    before = connectionState(db, sql);
    rows = selectAll(db, singleStatement(db, sql, filePath));
  } catch (error) {
    if (/readonly|read-only/i.test(describe(error))) throw new ReadOnlyError(filePath, `the statement would write to the database (${describe(error)})`);
    throw error;
  }
  const after = connectionState(db, sql);
  for (const key of Object.keys(before) as Array<keyof typeof before>) {
    if (before[key] !== after[key]) throw new ReadOnlyError(filePath, `the statement changed ${key}`);
  }
  return rows;
}

/** The statement's text when `sql` holds exactly one, as SQLite's own parser splits it. */
function singleStatement(db: SqlDatabase, sql: string, filePath: string): string {
  const statements = db.iterateStatements(sql);
  const first = statements.next();
  if (first.done) throw new ReadOnlyError(filePath, 'there is no SQL statement to run');
  const text = first.value.getSQL();
  if (!statements.next().done) throw new ReadOnlyError(filePath, 'only one statement may run per query');
  return text;
}

/** What a read must leave as it found it. */
function connectionState(db: SqlDatabase, sql: string) {
  const value = (sql: string) => JSON.stringify(db.exec(sql).map((result) => result.values));
  // A PRAGMA given a value may be setting it; that setting's value must not change either.
  const pragma = /^\s*PRAGMA\s+(?:main\.)?(\w+)\s*[=(]/i.exec(sql)?.[1];
  return {
    'the database content': value('SELECT total_changes(), (SELECT schema_version FROM pragma_schema_version()), (SELECT user_version FROM pragma_user_version())'),
    'the read-only setting': value('PRAGMA query_only'),
    'the attached databases': value('PRAGMA database_list'),
    'a connection setting': pragma ? value(`PRAGMA ${pragma}`) : '',
  };
}
