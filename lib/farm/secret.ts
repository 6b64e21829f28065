// The farm's secret: 32 random bytes, hex, in `<state folder>/secret` (mode 0600).
// Every HTTP server of the farm (annotation viewers, and the dashboard and web
// terminals to come) refuses a request that does not carry it, so only a user who
// can read that file gets in. It is written whole to a temporary file and linked
// into place (link() never follows or replaces what is there), so a reader never
// sees half a secret; it is read through O_NOFOLLOW and checked on its descriptor.
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  linkSync,
  openSync,
  readSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { fileSystemError, InvalidInputError, OPEN_READ, openRegularFile, UnsafePathError } from '../engine/index.js';
import { stateDir } from '../shared/paths.js';

const SECRET_FILE_NAME = 'secret';
const SECRET_BYTES = 32;
const SECRET_TEXT = /^[0-9a-f]{64}$/;

export function secretPath(projectRoot: string): string {
  return join(stateDir(projectRoot), SECRET_FILE_NAME);
}

function randomHex(bytes: number): string {
  // Web Crypto's generator: the operating system's randomness, without loading node:crypto.
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');
}

/** Why the opened secret file cannot be trusted, or undefined when it can. */
function untrusted(stats: Stats): string | undefined {
  if (!stats.isFile()) return stats.isDirectory() ? 'a folder' : 'a special file (device, socket or pipe)';
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) return `a file owned by another user (uid ${stats.uid})`;
  if ((stats.mode & 0o077) !== 0)
    return `a file others may read or write (mode ${(stats.mode & 0o777).toString(8).padStart(4, '0')})`;
  return undefined;
}

/** True when git tracks `path` in the repository around it: a committed file is known to everyone who has the repository. */
function trackedByGit(path: string): boolean {
  const run = spawnSync('git', ['ls-files', '--error-unmatch', '--', basename(path)], {
    cwd: dirname(path),
    stdio: 'ignore',
  });
  return run.status === 0;
}

/** Reads the secret at `path`: undefined when there is none; refuses a link, a file of another user, or one others can read. */
export function readSecret(path: string): string | undefined {
  // Not followed through a link, a pipe refused at once: a repository may have planted either.
  const fd = openRegularFile(path, OPEN_READ, 'read the farm secret');
  if (fd === undefined) return undefined;
  try {
    const problem =
      untrusted(fstatSync(fd)) ??
      (trackedByGit(path)
        ? 'a file the repository tracks (its content came with the clone, so others know it)'
        : undefined);
    if (problem) throw new UnsafePathError(path, problem, 'file');
    const buffer = Buffer.alloc(256);
    const text = buffer
      .subarray(0, readSync(fd, buffer, 0, buffer.length, 0))
      .toString('utf8')
      .trim();
    if (!SECRET_TEXT.test(text))
      throw new InvalidInputError(
        `the farm secret ${path} is not 64 hex digits; delete it, and the next "af annotate" makes a new one (open viewers then need their new URL).`,
      );
    return text;
  } finally {
    closeSync(fd);
  }
}

/** The farm's secret at `path`, made when there is none yet. */
export function loadOrCreateSecret(path: string): string {
  return ensureSecret(path).secret;
}

/**
 * The secret at `path`, made when there is none yet; `created` when this call made it
 * (of two commands that find none at the same moment, one makes it, the other reads it).
 */
export function ensureSecret(path: string): { secret: string; created: boolean } {
  const existing = readSecret(path);
  if (existing !== undefined) return { secret: existing, created: false };
  const temporary = `${path}.${process.pid}-${randomHex(4)}.tmp`;
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  let fd: number;
  try {
    fd = openSync(temporary, flags, 0o600);
  } catch (error) {
    throw fileSystemError(error, temporary, 'create the farm secret');
  }
  try {
    writeSync(fd, `${randomHex(SECRET_BYTES)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  let created = true;
  try {
    linkSync(temporary, path);
  } catch (error) {
    // Another command made it first (or something was planted there): read what is there, with its checks.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
      throw fileSystemError(error, path, 'create the farm secret');
    created = false;
  } finally {
    unlinkSync(temporary);
  }
  const secret = readSecret(path);
  if (secret === undefined)
    throw new InvalidInputError(`the farm secret ${path} vanished as it was made; run the command again.`);
  return { secret, created };
}

/** Compares two texts in time that depends only on their lengths. */
export function sameSecret(given: string, secret: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  let difference = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) difference |= (a[i % Math.max(a.length, 1)] ?? 0) ^ b[i]!;
  return difference === 0;
}
