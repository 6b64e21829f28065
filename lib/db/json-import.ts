// Importing the native version's JSON files: read and check them inside the
// migration's transaction (a bad file fails it, so the database gets none of it),
// then, only after the commit, keep a `.bak` copy and remove the original.
import { constants, copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { InvalidJsonError, describe } from './errors.js';
import { Shape } from '../shape.js';

export { sqliteTime } from '../shape.js';

/** The parsed file, or undefined when there is none. */
export function readJsonIfPresent(filePath: string): unknown {
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InvalidJsonError(filePath, `it cannot be read (${describe(error)})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidJsonError(filePath, `it is not valid JSON (${describe(error)})`);
  }
}

/** Copies the imported file to `<file>.bak` (never over an older backup), then removes it. */
export function keepAsBackup(filePath: string): void {
  if (!existsSync(filePath)) return;
  let backup = `${filePath}.bak`;
  for (let n = 1; existsSync(backup); n++) backup = `${filePath}.bak.${n}`;
  copyFileSync(filePath, backup, constants.COPYFILE_EXCL);
  rmSync(filePath);
}

/** Reads the fields of an imported file, failing with the file's name and the field's path. */
export class JsonShape extends Shape {
  constructor(private readonly filePath: string) {
    super();
  }

  fail(path: string, expected: string, value: unknown): never {
    throw new InvalidJsonError(this.filePath, `${path} should be ${expected}, found ${JSON.stringify(value) ?? 'nothing'}`);
  }
}
