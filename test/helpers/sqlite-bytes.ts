// Independent builders of SQLite's on-disk bytes for the unit tests, written from the
// file-format document (https://www.sqlite.org/fileformat2.html) and not from lib/:
// a database image with its 100-byte header, and a write-ahead log with its
// checksums. Every multi-byte field is big-endian; only the WAL checksum's words
// follow the byte order the log's magic number selects.

export const SQLITE_MAGIC = 'SQLite format 3\0';
export const WAL_MAGIC_LITTLE = 0x377f0682;
export const WAL_MAGIC_BIG = 0x377f0683;
export const WAL_VERSION = 3007000;

export function putU32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = (value >>> 24) & 0xff;
  bytes[offset + 1] = (value >>> 16) & 0xff;
  bytes[offset + 2] = (value >>> 8) & 0xff;
  bytes[offset + 3] = value & 0xff;
}

export function getU32(bytes: Uint8Array, offset: number, bigEndian = true): number {
  const [a, b, c, d] = [bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!, bytes[offset + 3]!];
  return bigEndian ? a * 0x1000000 + b * 0x10000 + c * 0x100 + d : d * 0x1000000 + c * 0x10000 + b * 0x100 + a;
}

export interface ImageOptions {
  pageSize: number;
  pageCount: number;
  changeCounter?: number;
  /** The in-header database size (offset 28); defaults to pageCount. */
  headerPageCount?: number;
  /** "version-valid-for" (offset 92); defaults to the change counter, which makes the size trustworthy. */
  validFor?: number;
  /** File format write/read versions (offsets 18, 19): 1 rollback journal, 2 WAL. */
  versions?: [number, number];
}

/** A database image whose page n (n ≥ 2) is filled with the byte n, page 1's body with 0xa1. */
export function databaseImage(options: ImageOptions): Uint8Array {
  const {
    pageSize,
    pageCount,
    changeCounter = 7,
    headerPageCount = pageCount,
    validFor = changeCounter,
    versions = [1, 1],
  } = options;
  const image = new Uint8Array(pageSize * pageCount);
  for (let page = 2; page <= pageCount; page++) image.fill(page & 0xff, (page - 1) * pageSize, page * pageSize);
  if (pageCount > 0) writeHeader(image, { pageSize, changeCounter, headerPageCount, validFor, versions });
  return image;
}

export function writeHeader(
  image: Uint8Array,
  { pageSize, changeCounter, headerPageCount, validFor, versions }: Required<Omit<ImageOptions, 'pageCount'>>,
): void {
  image.fill(0xa1, 100, Math.min(pageSize, image.length));
  image.fill(0, 0, 100);
  for (let index = 0; index < SQLITE_MAGIC.length; index++) image[index] = SQLITE_MAGIC.charCodeAt(index);
  // Two bytes; 65536 does not fit, so the format stores it as 1.
  const stored = pageSize === 65536 ? 1 : pageSize;
  image[16] = stored >> 8;
  image[17] = stored & 0xff;
  image[18] = versions[0];
  image[19] = versions[1];
  putU32(image, 24, changeCounter);
  putU32(image, 28, headerPageCount);
  putU32(image, 92, validFor);
}

/** A page of `pageSize` bytes, every byte `value`. */
export function page(pageSize: number, value: number): Uint8Array {
  return new Uint8Array(pageSize).fill(value);
}

export type Sums = [number, number];

/**
 * The WAL checksum as the format document gives it: over 32-bit words x[i] taken in
 * the magic's byte order, s0 += x[i] + s1; s1 += x[i+1] + s0, modulo 2^32.
 */
export function referenceChecksum(data: Uint8Array, bigEndian: boolean, seed: Sums = [0, 0]): Sums {
  let [s0, s1] = seed;
  for (let i = 0; i < data.length; i += 8) {
    s0 = (s0 + getU32(data, i, bigEndian) + s1) % 2 ** 32;
    s1 = (s1 + getU32(data, i + 4, bigEndian) + s0) % 2 ** 32;
  }
  return [s0, s1];
}

export interface LogOptions {
  pageSize: number;
  salt1: number;
  salt2: number;
  bigEndian?: boolean;
  checkpointSequence?: number;
  version?: number;
}

export interface ReferenceFrame {
  page: number;
  content: Uint8Array;
  /** The database size in pages after this commit frame; absent for other frames. */
  commit?: number;
  /** Salts written into this frame's header, when they should differ from the log's. */
  salts?: [number, number];
}

export interface ReferenceLog {
  bytes: Uint8Array;
  headerChecksum: Sums;
  /** Offset of each frame in the log. */
  offsets: number[];
  /** The running checksum after each frame. */
  sums: Sums[];
  frameSize: number;
}

export function referenceHeader(options: LogOptions): { bytes: Uint8Array; checksum: Sums } {
  const { pageSize, salt1, salt2, bigEndian = false, checkpointSequence = 0, version = WAL_VERSION } = options;
  const bytes = new Uint8Array(32);
  putU32(bytes, 0, bigEndian ? WAL_MAGIC_BIG : WAL_MAGIC_LITTLE);
  putU32(bytes, 4, version);
  putU32(bytes, 8, pageSize);
  putU32(bytes, 12, checkpointSequence);
  putU32(bytes, 16, salt1);
  putU32(bytes, 20, salt2);
  const checksum = referenceChecksum(bytes.subarray(0, 24), bigEndian);
  putU32(bytes, 24, checksum[0]);
  putU32(bytes, 28, checksum[1]);
  return { bytes, checksum };
}

/** A whole log: its header, then each frame checksummed over its first 8 header bytes and its page, chained from the header's sums. */
export function referenceLog(options: LogOptions, frames: ReferenceFrame[]): ReferenceLog {
  const { pageSize, salt1, salt2, bigEndian = false } = options;
  const header = referenceHeader(options);
  const frameSize = 24 + pageSize;
  const bytes = new Uint8Array(32 + frames.length * frameSize);
  bytes.set(header.bytes);
  let sums = header.checksum;
  const offsets: number[] = [];
  const allSums: Sums[] = [];
  frames.forEach((frame, index) => {
    const offset = 32 + index * frameSize;
    const [s1, s2] = frame.salts ?? [salt1, salt2];
    putU32(bytes, offset, frame.page);
    putU32(bytes, offset + 4, frame.commit ?? 0);
    putU32(bytes, offset + 8, s1);
    putU32(bytes, offset + 12, s2);
    bytes.set(frame.content, offset + 24);
    sums = referenceChecksum(bytes.subarray(offset, offset + 8), bigEndian, sums);
    sums = referenceChecksum(bytes.subarray(offset + 24, offset + frameSize), bigEndian, sums);
    putU32(bytes, offset + 16, sums[0]);
    putU32(bytes, offset + 20, sums[1]);
    offsets.push(offset);
    allSums.push(sums);
  });
  return { bytes, headerChecksum: header.checksum, offsets, sums: allSums, frameSize };
}

/** The same bytes at an odd offset of a bigger buffer, so no 32-bit word is aligned. */
export function misaligned(bytes: Uint8Array): Uint8Array {
  const room = new Uint8Array(bytes.length + 1);
  room.set(bytes, 1);
  return room.subarray(1);
}
