// lib/engine/schema-version-guard.ts on an in-memory sql.js database and its image:
// the query for the schema version is skipped only when the commits taken in cannot
// have changed it (same schema cookie, `_migrations` a leaf page none of them wrote),
// and a version newer than the code knows is refused whenever it is read.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SchemaVersionGuard } from '../../lib/engine/schema-version-guard.js';
import type { SqlDatabase } from '../../lib/engine/sqljs/loader.js';
import { memoryDatabase } from '../helpers/sql-js.js';

const PAGE_SIZE = 4096;
const SCHEMA = `PRAGMA page_size = ${PAGE_SIZE}; VACUUM;
  CREATE TABLE _migrations (version INTEGER PRIMARY KEY, applied_at TEXT);
  CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);
  INSERT INTO _migrations (version) VALUES (1), (2);`;

/** Counts the steps of every statement `db` prepares from now on. */
function countSteps(db: SqlDatabase): { steps: number } {
  const counter = { steps: 0 };
  const prepare = db.prepare.bind(db);
  db.prepare = ((...args: Parameters<SqlDatabase['prepare']>) => {
    const statement = prepare(...args);
    const step = statement.step.bind(statement);
    statement.step = () => {
      counter.steps++;
      return step();
    };
    return statement;
  }) as SqlDatabase['prepare'];
  return counter;
}

function rootPageOf(db: SqlDatabase, table: string): number {
  return Number(db.exec(`SELECT rootpage FROM sqlite_master WHERE name = '${table}'`)[0]!.values[0]![0]);
}

async function withGuard(
  knownVersion: number,
  fn: (db: SqlDatabase, guard: SchemaVersionGuard, counter: { steps: number }) => void,
): Promise<void> {
  const db = await memoryDatabase(SCHEMA);
  try {
    const counter = countSteps(db);
    fn(db, new SchemaVersionGuard('/project/state.db', knownVersion), counter);
  } finally {
    db.close();
  }
}

test('commits that wrote other pages of the same schema are taken in without a query', () =>
  withGuard(2, (db, guard, counter) => {
    const image = db.export();
    guard.assertKnown(db, image, PAGE_SIZE);
    assert.ok(counter.steps > 0, 'the first check reads the version');
    counter.steps = 0;
    guard.assertKnownAfter(db, image, PAGE_SIZE, new Set([1, rootPageOf(db, 'items')]));
    assert.is(counter.steps, 0);
  }));

test('a commit that wrote the version page, changed the schema, or split the table is checked', () =>
  withGuard(2, (db, guard, counter) => {
    const image = db.export();
    const versionPage = rootPageOf(db, '_migrations');
    guard.assertKnown(db, image, PAGE_SIZE);
    const variants: Array<[string, Uint8Array, Set<number>]> = [
      ['the version page written', image, new Set([versionPage])],
      ['another schema cookie', withByte(image, 43, image[43]! + 1), new Set([1])],
      ['the table no longer on one page', withByte(image, (versionPage - 1) * PAGE_SIZE, 5), new Set([1])],
    ];
    for (const [what, changed, written] of variants) {
      counter.steps = 0;
      guard.assertKnownAfter(db, changed, PAGE_SIZE, written);
      assert.ok(counter.steps > 0, what);
      guard.assertKnown(db, image, PAGE_SIZE); // as it was, for the next variant
    }
  }));

test('a version newer than the code knows is refused when the version page changed', () =>
  withGuard(2, (db, guard) => {
    guard.assertKnown(db, db.export(), PAGE_SIZE);
    db.run('INSERT INTO _migrations (version) VALUES (3)');
    const image = db.export();
    const error = (() => {
      try {
        guard.assertKnownAfter(db, image, PAGE_SIZE, new Set([rootPageOf(db, '_migrations')]));
      } catch (caught) {
        return caught as { code?: string };
      }
      return undefined;
    })();
    assert.is(error?.code, 'E_SCHEMA_TOO_NEW');
  }));

function withByte(image: Uint8Array, at: number, value: number): Uint8Array {
  const copy = image.slice();
  copy[at] = value;
  return copy;
}

test.run();
