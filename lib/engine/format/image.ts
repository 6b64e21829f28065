// Checks that bytes read from disk are a whole SQLite database before sql.js sees
// them, so a foreign, empty or truncated file fails with a typed error instead of
// being opened as an empty database and later overwritten.
import { CorruptDatabaseError, NotSqliteError } from '../errors.js';

const MAGIC = new TextEncoder().encode('SQLite format 3\0');
const HEADER_SIZE = 100;

export interface ImageHeader {
  pageSize: number;
  /** True when the file was last written in WAL mode (header bytes 18/19 are 2). */
  walMode: boolean;
}

/**
 * The header's facts, after checking the file is a whole SQLite database. With
 * `partial`, the size checks are left out: a database file whose log is still to be
 * applied may be caught in the middle of a checkpoint.
 */
export function readImageHeader(bytes: Uint8Array, filePath: string, { partial = false } = {}): ImageHeader {
  if (bytes.length === 0) throw new CorruptDatabaseError(filePath, 'the file exists but is empty; this package never leaves an empty database');
  if (bytes.length < HEADER_SIZE || !startsWithMagic(bytes)) {
    throw new NotSqliteError(filePath, 'its first bytes are not the SQLite header');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rawPageSize = view.getUint16(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) throw new CorruptDatabaseError(filePath, `invalid page size ${rawPageSize} in the header`);
  if (!partial && bytes.length % pageSize !== 0) throw new CorruptDatabaseError(filePath, `size ${bytes.length} is not a whole number of ${pageSize}-byte pages (truncated?)`);
  // The header's page count is trustworthy only when its "valid-for" stamp matches the change counter.
  const changeCounter = view.getUint32(24);
  const pageCount = view.getUint32(28);
  if (!partial && view.getUint32(92) === changeCounter && pageCount > 0 && pageCount * pageSize > bytes.length) {
    throw new CorruptDatabaseError(filePath, `truncated: the header says ${pageCount} pages, the file holds ${bytes.length / pageSize}`);
  }
  const writeVersion = bytes[18];
  const readVersion = bytes[19];
  if ((writeVersion !== 1 && writeVersion !== 2) || (readVersion !== 1 && readVersion !== 2)) {
    throw new CorruptDatabaseError(filePath, `unknown file format version ${writeVersion}/${readVersion}`);
  }
  return { pageSize, walMode: writeVersion === 2 || readVersion === 2 };
}

/** Byte by byte: this runs at every commit. */
function startsWithMagic(bytes: Uint8Array): boolean {
  for (let index = 0; index < MAGIC.length; index++) if (bytes[index] !== MAGIC[index]) return false;
  return true;
}
