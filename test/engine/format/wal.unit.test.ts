// lib/db/wal.ts against logs built by an independent reference (sqlite-bytes.ts):
// headers and frames byte for byte, the committed part of a log (torn, corrupt,
// stale-salted and uncommitted frames left out), and applying it onto an image.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CorruptDatabaseError } from '../../../lib/engine/errors.js';
import {
  applyWal,
  committedPages,
  encodeFrames,
  encodeWalHeader,
  readWalHeader,
  scanCommitted,
  startOf,
  FRAME_HEADER_SIZE,
  WAL_HEADER_SIZE,
  type WalHeader,
} from '../../../lib/engine/format/wal.js';
import { throwsWith } from '../../helpers/expect-error.js';
import {
  databaseImage,
  getU32,
  misaligned,
  page,
  putU32,
  referenceChecksum,
  referenceHeader,
  referenceLog,
  WAL_VERSION,
  type LogOptions,
  type ReferenceFrame,
} from '../../helpers/sqlite-bytes.js';

const FILE = '/db/state.db';
const SMALL: LogOptions = { pageSize: 512, salt1: 0x11223344, salt2: 0xfedcba98 };

/** Two commits (pages 1+2 leaving 2 pages, then page 3 leaving 3), then a frame of a transaction that never committed. */
function twoCommitsAndATail(pageSize = SMALL.pageSize): ReferenceFrame[] {
  return [
    { page: 1, content: page(pageSize, 0x10) },
    { page: 2, content: page(pageSize, 0x20), commit: 2 },
    { page: 3, content: page(pageSize, 0x30), commit: 3 },
    { page: 2, content: page(pageSize, 0x99) },
  ];
}

function header(options: LogOptions): WalHeader {
  const found = readWalHeader(referenceHeader(options).bytes, FILE);
  if (!found) throw new Error('the reference header was not read');
  return found;
}

test('the reference checksum matches the format document on a tiny input', () => {
  // Hand-computed: words 1 and 2 (little-endian) give s0 = 1, s1 = 2 + 1 = 3.
  assert.equal(referenceChecksum(new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0]), false), [1, 3]);
  assert.equal(referenceChecksum(new Uint8Array([0, 0, 0, 1, 0, 0, 0, 2]), true), [1, 3]);
  // Sums wrap modulo 2^32.
  assert.equal(referenceChecksum(new Uint8Array(8).fill(0xff), false), [0xffffffff, 0xfffffffe]);
});

test('encodeWalHeader writes the header the format document describes, little-endian checksums', () => {
  for (const pageSize of [512, 1024, 4096, 65536]) {
    const expected = referenceHeader({ pageSize, salt1: 0xdeadbeef, salt2: 7 }).bytes;
    assert.equal([...encodeWalHeader(pageSize, 0xdeadbeef, 7)], [...expected], `${pageSize}-byte pages`);
  }
});

test('readWalHeader reads both byte orders and returns the header checksum', () => {
  for (const bigEndian of [false, true]) {
    const reference = referenceHeader({ ...SMALL, bigEndian, checkpointSequence: 5 });
    const read = readWalHeader(reference.bytes, FILE);
    assert.equal(read, {
      pageSize: 512,
      salt1: SMALL.salt1,
      salt2: SMALL.salt2,
      checksum: reference.checksum,
      bigEndianChecksum: bigEndian,
    });
    // A Buffer-like view at an odd offset reads the same.
    assert.equal(readWalHeader(misaligned(reference.bytes), FILE), read);
  }
  // 65536 is stored as is in the log header (unlike the database header).
  assert.is(readWalHeader(referenceHeader({ ...SMALL, pageSize: 65536 }).bytes, FILE)?.pageSize, 65536);
});

test('readWalHeader ignores a log SQLite would ignore: short, unknown magic, bad checksum, bad page size', () => {
  const good = referenceHeader(SMALL).bytes;
  assert.is(readWalHeader(new Uint8Array(0), FILE), undefined, 'empty');
  assert.is(readWalHeader(good.subarray(0, 31), FILE), undefined, 'one byte short');

  const badMagic = new Uint8Array(good);
  putU32(badMagic, 0, 0x377f0684);
  assert.is(readWalHeader(badMagic, FILE), undefined, 'unknown magic');

  const badSum = new Uint8Array(good);
  badSum[31] ^= 1;
  assert.is(readWalHeader(badSum, FILE), undefined, 'checksum off by one bit');
  const changedSalt = new Uint8Array(good);
  changedSalt[19] ^= 0x80;
  assert.is(readWalHeader(changedSalt, FILE), undefined, 'a salt changed after the checksum');

  // The big-endian magic with a little-endian checksum does not hold.
  const wrongOrder = new Uint8Array(good);
  putU32(wrongOrder, 0, 0x377f0683);
  const littleSums = referenceChecksum(wrongOrder.subarray(0, 24), false);
  putU32(wrongOrder, 24, littleSums[0]);
  putU32(wrongOrder, 28, littleSums[1]);
  assert.is(readWalHeader(wrongOrder, FILE), undefined, 'checksum in the other byte order');

  for (const pageSize of [0, 256, 1000, 131072]) {
    assert.is(readWalHeader(referenceHeader({ ...SMALL, pageSize }).bytes, FILE), undefined, `page size ${pageSize}`);
  }
});

test('readWalHeader refuses a valid header of another format version, naming the file', () => {
  const other = referenceHeader({ ...SMALL, version: 3007001 }).bytes;
  throwsWith(() => readWalHeader(other, FILE), CorruptDatabaseError, 'E_CORRUPT', FILE, '3007001', String(WAL_VERSION));
});

test('startOf is the first frame, carrying the header checksum', () => {
  const found = header(SMALL);
  assert.equal(startOf(found), { offset: WAL_HEADER_SIZE, checksum: found.checksum });
});

test('encodeFrames writes the reference frames, the last one the commit, chained from the header', () => {
  for (const bigEndian of [false, true]) {
    const options = { ...SMALL, bigEndian };
    const pages: Array<[number, Uint8Array]> = [
      [1, page(512, 0x10)],
      [2, page(512, 0x20)],
      [5, page(512, 0x50)],
    ];
    const reference = referenceLog(options, [
      { page: 1, content: pages[0]![1] },
      { page: 2, content: pages[1]![1] },
      { page: 5, content: pages[2]![1], commit: 5 },
    ]);
    const { bytes, end } = encodeFrames(header(options), startOf(header(options)), pages, 5);
    assert.equal(
      [...bytes],
      [...reference.bytes.subarray(WAL_HEADER_SIZE)],
      `byte order ${bigEndian ? 'big' : 'little'}`,
    );
    assert.equal(end, { offset: reference.bytes.length, checksum: reference.sums[2] });
  }
});

test('encodeFrames continues a log: two calls make the same bytes as one log of two commits', () => {
  const found = header(SMALL);
  const first = encodeFrames(
    found,
    startOf(found),
    [
      [1, page(512, 1)],
      [2, page(512, 2)],
    ],
    2,
  );
  const second = encodeFrames(found, first.end, [[3, page(512, 3)]], 3);
  const reference = referenceLog(SMALL, [
    { page: 1, content: page(512, 1) },
    { page: 2, content: page(512, 2), commit: 2 },
    { page: 3, content: page(512, 3), commit: 3 },
  ]);
  assert.equal(
    [...encodeWalHeader(512, SMALL.salt1, SMALL.salt2), ...first.bytes, ...second.bytes],
    [...reference.bytes],
  );
  assert.equal(second.end, { offset: reference.bytes.length, checksum: reference.sums[2] });
});

test('scanCommitted keeps the frames up to the last commit and leaves out the uncommitted tail', () => {
  for (const bigEndian of [false, true]) {
    const options = { ...SMALL, bigEndian };
    const log = referenceLog(options, twoCommitsAndATail());
    const found = header(options);
    const committed = scanCommitted(log.bytes, 0, found, startOf(found));
    assert.equal(committed, {
      frameOffsets: log.offsets.slice(0, 3),
      end: { offset: log.offsets[3]!, checksum: log.sums[2] },
      pageCount: 3,
    });
    // Unaligned bytes (a Buffer from the pool, say) give the same answer.
    assert.equal(scanCommitted(misaligned(log.bytes), 0, found, startOf(found)), committed);
  }
});

test('scanCommitted finds nothing in a log without a commit frame', () => {
  const log = referenceLog(SMALL, [
    { page: 1, content: page(512, 1) },
    { page: 2, content: page(512, 2) },
  ]);
  const found = header(SMALL);
  assert.equal(scanCommitted(log.bytes, 0, found, startOf(found)), {
    frameOffsets: [],
    end: startOf(found),
    pageCount: 0,
  });
  assert.equal(scanCommitted(log.bytes.subarray(0, 32), 0, found, startOf(found)).pageCount, 0, 'header only');
});

test('scanCommitted stops at a torn frame: a commit whose frames are not all there is not committed', () => {
  const log = referenceLog(SMALL, twoCommitsAndATail());
  const found = header(SMALL);
  // Cut one byte short of the end of the second commit's frame.
  const torn = log.bytes.subarray(0, log.offsets[2]! + log.frameSize - 1);
  const committed = scanCommitted(torn, 0, found, startOf(found));
  assert.equal(committed.frameOffsets, log.offsets.slice(0, 2));
  assert.equal(committed.end, { offset: log.offsets[2]!, checksum: log.sums[1] });
  assert.is(committed.pageCount, 2);
});

test('scanCommitted stops at a frame whose checksum fails, and ignores everything after it', () => {
  const found = header(SMALL);
  const inPage = referenceLog(SMALL, twoCommitsAndATail());
  inPage.bytes[inPage.offsets[2]! + FRAME_HEADER_SIZE + 100] ^= 0x01; // one bit of page 3's content
  assert.equal(scanCommitted(inPage.bytes, 0, found, startOf(found)).frameOffsets, inPage.offsets.slice(0, 2));

  const inSum = referenceLog(SMALL, twoCommitsAndATail());
  inSum.bytes[inSum.offsets[1]! + 20] ^= 0x01; // the commit frame's second checksum word
  assert.equal(
    scanCommitted(inSum.bytes, 0, found, startOf(found)).pageCount,
    0,
    'the first commit is gone, so is the second',
  );

  // A frame checksummed from the wrong seed (another log's chain) does not hold either.
  const foreign = referenceLog({ ...SMALL, salt2: SMALL.salt2 ^ 1 }, twoCommitsAndATail());
  for (const offset of foreign.offsets) {
    putU32(foreign.bytes, offset + 12, SMALL.salt2);
  }
  assert.equal(scanCommitted(foreign.bytes, 0, found, startOf(found)).pageCount, 0);
});

test('scanCommitted stops at frames with other salts, even when their checksums chain', () => {
  const found = header(SMALL);
  const frames = twoCommitsAndATail();
  frames[2] = { ...frames[2]!, salts: [SMALL.salt1 + 1, SMALL.salt2] }; // left from before the log restarted
  const log = referenceLog(SMALL, frames);
  const committed = scanCommitted(log.bytes, 0, found, startOf(found));
  assert.equal(committed.frameOffsets, log.offsets.slice(0, 2));
  assert.is(committed.pageCount, 2);

  const secondSalt = twoCommitsAndATail();
  secondSalt[0] = { ...secondSalt[0]!, salts: [SMALL.salt1, 0] };
  assert.equal(scanCommitted(referenceLog(SMALL, secondSalt).bytes, 0, found, startOf(found)).frameOffsets, []);
});

test('scanCommitted reads a slice of the log from a later position, with offsets in the whole file', () => {
  const log = referenceLog(SMALL, twoCommitsAndATail());
  const found = header(SMALL);
  const afterFirst = { offset: log.offsets[2]!, checksum: log.sums[1] };
  const slice = log.bytes.subarray(afterFirst.offset);
  const committed = scanCommitted(slice, afterFirst.offset, found, afterFirst);
  assert.equal(committed, {
    frameOffsets: [log.offsets[2]!],
    end: { offset: log.offsets[3]!, checksum: log.sums[2] },
    pageCount: 3,
  });
  // Nothing new past the last commit.
  assert.equal(
    scanCommitted(log.bytes.subarray(log.offsets[3]!), log.offsets[3]!, found, committed.end).frameOffsets,
    [],
  );
});

test('committedPages: the last frame of a page wins, page 1 comes in rollback mode, the log is not changed', () => {
  const pageSize = 512;
  const page1 = databaseImage({ pageSize, pageCount: 1, versions: [2, 2] }); // page 1 as a WAL-mode writer leaves it
  const log = referenceLog(SMALL, [
    { page: 1, content: page1 },
    { page: 2, content: page(pageSize, 0x21), commit: 2 },
    { page: 2, content: page(pageSize, 0x22), commit: 2 },
  ]);
  const found = header(SMALL);
  const committed = scanCommitted(log.bytes, 0, found, startOf(found));
  const pages = committedPages(log.bytes, 0, committed, pageSize);
  assert.equal([...pages.keys()].sort(), [1, 2]);
  assert.equal([...pages.get(2)!], [...page(pageSize, 0x22)]);
  const first = pages.get(1)!;
  assert.equal([first[18], first[19]], [1, 1]);
  assert.equal([...first.subarray(20)], [...page1.subarray(20)]);
  assert.equal(
    [log.bytes[log.offsets[0]! + 24 + 18], log.bytes[log.offsets[0]! + 24 + 19]],
    [2, 2],
    'the frame in the log still says WAL mode',
  );

  // From a slice of the log, given where it starts.
  const from = log.offsets[1]!;
  const sliced = committedPages(
    log.bytes.subarray(from),
    from,
    { ...committed, frameOffsets: committed.frameOffsets.slice(1) },
    pageSize,
  );
  assert.equal([...sliced.get(2)!], [...page(pageSize, 0x22)]);
});

test('applyWal lays the committed pages over the image: grown, in rollback mode, change counter bumped', () => {
  const pageSize = 512;
  const image = databaseImage({ pageSize, pageCount: 2, changeCounter: 41, versions: [2, 2] });
  const before = new Uint8Array(image);
  const log = referenceLog(SMALL, [
    { page: 2, content: page(pageSize, 0x22) },
    { page: 3, content: page(pageSize, 0x33), commit: 3 },
    { page: 2, content: page(pageSize, 0x99) }, // never committed
  ]);
  const applied = applyWal(image, log.bytes, FILE);
  assert.equal([...image], [...before], "the caller's image is left as it was");
  assert.is(applied.framesApplied, 2);
  assert.equal(applied.log?.end, { offset: log.offsets[2]!, checksum: log.sums[1] });
  assert.equal(applied.log?.header, header(SMALL));
  const result = applied.image;
  assert.is(result.length, 3 * pageSize);
  assert.equal([...result.subarray(pageSize, 2 * pageSize)], [...page(pageSize, 0x22)]);
  assert.equal([...result.subarray(2 * pageSize)], [...page(pageSize, 0x33)]);
  assert.equal([result[18], result[19]], [1, 1]);
  assert.is(getU32(result, 24), 42, 'change counter');
  assert.is(getU32(result, 92), 42, 'version-valid-for');
  assert.is(getU32(result, 28), 3, 'page count');
});

test('applyWal shrinks the image when the last commit leaves fewer pages', () => {
  const pageSize = 512;
  const image = databaseImage({ pageSize, pageCount: 4 });
  const log = referenceLog(SMALL, [{ page: 2, content: page(pageSize, 0x55), commit: 2 }]);
  const { image: result } = applyWal(image, log.bytes, FILE);
  assert.is(result.length, 2 * pageSize);
  assert.is(result[pageSize], 0x55);
  assert.is(getU32(result, 28), 2);
});

test('applyWal on an empty database takes the page size from the log', () => {
  const pageSize = 1024;
  const options = { ...SMALL, pageSize };
  const page1 = databaseImage({ pageSize, pageCount: 1, versions: [2, 2] });
  const log = referenceLog(options, [
    { page: 1, content: page1 },
    { page: 2, content: page(pageSize, 2), commit: 2 },
  ]);
  const { image, framesApplied } = applyWal(new Uint8Array(0), log.bytes, FILE);
  assert.is(framesApplied, 2);
  assert.is(image.length, 2 * pageSize);
  assert.equal([image[18], image[19]], [1, 1]);
  assert.is(image[pageSize + 7], 2);
});

test('applyWal with a log SQLite would ignore returns a rollback-mode copy and no log position', () => {
  const image = databaseImage({ pageSize: 512, pageCount: 2, versions: [2, 2] });
  for (const wal of [new Uint8Array(0), new Uint8Array(32), referenceHeader(SMALL).bytes.subarray(0, 20)]) {
    const applied = applyWal(image, wal, FILE);
    assert.is(applied.framesApplied, 0);
    assert.is(applied.log, undefined);
    assert.ok(applied.image !== image, 'a copy');
    assert.equal([applied.image[18], applied.image[19]], [1, 1]);
    assert.equal([image[18], image[19]], [2, 2], "the caller's image is left as it was");
    assert.equal([...applied.image.subarray(20)], [...image.subarray(20)]);
  }
});

test('applyWal with a valid header and no commit keeps the image and says where frames go', () => {
  const image = databaseImage({ pageSize: 512, pageCount: 2 });
  const log = referenceLog(SMALL, [{ page: 2, content: page(512, 9) }]);
  const applied = applyWal(image, log.bytes, FILE);
  assert.is(applied.framesApplied, 0);
  assert.equal(applied.log?.end, startOf(header(SMALL)));
  assert.equal([...applied.image], [...image]);
});

test('applyWal handles 65536-byte pages, stored as 1 in the database header', () => {
  const pageSize = 65536;
  const options = { ...SMALL, pageSize };
  const image = databaseImage({ pageSize, pageCount: 1 });
  const log = referenceLog(options, [{ page: 2, content: page(pageSize, 0x42), commit: 2 }]);
  const { image: result, framesApplied } = applyWal(image, log.bytes, FILE);
  assert.is(framesApplied, 1);
  assert.is(result.length, 2 * pageSize);
  assert.is(result[pageSize + 65535], 0x42);
});

test("applyWal refuses a log whose page size is not the database's, and a database shorter than its header", () => {
  const log = referenceLog(SMALL, [{ page: 1, content: page(512, 1), commit: 1 }]);
  throwsWith(
    () => applyWal(databaseImage({ pageSize: 1024, pageCount: 1 }), log.bytes, FILE),
    CorruptDatabaseError,
    'E_CORRUPT',
    FILE,
    '512-byte',
    '1024-byte',
  );
  throwsWith(
    () => applyWal(databaseImage({ pageSize: 512, pageCount: 1 }).subarray(0, 60), log.bytes, FILE),
    CorruptDatabaseError,
    'E_CORRUPT',
    FILE,
    '60 bytes',
  );
});

test.run();
