// lib/db/rows.ts on an in-memory sql.js database: rows as objects by column name,
// statements prepared once per database and always left reset, nullable columns.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execute, optional, selectAll, selectOne } from '../../lib/engine/rows.js';
import type { SqlDatabase } from '../../lib/engine/sqljs/loader.js';
import { memoryDatabase } from '../helpers/sql-js.js';

const SCHEMA = 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, size REAL, data BLOB);';

/** Counts the statements `db` prepares. */
function countPrepares(db: SqlDatabase): { count: number } {
  const counter = { count: 0 };
  const prepare = db.prepare.bind(db);
  db.prepare = ((...args: Parameters<SqlDatabase['prepare']>) => {
    counter.count++;
    return prepare(...args);
  }) as SqlDatabase['prepare'];
  return counter;
}

async function withDatabase(fn: (db: SqlDatabase) => void | Promise<void>): Promise<void> {
  const db = await memoryDatabase(SCHEMA);
  try {
    await fn(db);
  } finally {
    db.close();
  }
}

test("selectAll returns every row as an object keyed by column, with SQLite's value types", () =>
  withDatabase((db) => {
    db.run("INSERT INTO t VALUES (1, 'one', 1.5, x'0102'), (2, NULL, NULL, NULL)");
    const rows = selectAll(db, 'SELECT id, name, size, data FROM t ORDER BY id');
    assert.equal(rows.length, 2);
    assert.equal(
      { ...rows[0], data: [...(rows[0]!.data as Uint8Array)] },
      { id: 1, name: 'one', size: 1.5, data: [1, 2] },
    );
    assert.ok(rows[0]!.data instanceof Uint8Array);
    assert.equal(rows[1], { id: 2, name: null, size: null, data: null });
    assert.equal(selectAll(db, 'SELECT id AS n, upper(name) AS shout FROM t WHERE id = ?', [1]), [
      { n: 1, shout: 'ONE' },
    ]);
    assert.equal(selectAll(db, 'SELECT * FROM t WHERE id > ?', [99]), []);
  }));

test('selectOne is the first row, or undefined', () =>
  withDatabase((db) => {
    db.run("INSERT INTO t (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    assert.equal(selectOne(db, 'SELECT id, name FROM t ORDER BY id DESC'), { id: 3, name: 'c' });
    assert.is(selectOne(db, 'SELECT id FROM t WHERE name = ?', ['zzz']), undefined);
  }));

test('execute binds its parameters and writes', () =>
  withDatabase((db) => {
    execute(db, 'INSERT INTO t (id, name, data) VALUES (?, ?, ?)', [7, 'seven', new Uint8Array([9])]);
    execute(db, 'UPDATE t SET size = ? WHERE id = ?', [2.25, 7]);
    assert.equal(db.exec('SELECT id, name, size, hex(data) FROM t')[0]!.values, [[7, 'seven', 2.25, '09']]);
  }));

test('a statement is prepared once per database and SQL text, then reused with new parameters', () =>
  withDatabase((db) => {
    const prepares = countPrepares(db);
    db.run("INSERT INTO t (id, name) VALUES (1, 'a'), (2, 'b')");
    for (const id of [1, 2, 1])
      assert.is(selectOne(db, 'SELECT name FROM t WHERE id = ?', [id])?.name, id === 1 ? 'a' : 'b');
    execute(db, 'UPDATE t SET size = ? WHERE id = ?', [1, 1]);
    execute(db, 'UPDATE t SET size = ? WHERE id = ?', [2, 2]);
    assert.is(prepares.count, 2);
  }));

test('each database has its own statements', async () => {
  await withDatabase(async (first) =>
    withDatabase((second) => {
      first.run("INSERT INTO t (id, name) VALUES (1, 'first')");
      second.run("INSERT INTO t (id, name) VALUES (1, 'second')");
      const sql = 'SELECT name FROM t WHERE id = 1';
      assert.is(selectOne(first, sql)?.name, 'first');
      assert.is(selectOne(second, sql)?.name, 'second');
      assert.is(selectOne(first, sql)?.name, 'first');
    }),
  );
});

test('selectOne leaves no statement reading, so the table can be dropped right after', () =>
  withDatabase((db) => {
    db.run('INSERT INTO t (id) VALUES (1), (2), (3)');
    assert.equal(selectOne(db, 'SELECT id FROM t ORDER BY id'), { id: 1 });
    // SQLite refuses to drop a table that an unfinished statement is reading ("database table is locked").
    db.run('DROP TABLE t');
    assert.equal(db.exec("SELECT count(*) FROM sqlite_master WHERE name = 't'")[0]!.values, [[0]]);
  }));

test('a statement is reset even when reading a row throws, so it holds no read open', () =>
  withDatabase((db) => {
    db.run('INSERT INTO t (id) VALUES (1), (2)');
    // Make the statement's first row fail in JavaScript, after SQLite has started the scan.
    const prepare = db.prepare.bind(db);
    db.prepare = ((...args: Parameters<SqlDatabase['prepare']>) => {
      const statement = prepare(...args);
      const get = statement.get.bind(statement);
      let calls = 0;
      statement.get = ((...getArgs: Parameters<typeof get>) => {
        if (++calls === 1) throw new Error('row conversion failed');
        return get(...getArgs);
      }) as typeof get;
      return statement;
    }) as SqlDatabase['prepare'];
    assert.throws(() => selectAll(db, 'SELECT id FROM t ORDER BY id'), /row conversion failed/);
    db.run('DROP TABLE t');
  }));

test('a statement that failed while stepping is reset and works again', () =>
  withDatabase((db) => {
    const sql = 'SELECT json(?) AS value';
    assert.throws(() => selectAll(db, sql, ['{not json']), /malformed JSON/);
    assert.equal(selectAll(db, sql, ['{"a":1}']), [{ value: '{"a":1}' }]);
  }));

test('optional turns null and undefined into undefined and keeps every other value', () => {
  assert.is(optional(null), undefined);
  assert.is(optional(undefined), undefined);
  assert.is(optional(0), 0);
  assert.is(optional(''), '');
  const blob = new Uint8Array([1]);
  assert.is(optional(blob), blob);
});

test.run();
