// lib/db/constraints.ts: SQLite's constraint messages (the texts of SQLite 3.54,
// which sql.js bundles) become ConstraintErrors naming table, field, value and rule;
// anything else goes through untouched. The last tests take the messages from
// SQLite itself, on the package's real schemas.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConstraintError } from '../../lib/engine/errors.js';
import { withConstraintErrors } from '../../lib/engine/constraints.js';
import { GLOBAL_SCHEMA_V1 } from '../../lib/ports/schema.js';
import { LOCAL_SCHEMA_V1 } from '../../lib/state/schema.js';
import { throwsWith } from '../helpers/expect-error.js';
import { memoryDatabase } from '../helpers/sql-js.js';

const ROW = { id: '0001', name: 'spec 1', port: 4210, status: 'sleeping', parent_type: 'nobody' };

function failingWith(message: string): () => never {
  return () => {
    throw new Error(message);
  };
}

test('returns what the function returns when nothing fails', () => {
  assert.is(
    withConstraintErrors('builders', ROW, () => 42),
    42,
  );
});

test('UNIQUE: the table and column come from the message, the value from the row', () => {
  const error = throwsWith(
    () => withConstraintErrors('builders', ROW, failingWith('UNIQUE constraint failed: builders.port')),
    ConstraintError,
    'E_CONSTRAINT',
    'builders.port = 4210 is already taken by another row; nothing was written.',
  );
  assert.equal([error.table, error.field, error.value, error.rule], ['builders', 'port', 4210, 'unique']);
});

test('NOT NULL: a missing value is shown as null', () => {
  const error = throwsWith(
    () => withConstraintErrors('builders', { id: 'x' }, failingWith('NOT NULL constraint failed: builders.name')),
    ConstraintError,
    'E_CONSTRAINT',
    'builders.name = null is missing and required',
  );
  assert.equal([error.table, error.field, error.value, error.rule], ['builders', 'name', undefined, 'not null']);
});

test("CHECK: the field is the expression's first column, the rule the expression", () => {
  const message = "CHECK constraint failed: status IN ('spawning', 'implementing', 'blocked', 'pr-ready', 'complete')";
  const error = throwsWith(
    () => withConstraintErrors('builders', ROW, failingWith(message)),
    ConstraintError,
    'E_CONSTRAINT',
    `builders.status = "sleeping" breaks the rule status IN ('spawning'`,
  );
  assert.equal([error.table, error.field, error.value, error.rule], ['builders', 'status', 'sleeping', 'check']);
  // A quoted column name is read without its quotes.
  const quoted = throwsWith(
    () => withConstraintErrors('builders', ROW, failingWith('CHECK constraint failed: "port" > 0')),
    ConstraintError,
    'E_CONSTRAINT',
  );
  assert.equal([quoted.field, quoted.value], ['port', 4210]);
});

test('the message is found inside a longer one (sql.js may prefix it)', () => {
  const error = throwsWith(
    () =>
      withConstraintErrors(
        'utils',
        { port: 4230 },
        failingWith('SqliteError: UNIQUE constraint failed: utils.port (code 2067)'),
      ),
    ConstraintError,
    'E_CONSTRAINT',
  );
  assert.equal([error.table, error.field, error.value], ['utils', 'port', 4230]);
});

test('other errors, and non-Error throws, go through as they were', () => {
  const original = new Error('no such table: builders');
  try {
    withConstraintErrors('builders', ROW, () => {
      throw original;
    });
    assert.unreachable('it should have thrown');
  } catch (error) {
    assert.ok(error === original, 'the same object');
  }
  try {
    withConstraintErrors('builders', ROW, () => {
      throw 'disk I/O error';
    });
    assert.unreachable('it should have thrown');
  } catch (error) {
    assert.is(error, 'disk I/O error');
  }
});

test('a thrown string that is a constraint message becomes a ConstraintError too', () => {
  throwsWith(
    () =>
      withConstraintErrors('builders', ROW, () => {
        throw 'UNIQUE constraint failed: builders.id';
      }),
    ConstraintError,
    'E_CONSTRAINT',
    'builders.id = "0001"',
  );
});

test("SQLite's own messages on the state schema name the field and value", async () => {
  const db = await memoryDatabase(LOCAL_SCHEMA_V1);
  try {
    const insert = (row: Record<string, string | number | null>) =>
      withConstraintErrors('builders', row, () =>
        db.run(
          'INSERT INTO builders (id, name, port, pid, status, worktree, branch, type) VALUES ($id, $name, $port, 1, $status, $worktree, $branch, $type)',
          Object.fromEntries(Object.entries(row).map(([key, value]) => [`$${key}`, value])),
        ),
      );
    const good = {
      id: '0001',
      name: 'spec 1',
      port: 4210,
      status: 'spawning',
      worktree: '.builders/0001',
      branch: 'b',
      type: 'spec',
    };
    insert(good);
    const cases: Array<[Record<string, string | number | null>, string, unknown, string]> = [
      [{ ...good, port: 4211 }, 'id', '0001', 'unique'],
      [{ ...good, id: '0002' }, 'port', 4210, 'unique'],
      [{ ...good, id: '0002', port: 4212, name: null }, 'name', null, 'not null'],
      [{ ...good, id: '0002', port: 4212, status: 'sleeping' }, 'status', 'sleeping', 'check'],
      [{ ...good, id: '0002', port: 4212, type: 'robot' }, 'type', 'robot', 'check'],
    ];
    for (const [row, field, value, rule] of cases) {
      const error = throwsWith(
        () => insert(row),
        ConstraintError,
        'E_CONSTRAINT',
        `builders.${field} = ${JSON.stringify(value)}`,
      );
      assert.equal([error.table, error.field, error.value, error.rule], ['builders', field, value, rule]);
    }
    const parent = { $id: 'a1', $parent: 'nobody' };
    const error = throwsWith(
      () =>
        withConstraintErrors('annotations', { id: 'a1', parent_type: 'nobody' }, () =>
          db.run(
            "INSERT INTO annotations (id, file, port, pid, parent_type) VALUES ($id, 'f', 4250, 1, $parent)",
            parent,
          ),
        ),
      ConstraintError,
      'E_CONSTRAINT',
    );
    assert.equal([error.field, error.value], ['parent_type', 'nobody']);
  } finally {
    db.close();
  }
});

test("SQLite's own messages on the port registry schema name the field and value", async () => {
  const db = await memoryDatabase(GLOBAL_SCHEMA_V1);
  try {
    const insert = (row: { project_path: string; base_port: number }) =>
      withConstraintErrors('port_allocations', row, () =>
        db.run('INSERT INTO port_allocations (project_path, base_port) VALUES (?, ?)', [
          row.project_path,
          row.base_port,
        ]),
      );
    insert({ project_path: '/a', base_port: 4200 });
    const taken = throwsWith(
      () => insert({ project_path: '/b', base_port: 4200 }),
      ConstraintError,
      'E_CONSTRAINT',
      'port_allocations.base_port = 4200 is already taken',
    );
    assert.is(taken.rule, 'unique');
    const offGrid = throwsWith(
      () => insert({ project_path: '/b', base_port: 4250 }),
      ConstraintError,
      'E_CONSTRAINT',
      'base_port = 4250 breaks the rule base_port >= 4200',
    );
    assert.is(offGrid.rule, 'check');
  } finally {
    db.close();
  }
});

test.run();
