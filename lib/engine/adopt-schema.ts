// A file that already holds tables when its first migration runs: the native
// version leaves its version-1 tables without a `_migrations` row when its own
// JSON import fails. Such a file is adopted only when its tables and columns are
// exactly the ones the migration would create; any other layout is refused. At
// every open, the tables the package reads must be as it made them, so a schema
// damaged into another fails there rather than at the first query that misses a column.
import { UnknownSchemaError } from './errors.js';
import { selectAll } from './rows.js';
import type { SqlDatabase } from './sqljs/types.js';

/** Tables our own bookkeeping adds; they are not part of a migration's schema. */
const BOOKKEEPING = new Set(['_migrations']);

interface Column {
  name: string;
  type: string;
  notnull: number;
  pk: number;
  dflt_value: string | null;
}

/**
 * Runs `ddl` on a file without tables; on a file whose tables match it exactly,
 * adds only what is missing beside them (indexes, triggers). Anything else fails
 * with UnknownSchemaError naming what differs.
 */
export function createOrAdopt(db: SqlDatabase, ddl: string, filePath: string): void {
  const found = tablesOf(db);
  if (found.size === 0) {
    db.exec(ddl);
    return;
  }
  assertSchema(db, ddl, filePath, { otherTables: 'refused' });
  db.exec(ddl.replace(/CREATE (TABLE|INDEX|UNIQUE INDEX|TRIGGER) /g, 'CREATE $1 IF NOT EXISTS '));
}

/**
 * Fails with UnknownSchemaError unless each table `ddl` creates is in the file with
 * exactly its columns. Tables of other names (a user's own) are refused only when asked.
 */
export function assertSchema(
  db: SqlDatabase,
  ddl: string,
  filePath: string,
  { otherTables }: { otherTables: 'allowed' | 'refused' },
): void {
  if (storedAsWritten(db, ddl, otherTables === 'refused')) return;
  const differences = compareTables(expectedTables(db, ddl), tablesOf(db), otherTables === 'refused');
  if (differences.length > 0) throw new UnknownSchemaError(filePath, differences);
}

/**
 * True when every table `ddl` creates is stored with the very text `ddl` gives it
 * (SQLite derives the columns from that text): the files this package made. Another
 * text (the native version's own, or a damaged one) is compared column by column.
 */
function storedAsWritten(db: SqlDatabase, ddl: string, refuseOtherTables: boolean): boolean {
  const expected = createTableTexts(ddl);
  const stored = selectAll(
    db,
    "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
  ).filter((row) => !BOOKKEEPING.has(String(row.name)));
  if (refuseOtherTables && stored.length !== expected.size) return false;
  const texts = new Map(stored.map((row) => [String(row.name), String(row.sql)]));
  for (const [name, text] of expected) if (texts.get(name) !== text) return false;
  return true;
}

const textsByDdl = new Map<string, Map<string, string>>();

/** The CREATE TABLE statements of `ddl` by table name, as SQLite stores them (without the semicolon). */
function createTableTexts(ddl: string): Map<string, string> {
  let texts = textsByDdl.get(ddl);
  if (texts) return texts;
  texts = new Map();
  // A table's statement holds no semicolon; a trigger's body does, but triggers are not looked at here.
  for (const statement of ddl.split(';').map((part) => part.trim())) {
    const name = /^CREATE TABLE (\w+)/.exec(statement)?.[1];
    if (name) texts.set(name, statement);
  }
  textsByDdl.set(ddl, texts);
  return texts;
}

const expectedByDdl = new Map<string, Map<string, Column[]>>();

/** What `ddl` creates, from a scratch in-memory database of the same sql.js module (once per process). */
function expectedTables(db: SqlDatabase, ddl: string): Map<string, Column[]> {
  let expected = expectedByDdl.get(ddl);
  if (expected) return expected;
  const Database = db.constructor as new () => SqlDatabase;
  const scratch = new Database();
  try {
    scratch.exec(ddl);
    expected = tablesOf(scratch);
  } finally {
    scratch.close();
  }
  expectedByDdl.set(ddl, expected);
  return expected;
}

function tablesOf(db: SqlDatabase): Map<string, Column[]> {
  const names = selectAll(
    db,
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
  )
    .map((row) => String(row.name))
    .filter((name) => !BOOKKEEPING.has(name));
  return new Map(
    names.map((name) => [
      name,
      selectAll(db, 'SELECT name, type, "notnull", pk, dflt_value FROM pragma_table_info(?) ORDER BY cid', [name]).map(
        (row) => ({
          name: String(row.name),
          type: String(row.type).toUpperCase(),
          notnull: Number(row.notnull),
          pk: Number(row.pk),
          dflt_value: row.dflt_value === null ? null : String(row.dflt_value),
        }),
      ),
    ]),
  );
}

function compareTables(
  expected: Map<string, Column[]>,
  found: Map<string, Column[]>,
  refuseOtherTables: boolean,
): string[] {
  const differences: string[] = [];
  if (refuseOtherTables)
    for (const name of found.keys()) if (!expected.has(name)) differences.push(`an unknown table ${name}`);
  for (const [name, columns] of expected) {
    const actual = found.get(name);
    if (!actual) {
      differences.push(`no table ${name}`);
      continue;
    }
    differences.push(...compareColumns(name, columns, actual));
  }
  return differences;
}

function compareColumns(table: string, expected: Column[], found: Column[]): string[] {
  const differences: string[] = [];
  const byName = new Map(found.map((column) => [column.name, column]));
  for (const column of found)
    if (!expected.some((known) => known.name === column.name))
      differences.push(`an unknown column ${table}.${column.name}`);
  for (const column of expected) {
    const actual = byName.get(column.name);
    if (!actual) differences.push(`no column ${table}.${column.name}`);
    else if (describeColumn(actual) !== describeColumn(column))
      differences.push(`${table}.${column.name} is ${describeColumn(actual)}, expected ${describeColumn(column)}`);
  }
  if (
    differences.length === 0 &&
    found.map((column) => column.name).join() !== expected.map((column) => column.name).join()
  ) {
    differences.push(`the columns of ${table} are in another order`);
  }
  return differences;
}

function describeColumn(column: Column): string {
  const parts = [column.type || 'untyped'];
  if (column.notnull) parts.push('NOT NULL');
  if (column.pk) parts.push(`PRIMARY KEY (${column.pk})`);
  if (column.dflt_value !== null) parts.push(`DEFAULT ${column.dflt_value}`);
  return parts.join(' ');
}
