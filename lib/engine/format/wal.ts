// SQLite's write-ahead log format: reading the committed part of a log (the engine's
// own, or one a native SQLite writer left when it was killed before checkpointing)
// onto a database image, and writing new frames that SQLite itself accepts. sql.js
// cannot open WAL-mode files, so images come out in rollback-journal mode.
// Format: https://www.sqlite.org/fileformat2.html, "The Write-Ahead Log".

import { CorruptDatabaseError } from '../errors.js';
import { inRollbackMode, isValidPageSize, markChanged, statedBytes, statedPageSize } from './header.js';
import { withPages, type Pages } from './pages.js';

export interface WalApplication {
  /** The database with the log's committed pages in place, in rollback-journal mode. */
  image: Uint8Array;
  /** How many log frames were copied in: every frame up to the last valid commit frame. */
  framesApplied: number;
  /** The log's header and the end of its last commit, where new frames go; undefined when the log is not valid. */
  log?: { header: WalHeader; end: LogPosition };
}

export const WAL_HEADER_SIZE = 32;
export const FRAME_HEADER_SIZE = 24;
const WAL_MAGIC = 0x377f0682; // the low bit, when set, means big-endian checksum words
const WAL_FORMAT_VERSION = 3007000;

type Checksum = readonly [number, number];
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export interface WalHeader {
  pageSize: number;
  salt1: number;
  salt2: number;
  checksum: Checksum;
  bigEndianChecksum: boolean;
}

/** A point in the log just past a commit frame (or the header), with the running checksum there. */
export interface LogPosition {
  offset: number;
  checksum: Checksum;
}

/** The committed frames found after a position: where they start, where the last commit ends, the size it left. */
export interface CommittedFrames {
  frameOffsets: number[];
  end: LogPosition;
  /** The database size in pages after the last commit; 0 when no commit was found. */
  pageCount: number;
}

/**
 * Applies every frame of `wal` up to and including the last valid commit frame to a copy
 * of `image`; returns the new image in rollback-journal mode (header bytes 18 and 19 set to 1).
 */
export function applyWal(image: Uint8Array, wal: Uint8Array, filePath: string): WalApplication {
  const header = readWalHeader(wal, filePath);
  // SQLite treats a log without a valid header as empty, so the database file alone is the truth.
  if (!header) return { image: inRollbackMode(copyOf(statedBytes(image))), framesApplied: 0 };

  // A database that never got past the log has no bytes of its own yet: the log decides.
  const pageSize = image.length === 0 ? header.pageSize : statedPageSize(image, filePath);
  if (pageSize !== header.pageSize) {
    throw new CorruptDatabaseError(
      filePath,
      `its -wal file has ${header.pageSize}-byte pages but the database has ${pageSize}-byte pages`,
    );
  }

  const committed = scanCommitted(wal, 0, header, startOf(header));
  if (committed.pageCount === 0)
    return {
      image: inRollbackMode(copyOf(statedBytes(image))),
      framesApplied: 0,
      log: { header, end: startOf(header) },
    };
  const result = inRollbackMode(
    withPages(copyOf(image), committedPages(wal, 0, committed, pageSize), committed.pageCount, pageSize),
  );
  markChanged(result, committed.pageCount);
  return { image: result, framesApplied: committed.frameOffsets.length, log: { header, end: committed.end } };
}

/** The position right after the header, where the first frame goes. */
export function startOf(header: WalHeader): LogPosition {
  return { offset: WAL_HEADER_SIZE, checksum: header.checksum };
}

/**
 * The pages of the committed frames (the last frame of a page wins), with page 1
 * in rollback-journal mode. `wal` holds the log's bytes from file offset `walOffset`
 * on; the other pages share its memory.
 */
export function committedPages(
  wal: Uint8Array,
  walOffset: number,
  committed: CommittedFrames,
  pageSize: number,
): Pages {
  const walBytes = view(wal);
  const pages: Pages = new Map();
  for (const frameOffset of committed.frameOffsets) {
    const start = frameOffset - walOffset;
    pages.set(walBytes.getUint32(start), wal.subarray(start + FRAME_HEADER_SIZE, start + FRAME_HEADER_SIZE + pageSize));
  }
  const first = pages.get(1);
  if (first) pages.set(1, inRollbackMode(copyOf(first)));
  return pages;
}

/** The log header, or undefined when SQLite would ignore the log (too short, unknown magic, bad checksum). */
export function readWalHeader(wal: Uint8Array, filePath: string): WalHeader | undefined {
  if (wal.length < WAL_HEADER_SIZE) return undefined;
  const bytes = view(wal);
  const magic = bytes.getUint32(0);
  if ((magic & ~1) !== WAL_MAGIC) return undefined;
  const pageSize = bytes.getUint32(8); // unlike the database header, 65536 is stored as is
  if (!isValidPageSize(pageSize)) return undefined;

  const bigEndianChecksum = (magic & 1) === 1;
  const checksum = walChecksum(bytes, 0, 24, bigEndianChecksum, [0, 0]);
  if (checksum[0] !== bytes.getUint32(24) || checksum[1] !== bytes.getUint32(28)) return undefined;
  // A valid header of another format version is a log we cannot read; ignoring it would drop commits.
  const version = bytes.getUint32(4);
  if (version !== WAL_FORMAT_VERSION) {
    throw new CorruptDatabaseError(filePath, `its -wal file has format version ${version}, not ${WAL_FORMAT_VERSION}`);
  }
  return { pageSize, salt1: bytes.getUint32(16), salt2: bytes.getUint32(20), checksum, bigEndianChecksum };
}

/**
 * Walks the frames from `from` while their salts and cumulative checksums hold, and
 * keeps those up to the last commit frame. `wal` holds the log from file offset `walOffset` on.
 */
export function scanCommitted(
  wal: Uint8Array,
  walOffset: number,
  header: WalHeader,
  from: LogPosition,
): CommittedFrames {
  const bytes = view(wal);
  const frameSize = FRAME_HEADER_SIZE + header.pageSize;
  let checksum = from.checksum;
  const frameOffsets: number[] = [];
  // The frames up to the last commit frame are the first `committedFrames` of frameOffsets.
  let committedFrames = 0;
  let end = from;
  let pageCount = 0;
  for (let offset = from.offset; offset + frameSize <= walOffset + wal.length; offset += frameSize) {
    const start = offset - walOffset;
    const pageNumber = bytes.getUint32(start);
    const pageCountAfterCommit = bytes.getUint32(start + 4);
    // Other salts mark frames left over from before the log was restarted: the valid log ends here.
    if (pageNumber === 0 || bytes.getUint32(start + 8) !== header.salt1 || bytes.getUint32(start + 12) !== header.salt2)
      break;
    checksum = walChecksum(bytes, start, start + 8, header.bigEndianChecksum, checksum);
    checksum = walChecksum(bytes, start + FRAME_HEADER_SIZE, start + frameSize, header.bigEndianChecksum, checksum);
    if (checksum[0] !== bytes.getUint32(start + 16) || checksum[1] !== bytes.getUint32(start + 20)) break;
    frameOffsets.push(offset);
    if (pageCountAfterCommit !== 0) {
      committedFrames = frameOffsets.length;
      end = { offset: offset + frameSize, checksum };
      pageCount = pageCountAfterCommit;
    }
  }
  frameOffsets.length = committedFrames;
  return { frameOffsets, end, pageCount };
}

/** A new log header (little-endian checksums, as SQLite writes on x86 and ARM) for `pageSize`-byte pages. */
export function encodeWalHeader(pageSize: number, salt1: number, salt2: number): Uint8Array {
  const header = new Uint8Array(WAL_HEADER_SIZE);
  const bytes = view(header);
  bytes.setUint32(0, WAL_MAGIC);
  bytes.setUint32(4, WAL_FORMAT_VERSION);
  bytes.setUint32(8, pageSize);
  bytes.setUint32(12, 0); // checkpoint sequence
  bytes.setUint32(16, salt1);
  bytes.setUint32(20, salt2);
  const [s1, s2] = walChecksum(bytes, 0, 24, false, [0, 0]);
  bytes.setUint32(24, s1);
  bytes.setUint32(28, s2);
  return header;
}

/**
 * Frames for `pages` (page number and content), the last one a commit frame leaving
 * the database `pageCountAfter` pages long, chained onto the log at `from`.
 */
export function encodeFrames(
  header: WalHeader,
  from: LogPosition,
  pages: Array<[number, Uint8Array]>,
  pageCountAfter: number,
): { bytes: Uint8Array; end: LogPosition } {
  const frameSize = FRAME_HEADER_SIZE + header.pageSize;
  const frames = new Uint8Array(pages.length * frameSize);
  const bytes = view(frames);
  let checksum = from.checksum;
  pages.forEach(([pageNumber, content], index) => {
    const start = index * frameSize;
    bytes.setUint32(start, pageNumber);
    bytes.setUint32(start + 4, index === pages.length - 1 ? pageCountAfter : 0);
    bytes.setUint32(start + 8, header.salt1);
    bytes.setUint32(start + 12, header.salt2);
    frames.set(content, start + FRAME_HEADER_SIZE);
    checksum = walChecksum(bytes, start, start + 8, header.bigEndianChecksum, checksum);
    checksum = walChecksum(bytes, start + FRAME_HEADER_SIZE, start + frameSize, header.bigEndianChecksum, checksum);
    bytes.setUint32(start + 16, checksum[0]);
    bytes.setUint32(start + 20, checksum[1]);
  });
  return { bytes: frames, end: { offset: from.offset + frames.length, checksum } };
}

/** SQLite's walChecksumBytes: Fletcher-like sums over pairs of 32-bit words, continuing from `seed`. */
function walChecksum(bytes: DataView, start: number, end: number, bigEndian: boolean, seed: Checksum): Checksum {
  let [s1, s2] = seed;
  const absoluteStart = bytes.byteOffset + start;
  // Words in the machine's own byte order, aligned: read them as 32-bit integers directly (several times faster),
  // signed, so that V8 adds them as 32-bit integers (`| 0` wraps as `>>> 0` does; the bits are the same).
  if (bigEndian !== HOST_LITTLE_ENDIAN && absoluteStart % 4 === 0) {
    const words = new Int32Array(bytes.buffer, absoluteStart, (end - start) / 4);
    let w1 = s1 | 0;
    let w2 = s2 | 0;
    for (let index = 0; index < words.length; index += 2) {
      w1 = (w1 + words[index]! + w2) | 0;
      w2 = (w2 + words[index + 1]! + w1) | 0;
    }
    return [w1 >>> 0, w2 >>> 0];
  }
  for (let offset = start; offset < end; offset += 8) {
    // Three 32-bit terms stay well inside a double's exact range; `>>> 0` wraps to mod 2^32.
    s1 = (s1 + bytes.getUint32(offset, !bigEndian) + s2) >>> 0;
    s2 = (s2 + bytes.getUint32(offset + 4, !bigEndian) + s1) >>> 0;
  }
  return [s1, s2];
}

/** A real copy even of a Buffer, whose slice() would share memory with the caller's bytes. */
function copyOf(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** Big-endian reads by default, as every SQLite header field is; respects a Buffer's offset into its pool. */
function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
