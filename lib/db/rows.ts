// Rows as objects keyed by column name, from sql.js's column/value arrays.
import type { SqlDatabase } from './sqljs.js';

export type SqlValue = number | string | Uint8Array | null;
export type Row = Record<string, SqlValue>;

export function selectAll(db: SqlDatabase, sql: string, params: SqlValue[] = []): Row[] {
  const statement = db.prepare(sql);
  try {
    statement.bind(params);
    const rows: Row[] = [];
    while (statement.step()) rows.push(statement.getAsObject() as Row);
    return rows;
  } finally {
    statement.free();
  }
}

export function selectOne(db: SqlDatabase, sql: string, params: SqlValue[] = []): Row | undefined {
  return selectAll(db, sql, params)[0];
}

/** A nullable column as an optional field: null becomes undefined. */
export function optional<T extends SqlValue>(value: T | null | undefined): Exclude<T, null> | undefined {
  return value === null || value === undefined ? undefined : (value as Exclude<T, null>);
}
