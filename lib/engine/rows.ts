// Running the package's own SQL: statements prepared once per database copy and
// kept (SQLite parses and plans a statement in about the time it runs a small one),
// rows as objects keyed by column name.
import type { Statement } from 'sql.js';
import type { SqlDatabase } from './sqljs/types.js';

export type SqlValue = number | string | Uint8Array | null;
export type Row = Record<string, SqlValue>;

// A database copy that is closed frees its statements, and its entry goes with it.
const prepared = new WeakMap<SqlDatabase, Map<string, Statement>>();

function statementFor(db: SqlDatabase, sql: string): Statement {
  let statements = prepared.get(db);
  if (!statements) {
    statements = new Map();
    prepared.set(db, statements);
  }
  let statement = statements.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}

export function selectAll(db: SqlDatabase, sql: string, params: SqlValue[] = []): Row[] {
  const statement = statementFor(db, sql);
  try {
    statement.bind(params);
    const rows: Row[] = [];
    eachRow(statement, (row) => rows.push(row));
    return rows;
  } finally {
    statement.reset(); // an unfinished statement would keep its read open
  }
}

/** Steps `statement` to its end, handing each row to `onRow` as it comes. */
export function eachRow(statement: Statement, onRow: (row: Row) => void): void {
  // Column names once, not per row as sql.js's getAsObject() asks SQLite for them.
  let columns: string[] | undefined;
  while (statement.step()) {
    columns ??= statement.getColumnNames();
    const values = statement.get();
    const row: Row = {};
    for (let index = 0; index < columns.length; index++) row[columns[index]!] = values[index] as SqlValue;
    onRow(row);
  }
}

/** Runs one writing statement of the package's own. */
export function execute(db: SqlDatabase, sql: string, params: SqlValue[] = []): void {
  statementFor(db, sql).run(params);
}

export function selectOne(db: SqlDatabase, sql: string, params: SqlValue[] = []): Row | undefined {
  return selectAll(db, sql, params)[0];
}

/** A nullable column as an optional field: null becomes undefined. */
export function optional<T extends SqlValue>(value: T | null | undefined): Exclude<T, null> | undefined {
  return value === null || value === undefined ? undefined : (value as Exclude<T, null>);
}
