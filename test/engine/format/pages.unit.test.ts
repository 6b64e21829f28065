// lib/db/pages.ts: laying pages and SQLite's writes over an image, finding the
// pages that changed, and the header fields that tell a cache the file changed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CorruptDatabaseError, NotSqliteError } from '../../../lib/engine/errors.js';
import { cacheStamp, inRollbackMode, markChanged, trustedPageCount } from '../../../lib/engine/format/header.js';
import {
  changedPageNumbers,
  pageOf,
  sameBytes,
  withPages,
  withWrites,
  type Pages,
} from '../../../lib/engine/format/pages.js';
import { throwsWith } from '../../helpers/expect-error.js';
import { databaseImage, getU32, page, putU32 } from '../../helpers/sqlite-bytes.js';

const FILE = '/db/state.db';
const SIZE = 512;

/** A reader over `file` shaped like a positional read(2): copies `length` bytes at `position` into `target` at the same position. */
function readerOf(file: Uint8Array): (target: Uint8Array, position: number, length: number) => number {
  return (target, position, length) => {
    const bytes = file.subarray(position, position + length);
    target.set(bytes, position);
    return bytes.length;
  };
}

test("pageOf is the page's bytes, counting from 1, sharing the image's memory", () => {
  const image = databaseImage({ pageSize: SIZE, pageCount: 3 });
  const third = pageOf(image, 3, SIZE);
  assert.is(third.length, SIZE);
  assert.ok(third.every((byte) => byte === 3));
  third[0] = 0xee;
  assert.is(image[2 * SIZE], 0xee);
});

test('sameBytes compares contents, not offsets or types; two absent arrays are equal', () => {
  const pool = Buffer.alloc(64, 7);
  assert.ok(sameBytes(pool.subarray(3, 13), new Uint8Array(10).fill(7)));
  assert.ok(sameBytes(new Uint8Array(0), new Uint8Array(0)));
  assert.not.ok(sameBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4])));
  assert.not.ok(sameBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0])), 'a prefix is not equal');
  assert.ok(sameBytes(undefined, undefined));
  assert.not.ok(sameBytes(undefined, new Uint8Array(0)));
  assert.not.ok(sameBytes(new Uint8Array(0), undefined));
});

test('changedPageNumbers lists the pages that differ or are new, in order', () => {
  const before = databaseImage({ pageSize: SIZE, pageCount: 4 });
  assert.equal(changedPageNumbers(before, new Uint8Array(before), SIZE), []);

  const after = new Uint8Array(5 * SIZE);
  after.set(before);
  after[SIZE * 1 + 511] ^= 1; // last byte of page 2
  after[SIZE * 3] ^= 1; // first byte of page 4
  assert.equal(changedPageNumbers(before, after, SIZE), [2, 4, 5]);
  // A new page counts even when it is all zeros.
  assert.equal(changedPageNumbers(before.subarray(0, 2 * SIZE), before, SIZE), [3, 4]);
});

test('changedPageNumbers is undefined when the file got shorter', () => {
  const before = databaseImage({ pageSize: SIZE, pageCount: 3 });
  assert.is(changedPageNumbers(before, before.subarray(0, 2 * SIZE), SIZE), undefined);
});

test('withPages lays pages over the image in place when its length stays', () => {
  const image = databaseImage({ pageSize: SIZE, pageCount: 3 });
  const pages: Pages = new Map([[2, page(SIZE, 0x22)]]);
  const result = withPages(image, pages, 3, SIZE);
  assert.ok(result === image, 'the same array');
  assert.ok(pageOf(result, 2, SIZE).every((byte) => byte === 0x22));
  assert.ok(pageOf(result, 3, SIZE).every((byte) => byte === 3));
});

test('withPages grows the image with zero pages, even over stale memory past its end', () => {
  // An image whose buffer has room and old bytes past its end: the new pages must still read as zeros.
  const buffer = new Uint8Array(8 * SIZE).fill(0xff);
  buffer.set(databaseImage({ pageSize: SIZE, pageCount: 2 }));
  const image = buffer.subarray(0, 2 * SIZE);
  const result = withPages(image, new Map([[4, page(SIZE, 0x44)]]), 5, SIZE);
  assert.is(result.length, 5 * SIZE);
  assert.ok(
    pageOf(result, 3, SIZE).every((byte) => byte === 0),
    'page 3 is zeros',
  );
  assert.ok(pageOf(result, 4, SIZE).every((byte) => byte === 0x44));
  assert.ok(
    pageOf(result, 5, SIZE).every((byte) => byte === 0),
    'page 5 is zeros',
  );
  assert.ok(
    pageOf(result, 2, SIZE).every((byte) => byte === 2),
    'old pages kept',
  );
});

test('withPages grows a Buffer or a full array into a copy, leaving the original alone', () => {
  for (const image of [
    Buffer.from(databaseImage({ pageSize: SIZE, pageCount: 1 })),
    databaseImage({ pageSize: SIZE, pageCount: 1 }),
  ]) {
    const original = new Uint8Array(image);
    const result = withPages(image, new Map([[2, page(SIZE, 9)]]), 2, SIZE);
    assert.is(result.length, 2 * SIZE);
    assert.equal([...image], [...original]);
    assert.ok(pageOf(result, 2, SIZE).every((byte) => byte === 9));
    assert.equal([...result.subarray(0, SIZE)], [...original]);
  }
});

test('withPages cuts the image and drops pages past the new size', () => {
  const image = databaseImage({ pageSize: SIZE, pageCount: 4 });
  const result = withPages(
    image,
    new Map([
      [1, page(SIZE, 1)],
      [3, page(SIZE, 0x33)],
    ]),
    2,
    SIZE,
  );
  assert.is(result.length, 2 * SIZE);
  assert.ok(pageOf(result, 1, SIZE).every((byte) => byte === 1));
  assert.ok(pageOf(result, 2, SIZE).every((byte) => byte === 2));
});

test('withWrites applies writes read from the file and names the touched pages in order', () => {
  const image = databaseImage({ pageSize: SIZE, pageCount: 3 });
  const file = databaseImage({ pageSize: SIZE, pageCount: 3 });
  file.fill(0x77, 2 * SIZE + 10, 2 * SIZE + 20); // in page 3
  file.fill(0x66, SIZE - 4, SIZE + 4); // straddles pages 1 and 2
  const writes = new Map([
    [2 * SIZE + 10, 10],
    [SIZE - 4, 8],
  ]);
  const { image: result, pages, pageSize } = withWrites(image, writes, readerOf(file), FILE);
  assert.is(pageSize, SIZE);
  assert.ok(result === image, 'in place when the length stays');
  assert.equal([...result], [...file]);
  assert.equal([...pages.keys()], [1, 2, 3]);
  assert.equal([...pages.get(3)!], [...pageOf(file, 3, SIZE)]);
});

test('withWrites grows the image when SQLite writes past its end', () => {
  const image = databaseImage({ pageSize: SIZE, pageCount: 2 });
  const file = databaseImage({ pageSize: SIZE, pageCount: 4 }); // header says 4 pages
  const writes = new Map([
    [0, 100],
    [2 * SIZE, 2 * SIZE],
  ]);
  const { image: result, pages } = withWrites(image, writes, readerOf(file), FILE);
  assert.is(result.length, 4 * SIZE);
  assert.equal([...result], [...file]);
  assert.equal([...pages.keys()], [1, 3, 4]);
});

test("withWrites shrinks to the header's trusted page count (SQLite truncates, which is no write)", () => {
  const image = databaseImage({ pageSize: SIZE, pageCount: 4 });
  const file = databaseImage({ pageSize: SIZE, pageCount: 2 });
  const { image: result, pages } = withWrites(
    image,
    new Map([
      [0, SIZE],
      [3 * SIZE, 16],
    ]),
    readerOf(file),
    FILE,
  );
  assert.is(result.length, 2 * SIZE);
  assert.equal([...pages.keys()], [1], 'a write to a page past the end is not a page');
});

test('withWrites keeps the extent when the header count is not trustworthy', () => {
  const image = databaseImage({ pageSize: SIZE, pageCount: 3 });
  const file = databaseImage({ pageSize: SIZE, pageCount: 3, headerPageCount: 1, changeCounter: 5, validFor: 4 });
  const { image: result } = withWrites(image, new Map([[0, 100]]), readerOf(file), FILE);
  assert.is(result.length, 3 * SIZE);
});

test('withWrites refuses a result that is not a database, or whose page size is invalid', () => {
  const image = databaseImage({ pageSize: SIZE, pageCount: 2 });
  const garbage = new Uint8Array(2 * SIZE).fill(0x41);
  throwsWith(
    () => withWrites(new Uint8Array(image), new Map([[0, 100]]), readerOf(garbage), FILE),
    NotSqliteError,
    'E_NOT_SQLITE',
    FILE,
  );
  const badSize = databaseImage({ pageSize: SIZE, pageCount: 2 });
  badSize[16] = 0x03; // page size 0x0300 = 768, not a power of two
  badSize[17] = 0x00;
  throwsWith(
    () => withWrites(new Uint8Array(image), new Map([[0, 100]]), readerOf(badSize), FILE),
    CorruptDatabaseError,
    'E_CORRUPT',
    'page size',
  );
});

test('trustedPageCount is believed only when version-valid-for equals the change counter', () => {
  assert.is(trustedPageCount(databaseImage({ pageSize: SIZE, pageCount: 3 })), 3);
  assert.is(
    trustedPageCount(databaseImage({ pageSize: SIZE, pageCount: 3, changeCounter: 10, validFor: 9 })),
    undefined,
  );
  assert.is(trustedPageCount(databaseImage({ pageSize: SIZE, pageCount: 3, headerPageCount: 0 })), undefined);
});

test('cacheStamp is a copy of header bytes 24 to 39', () => {
  const image = databaseImage({ pageSize: SIZE, pageCount: 1, changeCounter: 0x01020304 });
  for (let offset = 32; offset < 40; offset++) image[offset] = offset; // freelist fields, compared too
  const versions = cacheStamp(image);
  assert.equal([...versions], [1, 2, 3, 4, 0, 0, 0, 1, 32, 33, 34, 35, 36, 37, 38, 39]);
  image[24] = 0xff;
  assert.is(versions[0], 1, 'a copy, not a view');
});

test('markChanged bumps the change counter, sets version-valid-for to it and the page count', () => {
  const image = databaseImage({ pageSize: SIZE, pageCount: 2, changeCounter: 99, validFor: 12 });
  const before = cacheStamp(image);
  markChanged(image, 7);
  assert.is(getU32(image, 24), 100);
  assert.is(getU32(image, 92), 100);
  assert.is(getU32(image, 28), 7);
  assert.not.ok(sameBytes(before, cacheStamp(image)), 'a cache comparing bytes 24–39 sees a change');
  assert.is(trustedPageCount(image), 7);
});

test('markChanged wraps the counter past 2^32 - 1', () => {
  const image = databaseImage({ pageSize: SIZE, pageCount: 1 });
  putU32(image, 24, 0xffffffff);
  markChanged(image, 1);
  assert.is(getU32(image, 24), 0);
  assert.is(getU32(image, 92), 0);
});

test('inRollbackMode sets bytes 18 and 19 to 1, and leaves shorter arrays alone', () => {
  const image = databaseImage({ pageSize: SIZE, pageCount: 1, versions: [2, 2] });
  assert.ok(inRollbackMode(image) === image);
  assert.equal([image[17], image[18], image[19], image[20]], [0, 1, 1, 0]);
  const short = new Uint8Array(99).fill(2);
  inRollbackMode(short);
  assert.ok(short.every((byte) => byte === 2));
});

test.run();
