// applyWal against real logs: the sqlite3 shell writes a WAL-mode database and is killed
// before it checkpoints, so the committed rows live only in its -wal file, followed by
// frames of a transaction that never committed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import initSqlJs, { type SqlJsStatic } from 'sql.js';
import { CorruptDatabaseError } from '../../../lib/engine/errors.js';
import { applyWal } from '../../../lib/engine/format/wal.js';
import { killShellWhenReady, sqliteShell } from '../../helpers/sqlite-shell.js';

const WASM_PATH = fileURLToPath(new URL('../../../node_modules/sql.js/dist/sql-wasm.wasm', import.meta.url));

interface Fixture {
  dbPath: string;
  image: Uint8Array;
  wal: Uint8Array;
  pageSize: number;
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wal-test-'));
let SQL: SqlJsStatic;
let small: Fixture; // 4096-byte pages
let large: Fixture; // 65536-byte pages, stored as 1 in the database header

// After CREATE TABLE, rows 1–300 commit in three transactions (the last also deletes every seventh row);
// rows 1001–3000 are inserted by a transaction that is still open when the shell dies.
const committedIds = range(1, 300).filter((id) => id % 7 !== 0);

const transactions = [
  insertRows(1, 100),
  insertRows(101, 200),
  `BEGIN; ${insertRows(201, 300)} DELETE FROM t WHERE id % 7 = 0; COMMIT;`,
  `BEGIN; ${insertRows(1001, 3000)}`,
];

test.before(async () => {
  SQL = await initSqlJs({ locateFile: () => WASM_PATH });
  small = await writeKilledWalDatabase('small.db', 4096, transactions);
  large = await writeKilledWalDatabase('large.db', 65536, transactions);
});

test.after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

test('the killed shell left its rows in an un-checkpointed -wal file', () => {
  assert.ok(small.wal.length > 0, 'the -wal file is non-empty');
  assert.equal(small.image[18], 2, 'the database file is in WAL mode');
  assert.equal(
    readIds(applyWal(small.image, new Uint8Array(0), small.dbPath).image),
    null,
    'the database file alone has no table t',
  );
  const frames = frameHeaders(small.wal, small.pageSize);
  assert.ok(frames.at(-1)!.commitSize === 0, 'the log ends with frames of the uncommitted transaction');
});

test('applies every committed transaction and none of the uncommitted one', () => {
  const { image, framesApplied } = applyWal(small.image, small.wal, small.dbPath);
  const frames = frameHeaders(small.wal, small.pageSize);
  const lastCommit = commitFrames(frames).at(-1)!;
  assert.is(framesApplied, lastCommit + 1);
  assert.ok(framesApplied < frames.length, 'frames after the last commit are ignored');

  assert.equal(readIds(image), committedIds);
  assert.is(integrityCheck(image), 'ok');
  assert.is(readBody(image, 250), `row 250 ${'0'.repeat(200)}`);

  const header = new DataView(image.buffer, image.byteOffset, image.byteLength);
  assert.equal([image[18], image[19]], [1, 1], 'rollback-journal mode');
  assert.is(header.getUint32(28), image.length / small.pageSize, 'in-header page count is the final size');
  assert.is(image.length / small.pageSize, frames[lastCommit]!.commitSize);
  assert.is(header.getUint32(92), header.getUint32(24), 'version-valid-for matches the change counter');
});

test('agrees with SQLite reading the same log itself', () => {
  const { image } = applyWal(small.image, small.wal, small.dbPath);
  assert.is(sqliteReadsWithLog(small, small.wal), `${committedIds.length}|${sum(committedIds)}`);
  assert.equal(readIds(image)!.length, committedIds.length);
});

test('the result is a consistent rollback-mode file for the sqlite3 shell', () => {
  const { image } = applyWal(small.image, small.wal, small.dbPath);
  const file = path.join(fs.mkdtempSync(path.join(root, 'result-')), 'applied.db');
  fs.writeFileSync(file, image);
  assert.is(sqliteShell(file, 'PRAGMA integrity_check; SELECT count(*) FROM t;'), `ok\n${committedIds.length}`);
  assert.is(sqliteShell(file, 'PRAGMA journal_mode;'), 'delete');
});

test('an empty database image takes its page size from the log', () => {
  const { image, framesApplied } = applyWal(new Uint8Array(0), small.wal, small.dbPath);
  assert.ok(framesApplied > 0);
  assert.equal(readIds(image), committedIds);
  assert.is(integrityCheck(image), 'ok');
});

test('an empty, short or header-corrupted log applies nothing; only bytes 18 and 19 change', () => {
  const expected = copyOf(small.image);
  expected[18] = 1;
  expected[19] = 1;
  const badHeaderChecksum = copyOf(small.wal.subarray(0, 4096));
  badHeaderChecksum[16] ^= 0xff; // salt-1, covered by the header checksum
  for (const wal of [new Uint8Array(0), small.wal.subarray(0, 31), badHeaderChecksum]) {
    const result = applyWal(small.image, wal, small.dbPath);
    assert.is(result.framesApplied, 0);
    assert.equal(result.image, expected);
  }
  assert.is(small.image[18], 2, 'the input image, a Buffer, is not modified');
});

test('a corrupted frame ends the log: only transactions committed before it apply', () => {
  const frames = frameHeaders(small.wal, small.pageSize);
  const commits = commitFrames(frames);
  assert.is(commits.length, 4, 'CREATE TABLE and three inserting transactions committed');
  const [, , secondInsertCommit, thirdInsertCommit] = commits as [number, number, number, number];
  assert.ok(thirdInsertCommit - secondInsertCommit > 1, 'the third transaction spans several frames');

  // Break the third transaction's commit frame: its earlier frames still check out, but never committed.
  const wal = copyOf(small.wal);
  wal[frameStart(thirdInsertCommit, small.pageSize) + 24 + 100] ^= 0x01;
  const { image, framesApplied } = applyWal(small.image, wal, small.dbPath);
  assert.is(framesApplied, secondInsertCommit + 1);
  assert.equal(readIds(image), range(1, 200));
  assert.is(integrityCheck(image), 'ok');
  assert.is(sqliteReadsWithLog(small, wal), `200|${sum(range(1, 200))}`);
});

test('a log with big-endian checksum words (magic 0x377f0683) applies the same', () => {
  const wal = withBigEndianChecksums(small.wal, small.pageSize);
  assert.is(
    sqliteReadsWithLog(small, wal),
    `${committedIds.length}|${sum(committedIds)}`,
    'SQLite accepts the re-signed log',
  );
  const { image, framesApplied } = applyWal(small.image, wal, small.dbPath);
  assert.is(framesApplied, applyWal(small.image, small.wal, small.dbPath).framesApplied);
  assert.equal(readIds(image), committedIds);
});

test('a log whose page size differs from the database throws CorruptDatabaseError', () => {
  const image = copyOf(small.image);
  image[16] = 0x20; // 8192-byte pages
  image[17] = 0x00;
  assert.throws(
    () => applyWal(image, small.wal, small.dbPath),
    (error: unknown) => error instanceof CorruptDatabaseError && error.code === 'E_CORRUPT',
  );
});

test('a transaction that shrinks the database (VACUUM) truncates the image to its commit size', async () => {
  // The checkpoint moves the 300 rows into the database file; the shrinking happens in the log only.
  const statements = [
    insertRows(1, 300),
    'PRAGMA wal_checkpoint(TRUNCATE);',
    'DELETE FROM t WHERE id > 10;',
    'VACUUM;',
  ];
  const shrunk = await writeKilledWalDatabase('shrunk.db', 4096, statements);
  const frames = frameHeaders(shrunk.wal, shrunk.pageSize);
  const finalSize = frames.at(-1)!.commitSize;
  assert.ok(shrunk.image.length > finalSize * shrunk.pageSize, 'the database file is larger than the final size');
  assert.ok(
    frames.some((frame) => frame.pageNumber > finalSize),
    'the DELETE wrote pages past the final size',
  );

  const { image, framesApplied } = applyWal(shrunk.image, shrunk.wal, shrunk.dbPath);
  assert.is(framesApplied, frames.length);
  assert.is(image.length, finalSize * shrunk.pageSize);
  assert.equal(readIds(image), range(1, 10));
  assert.is(integrityCheck(image), 'ok');
});

test('65536-byte pages (1 in the database header, 65536 in the log header) apply', () => {
  assert.equal([large.image[16], large.image[17]], [0, 1]);
  const { image, framesApplied } = applyWal(large.image, large.wal, large.dbPath);
  assert.ok(framesApplied > 0);
  assert.equal(readIds(image), committedIds);
  assert.is(integrityCheck(image), 'ok');
  assert.is(sqliteReadsWithLog(large, large.wal), `${committedIds.length}|${sum(committedIds)}`);
});

test.run();

/** Runs the sqlite3 shell on a fresh WAL-mode database, then SIGKILLs it so nothing gets checkpointed. */
async function writeKilledWalDatabase(name: string, pageSize: number, statements: string[]): Promise<Fixture> {
  const dbPath = path.join(fs.mkdtempSync(path.join(root, 'fixture-')), name);
  await killShellWhenReady(
    dbPath,
    [
      `PRAGMA page_size=${pageSize};`,
      'PRAGMA journal_mode=WAL;',
      'PRAGMA wal_autocheckpoint=0;',
      'PRAGMA cache_size=1;', // a tiny cache makes an open transaction spill its pages into the log
      'CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT NOT NULL);',
      ...statements,
    ].join('\n'),
  );
  return { dbPath, image: fs.readFileSync(dbPath), wal: fs.readFileSync(`${dbPath}-wal`), pageSize };
}

function insertRows(from: number, to: number): string {
  return (
    `WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM n WHERE i < ${to}) ` +
    `INSERT INTO t SELECT i, printf('row %d %s', i, hex(zeroblob(100))) FROM n;`
  );
}

/** What SQLite itself reads from the database file plus `wal`, as "count|sum" of t's ids. */
function sqliteReadsWithLog(fixture: Fixture, wal: Uint8Array): string {
  const copy = path.join(fs.mkdtempSync(path.join(root, 'native-')), 'copy.db');
  fs.writeFileSync(copy, fixture.image);
  fs.writeFileSync(`${copy}-wal`, wal);
  return sqliteShell(copy, 'SELECT count(*), sum(id) FROM t;');
}

/** The ids in table t, or null when the image has no such table. */
function readIds(image: Uint8Array): number[] | null {
  return withDatabase(image, (db) => {
    const hasTable = db.exec("SELECT 1 FROM sqlite_schema WHERE name = 't'").length > 0;
    if (!hasTable) return null;
    return db.exec('SELECT id FROM t ORDER BY id')[0]!.values.map((row) => Number(row[0]));
  });
}

function readBody(image: Uint8Array, id: number): unknown {
  return withDatabase(image, (db) => db.exec(`SELECT body FROM t WHERE id = ${id}`)[0]!.values[0]![0]);
}

function integrityCheck(image: Uint8Array): unknown {
  return withDatabase(image, (db) => db.exec('PRAGMA integrity_check')[0]!.values[0]![0]);
}

function withDatabase<T>(image: Uint8Array, read: (db: InstanceType<SqlJsStatic['Database']>) => T): T {
  const db = new SQL.Database(image);
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/**
 * The log as a big-endian machine would have written it: x86 writes little-endian checksum
 * words (magic 0x377f0682), so this re-signs the header and every frame with the other order.
 */
function withBigEndianChecksums(log: Uint8Array, pageSize: number): Uint8Array {
  const wal = copyOf(log);
  const view = new DataView(wal.buffer);
  let s1 = 0;
  let s2 = 0;
  const sign = (start: number, end: number) => {
    for (let offset = start; offset < end; offset += 8) {
      s1 = (s1 + view.getUint32(offset) + s2) >>> 0;
      s2 = (s2 + view.getUint32(offset + 4) + s1) >>> 0;
    }
  };
  view.setUint32(0, 0x377f0683);
  sign(0, 24);
  view.setUint32(24, s1);
  view.setUint32(28, s2);
  for (let start = 32; start + 24 + pageSize <= wal.length; start += 24 + pageSize) {
    sign(start, start + 8);
    sign(start + 24, start + 24 + pageSize);
    view.setUint32(start + 16, s1);
    view.setUint32(start + 20, s2);
  }
  return wal;
}

/** Each frame's page number and commit size, read without checking salts or checksums. */
function frameHeaders(wal: Uint8Array, pageSize: number): { pageNumber: number; commitSize: number }[] {
  const view = new DataView(wal.buffer, wal.byteOffset, wal.byteLength);
  const count = Math.floor((wal.length - 32) / (24 + pageSize));
  return range(0, count - 1).map((index) => ({
    pageNumber: view.getUint32(frameStart(index, pageSize)),
    commitSize: view.getUint32(frameStart(index, pageSize) + 4),
  }));
}

function commitFrames(frames: { commitSize: number }[]): number[] {
  return frames.flatMap((frame, index) => (frame.commitSize !== 0 ? [index] : []));
}

function frameStart(index: number, pageSize: number): number {
  return 32 + index * (24 + pageSize);
}

/** Fixture bytes are Buffers, whose slice() shares memory; tests change only real copies. */
function copyOf(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
