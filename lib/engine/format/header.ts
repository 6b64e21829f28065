// The 100-byte header at the start of every SQLite database file: every field the
// engine reads or writes, and the rules about them. Bytes read from disk are checked
// here before sql.js sees them, so a foreign, empty or truncated file fails with a
// typed error rather than being opened as an empty database and later overwritten.
// Format: https://www.sqlite.org/fileformat2.html, "The Database Header".
import { CorruptDatabaseError, NotSqliteError } from '../errors.js';

const HEADER_SIZE = 100;
const MAGIC = new TextEncoder().encode('SQLite format 3\0');
/** Two bytes; 1 stands for 65536, which does not fit in them. */
const PAGE_SIZE_OFFSET = 16;
/** 1 in rollback-journal mode, 2 in WAL mode. */
const WRITE_VERSION_OFFSET = 18;
const READ_VERSION_OFFSET = 19;
const ROLLBACK_JOURNAL_MODE = 1;
const WAL_MODE = 2;
/** Bumped by every writer in rollback-journal mode. */
const CHANGE_COUNTER_OFFSET = 24;
/** The database's size in pages, trusted only while "version-valid-for" equals the change counter. */
const PAGE_COUNT_OFFSET = 28;
/** Bytes 24–39 (change counter, page count, first freelist page, freelist count): SQLite compares them to trust its cache. */
const CACHE_STAMP_END = 40;
const VERSION_VALID_FOR_OFFSET = 92;

export interface ImageHeader {
  pageSize: number;
  /** True when the file was last written in WAL mode (header bytes 18/19 are 2). */
  walMode: boolean;
}

/** Whether SQLite accepts `pageSize` for a database: a power of two from 512 to 65536. */
export function isValidPageSize(pageSize: number): boolean {
  return Number.isInteger(pageSize) && pageSize >= 512 && pageSize <= 65536 && (pageSize & (pageSize - 1)) === 0;
}

/**
 * The header's facts, after checking the file is a whole SQLite database. With
 * `partial`, the size checks are left out: a database file whose log is still to be
 * applied may be caught in the middle of a checkpoint.
 */
export function readImageHeader(bytes: Uint8Array, filePath: string, { partial = false } = {}): ImageHeader {
  if (bytes.length === 0) {
    throw new CorruptDatabaseError(
      filePath,
      'the file exists but is empty; this package never leaves an empty database',
    );
  }
  if (bytes.length < HEADER_SIZE || !startsWithMagic(bytes)) {
    throw new NotSqliteError(filePath, 'its first bytes are not the SQLite header');
  }
  const pageSize = decodedPageSize(bytes);
  if (!isValidPageSize(pageSize)) {
    throw new CorruptDatabaseError(
      filePath,
      `invalid page size ${view(bytes).getUint16(PAGE_SIZE_OFFSET)} in the header`,
    );
  }
  if (!partial && bytes.length % pageSize !== 0) {
    throw new CorruptDatabaseError(
      filePath,
      `size ${bytes.length} is not a whole number of ${pageSize}-byte pages (truncated?)`,
    );
  }
  const pageCount = trustedPageCount(bytes);
  if (!partial && pageCount !== undefined && pageCount * pageSize > bytes.length) {
    throw new CorruptDatabaseError(
      filePath,
      `truncated: the header says ${pageCount} pages, the file holds ${bytes.length / pageSize}`,
    );
  }
  const writeVersion = bytes[WRITE_VERSION_OFFSET];
  const readVersion = bytes[READ_VERSION_OFFSET];
  if (!isKnownVersion(writeVersion) || !isKnownVersion(readVersion)) {
    throw new CorruptDatabaseError(filePath, `unknown file format version ${writeVersion}/${readVersion}`);
  }
  return { pageSize, walMode: writeVersion === WAL_MODE || readVersion === WAL_MODE };
}

/** The page size the header states, unchecked; fails when `image` is shorter than the header. */
export function statedPageSize(image: Uint8Array, filePath: string): number {
  if (image.length < HEADER_SIZE) {
    throw new CorruptDatabaseError(
      filePath,
      `it is ${image.length} bytes, shorter than the ${HEADER_SIZE}-byte header`,
    );
  }
  return decodedPageSize(image);
}

/** The header's page count, when SQLite would trust it ("version-valid-for" equal to the change counter). */
export function trustedPageCount(image: Uint8Array): number | undefined {
  const header = view(image);
  const pageCount = header.getUint32(PAGE_COUNT_OFFSET);
  const trusted = header.getUint32(VERSION_VALID_FOR_OFFSET) === header.getUint32(CHANGE_COUNTER_OFFSET);
  return pageCount > 0 && trusted ? pageCount : undefined;
}

/**
 * The bytes of `image` SQLite reads as the database: a file may run past the page count
 * its header states (bytes appended after it), and SQLite, trusting that count, reads no further.
 */
export function statedBytes(image: Uint8Array): Uint8Array {
  if (image.length < HEADER_SIZE) return image;
  const pageCount = trustedPageCount(image);
  const pageSize = decodedPageSize(image);
  if (pageCount === undefined || !isValidPageSize(pageSize)) return image;
  return pageCount * pageSize < image.length ? image.subarray(0, pageCount * pageSize) : image;
}

/** A copy of header bytes 24–39: while they stay the same, SQLite keeps the pages it cached. */
export function cacheStamp(image: Uint8Array): Uint8Array {
  return new Uint8Array(image.subarray(CHANGE_COUNTER_OFFSET, CACHE_STAMP_END));
}

/**
 * Bumps the change counter so anyone caching the old file sees a change, and makes the
 * in-header page count trustworthy: SQLite believes it only when "version-valid-for" equals the counter.
 */
export function markChanged(image: Uint8Array, pageCount: number): void {
  const header = view(image);
  const changeCounter = (header.getUint32(CHANGE_COUNTER_OFFSET) + 1) >>> 0;
  header.setUint32(CHANGE_COUNTER_OFFSET, changeCounter);
  header.setUint32(VERSION_VALID_FOR_OFFSET, changeCounter);
  header.setUint32(PAGE_COUNT_OFFSET, pageCount);
}

/** Header bytes 18 and 19 are 2 in WAL mode; 1 makes readers (sql.js included) use the file alone. */
export function inRollbackMode(image: Uint8Array): Uint8Array {
  if (image.length >= HEADER_SIZE) {
    image[WRITE_VERSION_OFFSET] = ROLLBACK_JOURNAL_MODE;
    image[READ_VERSION_OFFSET] = ROLLBACK_JOURNAL_MODE;
  }
  return image;
}

function decodedPageSize(image: Uint8Array): number {
  const stored = view(image).getUint16(PAGE_SIZE_OFFSET);
  return stored === 1 ? 65536 : stored;
}

function isKnownVersion(version: number | undefined): boolean {
  return version === ROLLBACK_JOURNAL_MODE || version === WAL_MODE;
}

/** Byte by byte: this runs at every commit. */
function startsWithMagic(bytes: Uint8Array): boolean {
  for (let index = 0; index < MAGIC.length; index++) if (bytes[index] !== MAGIC[index]) return false;
  return true;
}

/** Big-endian, as every SQLite header field is; respects a Buffer's offset into its pool. */
function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
