// lib/db/json-import.ts: reading a native JSON file (absent, bad, unreadable) and
// keeping it as a backup after the import, never over an older backup.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UnsafePathError } from '../../lib/engine/errors.js';
import { InvalidJsonError } from '../../lib/shared/errors.js';
import { JsonFileValidator, keepAsBackup, readJsonIfPresent } from '../../lib/shared/json-import.js';
import { throwsWith } from '../helpers/expect-error.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'json-import-unit-'));
let folders = 0;
const folder = () => fs.mkdtempSync(path.join(root, `${++folders}-`));

test.after(() => fs.rmSync(root, { recursive: true, force: true }));

test('readJsonIfPresent: the parsed file, or undefined when there is none', () => {
  const file = path.join(folder(), 'state.json');
  assert.is(readJsonIfPresent(file), undefined);
  fs.writeFileSync(file, '{"builders": [1, 2], "architect": null}');
  assert.equal(readJsonIfPresent(file), { builders: [1, 2], architect: null });
  fs.writeFileSync(file, 'null');
  assert.is(readJsonIfPresent(file), null, 'a file holding null is not an absent file');
});

test('readJsonIfPresent refuses a file that is not JSON, and a folder in its place, naming it', () => {
  const file = path.join(folder(), 'ports.json');
  fs.writeFileSync(file, '{"version": 1,');
  throwsWith(
    () => readJsonIfPresent(file),
    InvalidJsonError,
    'E_INVALID_JSON',
    file,
    'is not valid JSON',
    'left as it was',
  );
  fs.writeFileSync(file, '');
  throwsWith(() => readJsonIfPresent(file), InvalidJsonError, 'E_INVALID_JSON', 'is not valid JSON');
  const notAFile = path.join(folder(), 'state.json');
  fs.mkdirSync(notAFile);
  throwsWith(() => readJsonIfPresent(notAFile), UnsafePathError, 'E_UNSAFE_PATH', notAFile, 'a folder');
});

test('keepAsBackup moves the file to .bak, then .bak.1, .bak.2, never over an older backup', () => {
  const dir = folder();
  const file = path.join(dir, 'state.json');
  for (const [index, content] of ['first', 'second', 'third'].entries()) {
    fs.writeFileSync(file, content);
    keepAsBackup(file);
    assert.not.ok(fs.existsSync(file), `removed after backup ${index}`);
  }
  assert.equal(fs.readdirSync(dir).sort(), ['state.json.bak', 'state.json.bak.1', 'state.json.bak.2']);
  assert.is(fs.readFileSync(`${file}.bak`, 'utf8'), 'first');
  assert.is(fs.readFileSync(`${file}.bak.2`, 'utf8'), 'third');
});

test('keepAsBackup does nothing when the file is gone', () => {
  const dir = folder();
  keepAsBackup(path.join(dir, 'state.json'));
  assert.equal(fs.readdirSync(dir), []);
});

test('JsonFileValidator refusals name the file and the field, with what was found', () => {
  const shape = new JsonFileValidator('/h/.agent-farm/ports.json');
  const error = throwsWith(() => shape.integer('4200', 'entries["/p"].basePort'), InvalidJsonError, 'E_INVALID_JSON');
  assert.is(
    error.message,
    '/h/.agent-farm/ports.json cannot be imported: entries["/p"].basePort should be an integer, found "4200". The file was left as it was and nothing was imported; fix or move it, then try again.',
  );
  throwsWith(
    () => shape.string(undefined, 'x'),
    InvalidJsonError,
    'E_INVALID_JSON',
    'x should be a string, found nothing',
  );
});

test.run();
