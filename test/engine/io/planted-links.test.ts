// A repository can commit anything beside its state.db: a link from state.db-wal to
// the user's ~/.bashrc, a dangling link, a folder or a pipe with a side file's name.
// Real child processes read and write there: every such entry is refused with
// E_UNSAFE_PATH naming it, no byte is written through it, and it is left in place.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SharedDatabase } from '../../../lib/engine/index.js';
import { rejectsWith } from '../../helpers/assertions.js';
import { assertRefused, deadPid, fingerprint, isSymlink, runFilesWorker } from '../../helpers/hostile-files.js';
import { itemsMigrations } from '../../helpers/items-schema.js';
import { inFolder } from '../../helpers/processes.js';
import { sqliteShell } from '../../helpers/sqlite-shell.js';

/** A project with a database of 3 rows (closed: no log beside it), and a victim file outside it, mode 0600. */
async function projectAndVictim(folder: string): Promise<{ dbPath: string; victim: string }> {
  const stateFolder = join(folder, 'project', '.agent-farm');
  mkdirSync(stateFolder, { recursive: true });
  const dbPath = join(stateFolder, 'state.db');
  const written = await runFilesWorker(['write', dbPath, 'setup', '3']);
  assert.is(written.ok, 'written', JSON.stringify(written));
  mkdirSync(join(folder, 'home'));
  const victim = join(folder, 'home', '.bashrc');
  writeFileSync(victim, 'export PATH=$HOME/bin:$PATH\n');
  chmodSync(victim, 0o600);
  return { dbPath, victim };
}

test(
  'a -wal linked to a file outside: a write and a read are refused, the file and the link untouched',
  inFolder(async (folder) => {
    const { dbPath, victim } = await projectAndVictim(folder);
    const logPath = `${dbPath}-wal`;
    symlinkSync(victim, logPath);
    const victimBefore = fingerprint(victim);
    const databaseBefore = fingerprint(dbPath);
    assertRefused(await runFilesWorker(['write', dbPath, 'attacker', '2']), 'E_UNSAFE_PATH', logPath, 'symbolic link');
    assertRefused(await runFilesWorker(['read', dbPath]), 'E_UNSAFE_PATH', logPath, 'symbolic link');
    assert.equal(fingerprint(victim), victimBefore, 'not a byte written to the victim, its mode kept');
    assert.equal(fingerprint(dbPath), databaseBefore, 'the database untouched');
    assert.ok(isSymlink(logPath), 'the link is left in place');
    unlinkSync(logPath);
    assert.is((await runFilesWorker(['read', dbPath])).ok, 3, 'once it is gone, the database reads as before');
  }),
);

test(
  'a dangling -wal link: refused, its target never created',
  inFolder(async (folder) => {
    const { dbPath } = await projectAndVictim(folder);
    const target = join(folder, 'home', 'created-by-us');
    symlinkSync(target, `${dbPath}-wal`);
    assertRefused(await runFilesWorker(['write', dbPath, 'attacker', '1']), 'E_UNSAFE_PATH', `${dbPath}-wal`);
    assertRefused(await runFilesWorker(['read', dbPath]), 'E_UNSAFE_PATH', `${dbPath}-wal`);
    assert.not.ok(existsSync(target), 'nothing created through the link');
    assert.ok(isSymlink(`${dbPath}-wal`));
  }),
);

test(
  'a -wal that is a folder or a named pipe: refused at once (no hang), left in place',
  inFolder(async (folder) => {
    const { dbPath } = await projectAndVictim(folder);
    const logPath = `${dbPath}-wal`;
    mkdirSync(logPath);
    writeFileSync(join(logPath, 'inside'), 'kept');
    assertRefused(await runFilesWorker(['write', dbPath, 'w', '1']), 'E_UNSAFE_PATH', logPath, 'a folder');
    assertRefused(await runFilesWorker(['read', dbPath]), 'E_UNSAFE_PATH', logPath, 'a folder');
    assert.equal(readdirSync(logPath), ['inside']);
    execFileSync('rm', ['-r', logPath]);
    execFileSync('mkfifo', [logPath]);
    assertRefused(
      await runFilesWorker(['write', dbPath, 'w', '1'], { timeoutMs: 30_000 }),
      'E_UNSAFE_PATH',
      logPath,
      'a named pipe',
    );
    assertRefused(
      await runFilesWorker(['read', dbPath], { timeoutMs: 30_000 }),
      'E_UNSAFE_PATH',
      logPath,
      'a named pipe',
    );
    assert.ok(existsSync(logPath));
    assert.is(sqliteShell(dbPath, 'SELECT count(*) FROM items'), '3', 'the database still holds its rows');
  }),
);

test(
  'a -shm linked outside: the first transaction is refused before it runs, the database untouched',
  inFolder(async (folder) => {
    const { dbPath, victim } = await projectAndVictim(folder);
    symlinkSync(victim, `${dbPath}-shm`);
    const victimBefore = fingerprint(victim);
    const databaseBefore = fingerprint(dbPath);
    assertRefused(await runFilesWorker(['write', dbPath, 'w', '1']), 'E_UNSAFE_PATH', `${dbPath}-shm`);
    assert.equal(fingerprint(victim), victimBefore);
    assert.equal(fingerprint(dbPath), databaseBefore, 'the database was not written in place');
    assert.not.ok(existsSync(`${dbPath}-wal`), 'refused before the transaction ran: nothing was committed to a log');
    assert.ok(isSymlink(`${dbPath}-shm`));
  }),
);

test(
  'a database file that is itself a link is refused, the file it points to untouched',
  inFolder(async (folder) => {
    const { dbPath } = await projectAndVictim(folder);
    const elsewhere = join(folder, 'home', 'real.db');
    execFileSync('mv', [dbPath, elsewhere]);
    symlinkSync(elsewhere, dbPath);
    const before = fingerprint(elsewhere);
    assertRefused(await runFilesWorker(['read', dbPath]), 'E_UNSAFE_PATH', dbPath);
    assertRefused(await runFilesWorker(['write', dbPath, 'w', '1']), 'E_UNSAFE_PATH', dbPath);
    assert.equal(fingerprint(elsewhere), before);
    assert.ok(isSymlink(dbPath));
    assert.not.ok(existsSync(`${elsewhere}-wal`) || existsSync(`${dbPath}-wal`), 'no log made beside either');
  }),
);

test(
  'the database may be reached through a linked folder',
  inFolder(async (folder) => {
    mkdirSync(join(folder, 'real-state'));
    symlinkSync(join(folder, 'real-state'), join(folder, 'linked-state'));
    const dbPath = join(folder, 'linked-state', 'state.db');
    assert.is((await runFilesWorker(['write', dbPath, 'w', '2'])).ok, 'written');
    assert.is((await runFilesWorker(['read', dbPath])).ok, 2);
    assert.ok(existsSync(join(folder, 'real-state', 'state.db')));
  }),
);

test(
  "a link named as a dead process's temporary file is refused by the first write, not deleted",
  inFolder(async (folder) => {
    const { dbPath, victim } = await projectAndVictim(folder);
    const temporary = `${dbPath}.${await deadPid()}-1.tmp`;
    symlinkSync(victim, temporary);
    const victimBefore = fingerprint(victim);
    assertRefused(await runFilesWorker(['write', dbPath, 'w', '1']), 'E_UNSAFE_PATH', temporary);
    assert.ok(isSymlink(temporary), 'the link is left in place');
    assert.equal(fingerprint(victim), victimBefore);
    assert.is(sqliteShell(dbPath, 'SELECT count(*) FROM items'), '3');
  }),
);

test(
  'a link planted under the name a new database is written to first is refused (O_EXCL), never written through',
  inFolder(async (folder) => {
    const victim = join(folder, 'victim');
    writeFileSync(victim, 'precious');
    const dbPath = join(folder, 'state.db');
    // The temporary's name is <file>.<pid>-<n>.tmp with a counter of this process: plant every likely one.
    const planted = Array.from({ length: 2000 }, (_, n) => `${dbPath}.${process.pid}-${n + 1}.tmp`);
    for (const path of planted) symlinkSync(victim, path);
    await rejectsWith(
      SharedDatabase.open(dbPath, { migrations: itemsMigrations }),
      'E_UNSAFE_PATH',
      `${dbPath}.${process.pid}-`,
    );
    assert.is(String(execFileSync('cat', [victim])), 'precious');
    assert.ok(planted.every(isSymlink), 'every link left in place');
    assert.not.ok(existsSync(dbPath), 'no database published');
  }),
);

test(
  'af db reset (removeDatabaseFiles) with a linked -shm deletes nothing',
  inFolder(async (folder) => {
    const { dbPath, victim } = await projectAndVictim(folder);
    writeFileSync(`${dbPath}-journal`, 'left by the native version');
    symlinkSync(victim, `${dbPath}-shm`);
    const victimBefore = fingerprint(victim);
    assertRefused(await runFilesWorker(['reset', dbPath]), 'E_UNSAFE_PATH', `${dbPath}-shm`);
    assert.ok(existsSync(dbPath) && existsSync(`${dbPath}-journal`), 'nothing deleted, not even the files before it');
    assert.ok(isSymlink(`${dbPath}-shm`));
    assert.equal(fingerprint(victim), victimBefore);
    unlinkSync(`${dbPath}-shm`);
    // A waiting mark with something planted inside: not a waiter's, so not emptied.
    mkdirSync(`${dbPath}.lock.waiting`);
    writeFileSync(join(`${dbPath}.lock.waiting`, 'keep'), 'planted');
    assertRefused(await runFilesWorker(['reset', dbPath]), 'E_UNSAFE_PATH', `${dbPath}.lock.waiting`);
    assert.ok(existsSync(join(`${dbPath}.lock.waiting`, 'keep')) && existsSync(dbPath), 'nothing deleted');
    rmSync(`${dbPath}.lock.waiting`, { recursive: true });
    const reset = await runFilesWorker(['reset', dbPath]);
    assert.equal(reset.ok, [dbPath, `${dbPath}-journal`]);
  }),
);

const stateJson = JSON.stringify({
  architect: null,
  builders: [
    {
      id: '0001',
      name: 'one',
      port: 4210,
      pid: 1,
      status: 'implementing',
      phase: '',
      worktree: '/w',
      branch: 'b',
      type: 'spec',
    },
  ],
  utils: [],
  annotations: [],
});

test(
  'a state.json that is a link is not imported, read through, backed up or removed',
  inFolder(async (folder) => {
    const stateFolder = join(folder, '.agent-farm');
    mkdirSync(stateFolder);
    const victim = join(folder, 'victim.json');
    writeFileSync(victim, stateJson);
    const jsonPath = join(stateFolder, 'state.json');
    symlinkSync(victim, jsonPath);
    const dbPath = join(stateFolder, 'state.db');
    assertRefused(await runFilesWorker(['state', dbPath]), 'E_UNSAFE_PATH', jsonPath);
    assert.ok(isSymlink(jsonPath), 'the link is left in place');
    assert.is(String(execFileSync('cat', [victim])), stateJson);
    assert.not.ok(existsSync(`${jsonPath}.bak`), 'no backup made');
    assert.not.ok(existsSync(dbPath), 'nothing imported: no database published');
  }),
);

test(
  'a state.json.bak that is a link fails the import before it commits; without it the import works',
  inFolder(async (folder) => {
    const stateFolder = join(folder, '.agent-farm');
    mkdirSync(stateFolder);
    const victim = join(folder, 'victim');
    writeFileSync(victim, 'precious');
    const jsonPath = join(stateFolder, 'state.json');
    writeFileSync(jsonPath, stateJson);
    symlinkSync(victim, `${jsonPath}.bak`);
    const dbPath = join(stateFolder, 'state.db');
    assertRefused(await runFilesWorker(['state', dbPath]), 'E_UNSAFE_PATH', `${jsonPath}.bak`);
    assert.is(String(execFileSync('cat', [victim])), 'precious');
    assert.ok(isSymlink(`${jsonPath}.bak`));
    assert.ok(existsSync(jsonPath), 'state.json kept');
    assert.not.ok(existsSync(dbPath), 'nothing imported');
    // A dangling one is refused as well.
    unlinkSync(`${jsonPath}.bak`);
    symlinkSync(join(folder, 'nothing-here'), `${jsonPath}.bak`);
    assertRefused(await runFilesWorker(['state', dbPath]), 'E_UNSAFE_PATH', `${jsonPath}.bak`);
    assert.not.ok(existsSync(join(folder, 'nothing-here')));
    unlinkSync(`${jsonPath}.bak`);
    assert.equal((await runFilesWorker(['state', dbPath])).ok, ['0001']);
    assert.not.ok(existsSync(jsonPath));
    assert.is(String(execFileSync('cat', [`${jsonPath}.bak`])), stateJson);
  }),
);

test.run();
