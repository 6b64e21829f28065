// Operating-system failures on real files: a full disk (a 512 KiB tmpfs, as root)
// and a database the process may not write (run as the user nobody). Each comes back
// as a FileSystemError with a stable code naming the file; acknowledged rows stay,
// and nothing is written before the refusal.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SharedDatabase } from '../../../lib/engine/index.js';
import { AgentFarmStateError } from '../../../lib/engine/errors.js';
import { rejectsWith } from '../../helpers/assertions.js';
import { assertRefused, fingerprint, runFilesWorker } from '../../helpers/hostile-files.js';
import { itemsMigrations } from '../../helpers/items-schema.js';
import { inFolder } from '../../helpers/processes.js';
import { killShellWhenReady, sqliteShell } from '../../helpers/sqlite-shell.js';

const isRoot = process.getuid?.() === 0;
const insert = (writer: string, seq: number) => (sql: import('../../../lib/engine/index.js').SqlDatabase) =>
  sql.run('INSERT INTO items (writer, seq) VALUES (?, ?)', [writer, seq]);

/** Writes zeros to `path` until the file system has no byte left. */
function fillDisk(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

test(
  'a full disk: commits fail with E_NO_SPACE naming the log, acknowledged rows stay, writes work once space is back',
  inFolder(async (folder) => {
    if (!isRoot) {
      console.log('  skipped: mounting a small tmpfs needs root');
      return;
    }
    const mount = join(folder, 'small-disk');
    mkdirSync(mount);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mount]);
    try {
      const dbPath = join(mount, 'state.db');
      const filler = join(mount, 'filler');
      const db = await SharedDatabase.open(dbPath, { migrations: itemsMigrations });
      for (let seq = 1; seq <= 20; seq++) await db.transaction(insert('acked', seq));
      fillDisk(filler);
      let refused = 0;
      // The log's last page may still have room for a frame or two: write until the disk says no.
      for (let seq = 1; seq <= 200 && refused === 0; seq++) {
        try {
          await db.transaction(insert('while-full', seq));
        } catch (error) {
          assert.instance(error, AgentFarmStateError, `a raw error: ${String(error)}`);
          assert.is((error as AgentFarmStateError).code, 'E_NO_SPACE', (error as Error).message);
          assert.ok((error as Error).message.includes(`${dbPath}-wal`), (error as Error).message);
          assert.ok((error as Error).message.includes('Free some space'), (error as Error).message);
          refused = seq;
        }
      }
      assert.ok(refused > 0, 'the full disk refused a commit');
      const acknowledgedWhileFull = refused - 1;
      await rejectsWith(db.transaction(insert('while-full', refused)), 'E_NO_SPACE', dbPath);
      rmSync(filler);
      await db.transaction(insert('after', 1));
      const rows = await db.read(
        (sql) => sql.exec('SELECT writer, count(*) FROM items GROUP BY writer ORDER BY writer')[0]!.values,
      );
      assert.equal(rows, [
        ['acked', 20],
        ['after', 1],
        ...(acknowledgedWhileFull ? [['while-full', acknowledgedWhileFull]] : []),
      ]);
      // close() checkpoints: on a full disk it fails typed, never raw, and the log keeps every row.
      fillDisk(filler);
      await db.close().catch((error) => {
        assert.instance(error, AgentFarmStateError, `close() rejected with a raw error: ${String(error)}`);
        assert.is((error as AgentFarmStateError).code, 'E_NO_SPACE');
      });
      rmSync(filler);
      const reopened = await SharedDatabase.open(dbPath, { migrations: itemsMigrations });
      assert.is(
        await reopened.read((sql) => Number(sql.exec('SELECT count(*) FROM items')[0]!.values[0]![0])),
        21 + acknowledgedWhileFull,
      );
      await reopened.transaction(insert('after', 2));
      await reopened.close();
      assert.is(sqliteShell(dbPath, 'PRAGMA integrity_check'), 'ok');
      assert.is(sqliteShell(dbPath, 'SELECT count(*) FROM items'), String(22 + acknowledgedWhileFull));
    } finally {
      execFileSync('umount', [mount]);
    }
  }),
);

test(
  'a database file that turns read-only mid-session: commits still land in the log, close() fails typed, nothing is lost',
  inFolder(async (folder) => {
    if (!isRoot) {
      console.log('  skipped: a read-only bind mount needs root');
      return;
    }
    const dbPath = join(folder, 'state.db');
    const db = await SharedDatabase.open(dbPath, { migrations: itemsMigrations, checkpointFrames: 3 });
    for (let seq = 1; seq <= 5; seq++) await db.transaction(insert('before', seq));
    // The file alone becomes read-only (EROFS); its folder and log stay writable.
    execFileSync('mount', ['--bind', dbPath, dbPath]);
    let mounted = true;
    try {
      execFileSync('mount', ['-o', 'remount,bind,ro', dbPath]);
      // Each commit reaches the checkpoint threshold; the checkpoint cannot write the file and waits: the commit stands.
      for (let seq = 1; seq <= 10; seq++) await db.transaction(insert('read-only', seq));
      assert.is((await runFilesWorker(['read', dbPath])).ok, 15, 'another process reads every commit from the log');
      await rejectsWith(db.close(), 'E_PERMISSION', dbPath, 'copy the write-ahead log into');
      execFileSync('umount', [dbPath]);
      mounted = false;
      assert.is((await runFilesWorker(['write', dbPath, 'after', '1'])).ok, 'written');
      assert.is(sqliteShell(dbPath, 'PRAGMA integrity_check'), 'ok');
      assert.is(sqliteShell(dbPath, 'SELECT count(*) FROM items'), '16');
    } finally {
      if (mounted) execFileSync('umount', [dbPath]);
    }
  }),
);

/** A database of 2 rows in a folder nobody can read but not write; the folder listing, to show nothing was made. */
async function readOnlyForNobody(folder: string): Promise<{ dbPath: string; stateFolder: string }> {
  chmodSync(folder, 0o755); // mkdtemp makes it 0700: nobody must reach the files
  const stateFolder = join(folder, '.agent-farm');
  mkdirSync(stateFolder, { mode: 0o755 });
  const dbPath = join(stateFolder, 'state.db');
  assert.is((await runFilesWorker(['write', dbPath, 'owner', '2'])).ok, 'written');
  chmodSync(dbPath, 0o644);
  return { dbPath, stateFolder };
}

test(
  'a database the process may not write: the first transaction fails with E_PERMISSION before fn runs; reads work and make nothing',
  inFolder(async (folder) => {
    if (!isRoot) {
      console.log('  skipped: needs root to run a child as the user nobody');
      return;
    }
    const { dbPath, stateFolder } = await readOnlyForNobody(folder);
    const before = fingerprint(dbPath);
    const listing = readdirSync(stateFolder).sort();
    const read = await runFilesWorker(['read', dbPath], { asNobody: true });
    assert.is(read.ok, 2, JSON.stringify(read));
    const written = await runFilesWorker(['open-transaction', dbPath], { asNobody: true });
    assertRefused(written, 'E_PERMISSION', dbPath, 'no write permission on the database file');
    assert.not.ok(written.stderr.includes('ran-fn'), 'fn never ran');
    assertRefused(await runFilesWorker(['assert-writable', dbPath], { asNobody: true }), 'E_PERMISSION', dbPath);
    assert.equal(readdirSync(stateFolder).sort(), listing, 'no log, lock or temporary made');
    assert.equal(fingerprint(dbPath), before);
    // The file writable, its folder not: the folder is named (the lock and the log go there).
    chmodSync(dbPath, 0o666);
    assertRefused(
      await runFilesWorker(['open-transaction', dbPath], { asNobody: true }),
      'E_PERMISSION',
      stateFolder,
      'no write permission on the folder',
    );
    assert.equal(readdirSync(stateFolder).sort(), listing);
    assert.is((await runFilesWorker(['assert-writable', dbPath])).ok, 'writable', 'its owner may write');
    assert.is((await runFilesWorker(['read', dbPath])).ok, 2);
    assert.equal(readdirSync(stateFolder).sort(), listing, 'a read by a process that may write makes nothing either');
  }),
);

test(
  'a native WAL-mode file the process may not write: read with its -wal, left as it is for a writer to checkpoint',
  inFolder(async (folder) => {
    if (!isRoot) {
      console.log('  skipped: needs root to run a child as the user nobody');
      return;
    }
    chmodSync(folder, 0o755);
    const stateFolder = join(folder, '.agent-farm');
    mkdirSync(stateFolder, { mode: 0o755 });
    const dbPath = join(stateFolder, 'state.db');
    await killShellWhenReady(
      dbPath,
      [
        'PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;',
        "CREATE TABLE _migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT (datetime('now')));",
        'CREATE TABLE items (writer TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (writer, seq));',
        'CREATE TABLE migration_runs (pid INTEGER NOT NULL);',
        'INSERT INTO _migrations (version) VALUES (1); INSERT INTO _migrations (version) VALUES (2);',
        "INSERT INTO items VALUES ('native', 1); INSERT INTO items VALUES ('native', 2);",
      ].join('\n'),
    );
    for (const name of readdirSync(stateFolder)) chmodSync(join(stateFolder, name), 0o644);
    const files = readdirSync(stateFolder).sort();
    const before = files.map((name) => fingerprint(join(stateFolder, name)));
    const read = await runFilesWorker(['read', dbPath], { asNobody: true });
    assert.is(read.ok, 2, JSON.stringify(read));
    assert.equal(readdirSync(stateFolder).sort(), files, 'no file made or removed');
    assert.equal(
      files.map((name) => fingerprint(join(stateFolder, name))),
      before,
      'every file as it was',
    );
  }),
);

test(
  'a new database in a folder the process may not write: E_PERMISSION naming the folder, nothing made',
  inFolder(async (folder) => {
    if (!isRoot) {
      console.log('  skipped: needs root to run a child as the user nobody');
      return;
    }
    chmodSync(folder, 0o755);
    const stateFolder = join(folder, '.agent-farm');
    mkdirSync(stateFolder, { mode: 0o755 });
    const dbPath = join(stateFolder, 'state.db');
    assertRefused(await runFilesWorker(['write', dbPath, 'w', '1'], { asNobody: true }), 'E_PERMISSION', stateFolder);
    assert.equal(readdirSync(stateFolder), []);
    assert.not.ok(existsSync(dbPath));
  }),
);

test.run();
