// Replays the committed part of an SQLite write-ahead log onto a database image, so a
// file left by a native SQLite writer in WAL mode (killed before it checkpointed, its
// latest rows only in the `-wal` file) reads with every committed row. sql.js cannot
// open WAL-mode files itself, so the result is a plain rollback-journal-mode image.
// Format: https://www.sqlite.org/fileformat2.html, "The Write-Ahead Log".

import { CorruptDatabaseError } from './errors.js';

export interface WalApplication {
  /** The database with the log's committed pages in place, in rollback-journal mode. */
  image: Uint8Array;
  /** How many log frames were copied in: every frame up to the last valid commit frame. */
  framesApplied: number;
}

const WAL_HEADER_SIZE = 32;
const FRAME_HEADER_SIZE = 24;
const WAL_MAGIC = 0x377f0682; // the low bit, when set, means big-endian checksum words
const WAL_FORMAT_VERSION = 3007000;

const DB_HEADER_SIZE = 100;
const DB_PAGE_SIZE_OFFSET = 16;
const DB_WRITE_VERSION_OFFSET = 18;
const DB_READ_VERSION_OFFSET = 19;
const DB_CHANGE_COUNTER_OFFSET = 24;
const DB_PAGE_COUNT_OFFSET = 28;
const DB_VERSION_VALID_FOR_OFFSET = 92;
const ROLLBACK_JOURNAL_MODE = 1;

type Checksum = readonly [number, number];

interface WalHeader {
  pageSize: number;
  salt1: number;
  salt2: number;
  checksum: Checksum;
  bigEndianChecksum: boolean;
}

/** Where the valid log ends: the frames of its last complete transaction, and the database size it left. */
interface CommittedLog {
  frameCount: number;
  pageCount: number;
}

/**
 * Applies every frame of `wal` up to and including the last valid commit frame to a copy
 * of `image`; returns the new image in rollback-journal mode (header bytes 18 and 19 set to 1).
 */
export function applyWal(image: Uint8Array, wal: Uint8Array, filePath: string): WalApplication {
  const header = readWalHeader(wal, filePath);
  // SQLite treats a log without a valid header as empty, so the database file alone is the truth.
  if (!header) return { image: inRollbackMode(copyOf(image)), framesApplied: 0 };

  // A database that never got past the log has no bytes of its own yet: the log decides.
  const pageSize = image.length === 0 ? header.pageSize : databasePageSize(image, filePath);
  if (pageSize !== header.pageSize) {
    throw new CorruptDatabaseError(filePath, `its -wal file has ${header.pageSize}-byte pages but the database has ${pageSize}-byte pages`);
  }

  const committed = findCommittedLog(wal, header);
  if (committed.frameCount === 0) return { image: inRollbackMode(copyOf(image)), framesApplied: 0 };

  const result = new Uint8Array(committed.pageCount * pageSize); // truncates, or extends with zero pages
  result.set(image.subarray(0, result.length));
  const walBytes = view(wal);
  for (let frame = 0; frame < committed.frameCount; frame++) {
    const frameStart = WAL_HEADER_SIZE + frame * (FRAME_HEADER_SIZE + pageSize);
    const pageNumber = walBytes.getUint32(frameStart);
    // Pages past the committed size were dropped by the transaction (e.g. a vacuum).
    if (pageNumber > committed.pageCount) continue;
    const page = wal.subarray(frameStart + FRAME_HEADER_SIZE, frameStart + FRAME_HEADER_SIZE + pageSize);
    result.set(page, (pageNumber - 1) * pageSize);
  }
  markHeaderConsistent(result, committed.pageCount);
  return { image: inRollbackMode(result), framesApplied: committed.frameCount };
}

/** The log header, or undefined when SQLite would ignore the log (too short, unknown magic, bad checksum). */
function readWalHeader(wal: Uint8Array, filePath: string): WalHeader | undefined {
  if (wal.length < WAL_HEADER_SIZE) return undefined;
  const bytes = view(wal);
  const magic = bytes.getUint32(0);
  if ((magic & ~1) !== WAL_MAGIC) return undefined;
  const pageSize = bytes.getUint32(8); // unlike the database header, 65536 is stored as is
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return undefined;

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

/** Walks the frames while their salts and cumulative checksums hold; remembers the last commit frame. */
function findCommittedLog(wal: Uint8Array, header: WalHeader): CommittedLog {
  const bytes = view(wal);
  const frameSize = FRAME_HEADER_SIZE + header.pageSize;
  let checksum = header.checksum;
  let committed: CommittedLog = { frameCount: 0, pageCount: 0 };

  for (let frame = 0, start = WAL_HEADER_SIZE; start + frameSize <= wal.length; frame++, start += frameSize) {
    const pageNumber = bytes.getUint32(start);
    const pageCountAfterCommit = bytes.getUint32(start + 4);
    // Other salts mark frames left over from before the log was restarted: the valid log ends here.
    if (pageNumber === 0 || bytes.getUint32(start + 8) !== header.salt1 || bytes.getUint32(start + 12) !== header.salt2) break;
    checksum = walChecksum(bytes, start, start + 8, header.bigEndianChecksum, checksum);
    checksum = walChecksum(bytes, start + FRAME_HEADER_SIZE, start + frameSize, header.bigEndianChecksum, checksum);
    if (checksum[0] !== bytes.getUint32(start + 16) || checksum[1] !== bytes.getUint32(start + 20)) break;
    if (pageCountAfterCommit !== 0) committed = { frameCount: frame + 1, pageCount: pageCountAfterCommit };
  }
  return committed;
}

/** SQLite's walChecksumBytes: Fletcher-like sums over pairs of 32-bit words, continuing from `seed`. */
function walChecksum(bytes: DataView, start: number, end: number, bigEndian: boolean, seed: Checksum): Checksum {
  let [s1, s2] = seed;
  for (let offset = start; offset < end; offset += 8) {
    // Three 32-bit terms stay well inside a double's exact range; `>>> 0` wraps to mod 2^32.
    s1 = (s1 + bytes.getUint32(offset, !bigEndian) + s2) >>> 0;
    s2 = (s2 + bytes.getUint32(offset + 4, !bigEndian) + s1) >>> 0;
  }
  return [s1, s2];
}

function databasePageSize(image: Uint8Array, filePath: string): number {
  if (image.length < DB_HEADER_SIZE) throw new CorruptDatabaseError(filePath, `it is ${image.length} bytes, shorter than the 100-byte header`);
  const stored = view(image).getUint16(DB_PAGE_SIZE_OFFSET);
  return stored === 1 ? 65536 : stored; // 65536 does not fit in two bytes
}

/**
 * Bumps the change counter so anyone caching the old file sees a change, and makes the
 * in-header page count trustworthy: SQLite believes it only when "version-valid-for" equals the counter.
 */
function markHeaderConsistent(image: Uint8Array, pageCount: number): void {
  const header = view(image);
  const changeCounter = (header.getUint32(DB_CHANGE_COUNTER_OFFSET) + 1) >>> 0;
  header.setUint32(DB_CHANGE_COUNTER_OFFSET, changeCounter);
  header.setUint32(DB_VERSION_VALID_FOR_OFFSET, changeCounter);
  header.setUint32(DB_PAGE_COUNT_OFFSET, pageCount);
}

/** Header bytes 18 and 19 are 2 in WAL mode; 1 makes readers (sql.js included) use the file alone. */
function inRollbackMode(image: Uint8Array): Uint8Array {
  if (image.length >= DB_HEADER_SIZE) {
    image[DB_WRITE_VERSION_OFFSET] = ROLLBACK_JOURNAL_MODE;
    image[DB_READ_VERSION_OFFSET] = ROLLBACK_JOURNAL_MODE;
  }
  return image;
}

/** A real copy even of a Buffer, whose slice() would share memory with the caller's bytes. */
function copyOf(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** Big-endian reads by default, as every SQLite header field is; respects a Buffer's offset into its pool. */
function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
