// Follows the log of a process launched detached (no tmux): its last bytes, then
// whatever is appended, read-only. Each look opens the file without following a link
// (a repository may plant `architect.log -> ~/.ssh/id_rsa`) and reads only a regular file.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export interface LogFollowerOptions {
  file: string;
  /** Bytes of the log shown first, at most (from a line's start). */
  tail?: number;
  /** Between two looks at the file. */
  intervalMs?: number;
  onOutput(data: Buffer): void;
}

const DEFAULT_TAIL = 256 * 1024;
const DEFAULT_INTERVAL_MS = 200;
/** Read at most this much a look, so one huge write does not hold the event loop. */
const MAX_READ = 1024 * 1024;
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | (constants.O_NONBLOCK ?? 0);

export class LogFollower {
  /** Where the next read starts; undefined until the first look found the file. */
  private position: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: LogFollowerOptions) {
    this.look();
    this.resume();
  }

  /** Stops looking (the reader is behind) until resume(). */
  pause(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  resume(): void {
    if (this.closed || this.timer) return;
    this.timer = setInterval(() => this.look(), this.options.intervalMs ?? DEFAULT_INTERVAL_MS);
  }

  close(): void {
    this.closed = true;
    this.pause();
  }

  private look(): void {
    const data = this.readNew();
    if (data && data.length > 0) this.options.onOutput(data);
  }

  /** The bytes appended since the last look (the tail on the first); undefined when the file is not a readable log. */
  private readNew(): Buffer | undefined {
    let fd: number;
    try {
      fd = openSync(this.options.file, OPEN_FLAGS);
    } catch {
      return undefined; // Not there yet, or a link: nothing to show.
    }
    try {
      const stats = fstatSync(fd);
      if (!stats.isFile()) return undefined;
      let start = this.position ?? Math.max(0, stats.size - (this.options.tail ?? DEFAULT_TAIL));
      // A log written anew (truncated) is followed from its start.
      if (start > stats.size) start = 0;
      const buffer = Buffer.alloc(Math.min(MAX_READ, stats.size - start));
      const length = buffer.length > 0 ? readSync(fd, buffer, 0, buffer.length, start) : 0;
      let data = buffer.subarray(0, length);
      if (this.position === undefined && start > 0) {
        // The tail starts after the first line break: no half line, no half UTF-8 character.
        const lineStart = data.indexOf(0x0a) + 1;
        data = data.subarray(lineStart);
      }
      this.position = start + length;
      return data;
    } finally {
      closeSync(fd);
    }
  }
}
