// lib/db/image.ts: what the 100-byte header says (page size, WAL mode), and which
// files it refuses before sql.js sees them, with which code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CorruptDatabaseError, NotSqliteError } from '../../../lib/engine/errors.js';
import { readImageHeader } from '../../../lib/engine/format/header.js';
import { throwsWith } from '../../helpers/expect-error.js';
import { databaseImage, misaligned, putU32 } from '../../helpers/sqlite-bytes.js';

const FILE = '/project/.agent-farm/state.db';

test('reads the page size of every power of two from 512 to 65536 (stored as 1)', () => {
  for (let pageSize = 512; pageSize <= 65536; pageSize *= 2) {
    const image = databaseImage({ pageSize, pageCount: 2 });
    assert.equal(readImageHeader(image, FILE), { pageSize, walMode: false }, `${pageSize}`);
  }
  const large = databaseImage({ pageSize: 65536, pageCount: 1 });
  assert.equal([large[16], large[17]], [0, 1], 'the fixture stores 65536 as 1');
});

test('walMode is true when either file format version byte is 2', () => {
  const cases: Array<[[number, number], boolean]> = [
    [[1, 1], false],
    [[2, 2], true],
    [[2, 1], true],
    [[1, 2], true],
  ];
  for (const [versions, walMode] of cases) {
    assert.is(
      readImageHeader(databaseImage({ pageSize: 1024, pageCount: 1, versions }), FILE).walMode,
      walMode,
      versions.join('/'),
    );
  }
});

test('an unknown file format version is E_CORRUPT', () => {
  for (const versions of [
    [0, 1],
    [1, 3],
    [3, 3],
  ] as Array<[number, number]>) {
    throwsWith(
      () => readImageHeader(databaseImage({ pageSize: 1024, pageCount: 1, versions }), FILE),
      CorruptDatabaseError,
      'E_CORRUPT',
      FILE,
      `${versions[0]}/${versions[1]}`,
    );
  }
});

test('an empty file is E_CORRUPT: this package never leaves one', () => {
  throwsWith(() => readImageHeader(new Uint8Array(0), FILE), CorruptDatabaseError, 'E_CORRUPT', FILE, 'empty');
});

test('a file without the magic string, or shorter than the header, is E_NOT_SQLITE', () => {
  const text = new TextEncoder().encode('{"architect": null, "builders": []}'.padEnd(2048, ' '));
  throwsWith(() => readImageHeader(text, FILE), NotSqliteError, 'E_NOT_SQLITE', FILE);
  const almost = databaseImage({ pageSize: 1024, pageCount: 1 });
  almost[15] = 1; // the magic's trailing NUL
  throwsWith(() => readImageHeader(almost, FILE), NotSqliteError, 'E_NOT_SQLITE');
  throwsWith(
    () => readImageHeader(databaseImage({ pageSize: 1024, pageCount: 1 }).subarray(0, 99), FILE),
    NotSqliteError,
    'E_NOT_SQLITE',
  );
});

test('a page size that is no power of two, or below 512, is E_CORRUPT naming the stored value', () => {
  for (const stored of [0, 2, 256, 1000, 65535]) {
    const image = databaseImage({ pageSize: 1024, pageCount: 4 });
    image[16] = stored >> 8;
    image[17] = stored & 0xff;
    throwsWith(() => readImageHeader(image, FILE), CorruptDatabaseError, 'E_CORRUPT', `invalid page size ${stored}`);
  }
});

test('a size that is not a whole number of pages is E_CORRUPT, unless partial', () => {
  const image = databaseImage({ pageSize: 1024, pageCount: 3 }).subarray(0, 2500);
  throwsWith(
    () => readImageHeader(image, FILE),
    CorruptDatabaseError,
    'E_CORRUPT',
    'size 2500',
    '1024-byte',
    'truncated',
  );
  assert.equal(readImageHeader(image, FILE, { partial: true }), { pageSize: 1024, walMode: false });
});

test('fewer pages than a trustworthy header count is E_CORRUPT (truncated), unless partial', () => {
  const image = databaseImage({ pageSize: 1024, pageCount: 2, headerPageCount: 5 });
  throwsWith(() => readImageHeader(image, FILE), CorruptDatabaseError, 'E_CORRUPT', 'truncated', '5 pages', 'holds 2');
  assert.is(readImageHeader(image, FILE, { partial: true }).pageSize, 1024);
});

test('the header count is not believed when version-valid-for differs from the change counter', () => {
  // SQLite itself ignores a stale in-header size (a legacy writer left it), and so does the check.
  const image = databaseImage({ pageSize: 1024, pageCount: 2, headerPageCount: 5, changeCounter: 9, validFor: 8 });
  assert.equal(readImageHeader(image, FILE), { pageSize: 1024, walMode: false });
  const zero = databaseImage({ pageSize: 1024, pageCount: 2, headerPageCount: 0 });
  assert.equal(readImageHeader(zero, FILE), { pageSize: 1024, walMode: false });
});

test('more pages than the header counts are fine (the count is a lower bound for the check)', () => {
  const image = databaseImage({ pageSize: 512, pageCount: 4 });
  putU32(image, 28, 2);
  assert.is(readImageHeader(image, FILE).pageSize, 512);
});

test('a view into a larger buffer at an odd offset reads the same', () => {
  const image = databaseImage({ pageSize: 4096, pageCount: 2, versions: [2, 2] });
  assert.equal(readImageHeader(misaligned(image), FILE), { pageSize: 4096, walMode: true });
  assert.equal(readImageHeader(Buffer.from(image), FILE), { pageSize: 4096, walMode: true });
});

test.run();
