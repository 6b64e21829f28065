// Importing the native version's JSON files: read and check them inside the
// migration's transaction (a bad file fails it, so the database gets none of it),
// then, only after the commit, keep a `.bak` copy and remove the original.
// The file and its backups are never followed through a link: a link planted as
// either fails the import (UnsafePathError) before anything is imported.
import { closeSync, fchmodSync, fstatSync, readFileSync, writeSync } from 'node:fs';
import {
  messageOf,
  fileSystemError,
  OPEN_CREATE_NEW,
  OPEN_READ,
  openRegularFile,
  regularFileStats,
  removeRegularFile,
  UnsafePathError,
  withRegularFile,
} from '../engine/index.js';
import { InvalidJsonError } from './errors.js';
import { Validator } from './validators.js';

/** The parsed file, or undefined when there is none. Also checks that its backup can be made safely. */
export function readJsonIfPresent(filePath: string): unknown {
  let text: string | undefined;
  try {
    text = withRegularFile(filePath, OPEN_READ, 'read', (fd) => readFileSync(fd, 'utf8'));
  } catch (error) {
    if (error instanceof UnsafePathError) throw error;
    throw new InvalidJsonError(filePath, `it cannot be read (${messageOf(error)})`);
  }
  if (text === undefined) return undefined;
  backupPathFor(filePath); // a planted .bak fails the import now, not after its commit
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidJsonError(filePath, `it is not valid JSON (${messageOf(error)})`);
  }
}

/** Copies the imported file to `<file>.bak` (never over an older backup), then removes it. */
export function keepAsBackup(filePath: string): void {
  const source = openRegularFile(filePath, OPEN_READ, 'read');
  if (source === undefined) return;
  let bytes: Buffer;
  let mode: number;
  try {
    bytes = readFileSync(source);
    mode = fstatSync(source).mode & 0o777;
  } catch (error) {
    throw fileSystemError(error, filePath, 'read');
  } finally {
    closeSync(source);
  }
  const backup = backupPathFor(filePath);
  // O_EXCL: a link planted under this name since the check is refused, not written through.
  const target = openRegularFile(backup, OPEN_CREATE_NEW, 'create the backup', mode)!;
  try {
    fchmodSync(target, mode);
    for (let written = 0; written < bytes.length; )
      written += writeSync(target, bytes, written, bytes.length - written);
  } catch (error) {
    closeSync(target);
    removeRegularFile(backup, 'delete the unfinished backup');
    throw fileSystemError(error, backup, 'write the backup');
  }
  closeSync(target);
  removeRegularFile(filePath, 'delete the imported file');
}

/** The first of `<file>.bak`, `<file>.bak.1`, … that does not exist; one that exists but is not a regular file fails with UnsafePathError. */
function backupPathFor(filePath: string): string {
  let backup = `${filePath}.bak`;
  for (let n = 1; regularFileStats(backup, 'inspect'); n++) backup = `${filePath}.bak.${n}`;
  return backup;
}

/** Reads the fields of an imported file, failing with the file's name and the field's path. */
export class JsonFileValidator extends Validator {
  constructor(private readonly filePath: string) {
    super();
  }

  fail(path: string, expected: string, value: unknown): never {
    throw new InvalidJsonError(
      this.filePath,
      `${path} should be ${expected}, found ${JSON.stringify(value) ?? 'nothing'}`,
    );
  }
}
