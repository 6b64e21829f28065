// Reading and writing a whole range of an open file at a given position: the system
// calls may move fewer bytes than asked, so each loops until the range is done.
import { readSync, writeSync } from 'node:fs';

/** Up to `length` bytes at `position`, fewer where the file ends. */
export function readAt(fd: number, position: number, length: number): Uint8Array {
  const bytes = new Uint8Array(Math.max(length, 0));
  for (let read = 0; read < bytes.length; ) {
    const count = readSync(fd, bytes, read, bytes.length - read, position + read);
    if (count === 0) return bytes.subarray(0, read);
    read += count;
  }
  return bytes;
}

/** Writes all of `bytes` at `position`. */
export function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  for (let written = 0; written < bytes.length; ) {
    written += writeSync(fd, bytes, written, bytes.length - written, position + written);
  }
}
