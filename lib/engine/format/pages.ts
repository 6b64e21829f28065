// A database image in memory, page by page: SQLite's own writes and a log's
// committed frames are laid over it (its header's fields are in header.ts).
import { readImageHeader, trustedPageCount } from './header.js';

/** Page contents by page number, counting from 1. */
export type Pages = Map<number, Uint8Array>;

/**
 * `image` with `pages` laid over it, `pageCount` pages long (cut, or extended with
 * zero pages). `image` itself is changed when its length stays; else a new array.
 */
export function withPages(image: Uint8Array, pages: Pages, pageCount: number, pageSize: number): Uint8Array {
  const result = resized(image, pageCount * pageSize);
  for (const [pageNumber, content] of pages) {
    // Pages past the new size were dropped by the transaction (e.g. a vacuum).
    if (pageNumber <= pageCount) result.set(content, (pageNumber - 1) * pageSize);
  }
  return result;
}

/**
 * The image after SQLite's writes to its file (lengths by position, their bytes read
 * from the file by `readInto`), and the pages those writes touched, in page order.
 * `image` itself is changed when its length stays. SQLite shrinks a file by
 * truncating it, which is not a write: the header's page count says how far.
 */
export function withWrites(
  image: Uint8Array,
  writes: Map<number, number>,
  readInto: (target: Uint8Array, position: number, length: number) => number,
  filePath: string,
): { image: Uint8Array; pages: Pages; pageSize: number } {
  let extent = image.length;
  for (const [position, length] of writes) extent = Math.max(extent, position + length);
  let result = resized(image, extent);
  for (const [position, length] of writes) readInto(result, position, length);
  const { pageSize } = readImageHeader(result, filePath, { partial: true });
  const pageCount = trustedPageCount(result) ?? Math.ceil(extent / pageSize);
  result = resized(result, pageCount * pageSize);
  readImageHeader(result, filePath);
  const touched = new Set<number>();
  for (const [position, length] of writes) {
    const last = Math.min(Math.floor((position + length - 1) / pageSize) + 1, pageCount);
    for (let pageNumber = Math.floor(position / pageSize) + 1; pageNumber <= last; pageNumber++)
      touched.add(pageNumber);
  }
  const pages: Pages = new Map();
  for (const pageNumber of [...touched].sort((a, b) => a - b))
    pages.set(pageNumber, pageOf(result, pageNumber, pageSize));
  return { image: result, pages, pageSize };
}

/** The numbers of the pages of `after` that differ from `before`; undefined when `after` is shorter (a file cannot shrink by writes). */
export function changedPageNumbers(before: Uint8Array, after: Uint8Array, pageSize: number): number[] | undefined {
  if (after.length < before.length) return undefined;
  const changed: number[] = [];
  for (let pageNumber = 1; pageNumber * pageSize <= after.length; pageNumber++) {
    const isNew = pageNumber * pageSize > before.length;
    if (isNew || !sameBytes(pageOf(after, pageNumber, pageSize), pageOf(before, pageNumber, pageSize)))
      changed.push(pageNumber);
  }
  return changed;
}

/** Equal bytes; two absent arrays are equal too. */
export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.length === b.length &&
    Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))
  );
}

export function pageOf(image: Uint8Array, pageNumber: number, pageSize: number): Uint8Array {
  return image.subarray((pageNumber - 1) * pageSize, pageNumber * pageSize);
}

/**
 * `image` cut or extended with zeros to `length` bytes: `image` itself when its length
 * stays, a longer view of its memory while that has room, else a copy with room to
 * spare (a database grows a page at a time: copying it whole at every page would cost
 * as much as the commit). The memory past an image belongs to it: images are made here
 * or copied from what was read, never views into a shared pool (as a small Buffer may be).
 */
function resized(image: Uint8Array, length: number): Uint8Array {
  if (image.length === length) return image;
  if (length < image.length) return image.subarray(0, length);
  if (image.byteOffset + length <= image.buffer.byteLength && !Buffer.isBuffer(image)) {
    const grown = new Uint8Array(image.buffer, image.byteOffset, length);
    grown.fill(0, image.length);
    return grown;
  }
  const grown = new Uint8Array(new ArrayBuffer(Math.max(length, Math.ceil(image.length * GROWTH))), 0, length);
  grown.set(image);
  return grown;
}

/** How much room a copy made to grow an image leaves, relative to the image before. */
const GROWTH = 1.5;
