// The port registry stays private: an existing folder or file that others can
// read is made 0700 / 0600 when this user owns it, refused (E_PERMISSION, naming
// the path, its mode and owner, and what to do) when another user does, and a
// symlinked global.db is never followed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PortRegistry } from '../../lib/ports/registry.js';
import { rejectsWith } from '../helpers/assertions.js';
import { inFolder } from '../helpers/processes.js';
import { sqliteShell } from '../helpers/sqlite-shell.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
const modeOf = (path: string) => lstatSync(path).mode & 0o777;

test(
  'an existing 0755 folder, 0644 global.db and 0644 -wal of this user: tightened to 0700 / 0600 on open',
  inFolder(async (folder) => {
    const globalFolder = join(folder, 'registry');
    mkdirSync(globalFolder);
    const dbPath = join(globalFolder, 'global.db');
    const writer = await PortRegistry.open(dbPath, { basePort: 4200 });
    await writer.getPortBlock('/projects/alpha'); // committed to the -wal, not yet checkpointed: writer stays open
    assert.ok(existsSync(`${dbPath}-wal`), 'the open writer left its -wal');
    chmodSync(globalFolder, 0o755);
    chmodSync(dbPath, 0o644);
    chmodSync(`${dbPath}-wal`, 0o644);
    const reader = await PortRegistry.open(dbPath);
    assert.is(modeOf(globalFolder), 0o700);
    assert.is(modeOf(dbPath), 0o600);
    assert.is(modeOf(`${dbPath}-wal`), 0o600);
    assert.equal(
      (await reader.listAllocations()).map((allocation) => allocation.basePort),
      [4200],
    );
    await reader.close();
    await writer.close();
    assert.is(sqliteShell(dbPath, 'PRAGMA integrity_check'), 'ok');
  }),
);

test(
  'a file that is already private is left as it is (never loosened)',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'global.db');
    await (await PortRegistry.open(dbPath)).close();
    chmodSync(dbPath, 0o400);
    const registry = await PortRegistry.open(dbPath);
    await registry.listAllocations();
    await registry.close();
    assert.is(modeOf(dbPath), 0o400);
  }),
);

test(
  'a global.db that is a symlink: refused with E_UNSAFE_PATH, its target untouched, the link left in place',
  inFolder(async (folder) => {
    const globalFolder = join(folder, 'registry');
    mkdirSync(globalFolder, { mode: 0o700 });
    const target = join(folder, 'elsewhere.db');
    writeFileSync(target, 'not yours');
    chmodSync(target, 0o644);
    const dbPath = join(globalFolder, 'global.db');
    symlinkSync(target, dbPath);
    await rejectsWith(PortRegistry.open(dbPath), 'E_UNSAFE_PATH', dbPath, 'symbolic link');
    assert.ok(lstatSync(dbPath).isSymbolicLink());
    assert.is(modeOf(target), 0o644);
    assert.is(readFileSync(target, 'utf8'), 'not yours');
  }),
);

test(
  'a -wal that is a symlink: refused with E_UNSAFE_PATH before anything reads it',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'global.db');
    const target = join(folder, 'bashrc');
    writeFileSync(target, 'export PATH');
    symlinkSync(target, `${dbPath}-wal`);
    await rejectsWith(PortRegistry.open(dbPath), 'E_UNSAFE_PATH', `${dbPath}-wal`);
    assert.is(readFileSync(target, 'utf8'), 'export PATH');
    assert.ok(lstatSync(`${dbPath}-wal`).isSymbolicLink());
    assert.not.ok(existsSync(dbPath));
  }),
);

test(
  'a 0644 global.db of another user: refused with E_PERMISSION naming the path, mode and owner; nothing changed',
  inFolder(async (folder) => {
    if (!isRoot) return; // needs to hand the files to another user
    const globalFolder = join(folder, 'registry');
    mkdirSync(globalFolder, { mode: 0o700 });
    const dbPath = join(globalFolder, 'global.db');
    await (await PortRegistry.open(dbPath)).close();
    chmodSync(dbPath, 0o644);
    chownSync(dbPath, NOBODY, NOBODY);
    const error = await rejectsWith(
      PortRegistry.open(dbPath),
      'E_PERMISSION',
      dbPath,
      '0644',
      `uid ${NOBODY}`,
      'chmod 0600',
      'AF_GLOBAL_DIR',
    );
    assert.is(error.name, 'NotPrivateError');
    assert.is(modeOf(dbPath), 0o644);
    assert.is(statSync(dbPath).uid, NOBODY);
  }),
);

test(
  'an unprivileged user whose AF_GLOBAL_DIR is a 0755 folder of root: refused with E_PERMISSION, nothing changed',
  inFolder(async (folder) => {
    if (!isRoot) return; // needs setpriv to become another user
    chmodSync(folder, 0o755); // nobody may pass through the test's folder
    const globalFolder = join(folder, 'registry');
    mkdirSync(globalFolder);
    chmodSync(globalFolder, 0o755);
    const script = `import(${JSON.stringify(join(root, 'dist/index.js'))}).then(async ({ PortRegistry }) => {
    try { await PortRegistry.open(${JSON.stringify(join(globalFolder, 'global.db'))}); console.log('opened'); }
    catch (error) { console.log(error.code + ' ' + error.message); }
  });`;
    const run = spawnSync(
      'setpriv',
      ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '--input-type=module', '-e', script],
      { encoding: 'utf8', cwd: folder, timeout: 30_000 },
    );
    assert.is(run.status, 0, run.stderr);
    assert.ok(run.stdout.startsWith('E_PERMISSION '), run.stdout);
    assert.ok(
      run.stdout.includes(globalFolder) && run.stdout.includes('0755') && run.stdout.includes('uid 0'),
      run.stdout,
    );
    assert.is(modeOf(globalFolder), 0o755);
    assert.not.ok(existsSync(join(globalFolder, 'global.db')));
  }),
);

test.run();
