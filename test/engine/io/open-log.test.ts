// A process keeps the write-ahead log open between its commits and reads. It must
// notice every other file that comes to stand at the log's path: a copy renamed over
// it, a new log after another process's checkpoint, a new database after `af db
// reset`; a commit that went to the old, unlinked file would be lost.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SharedDatabase, type DatabaseOptions } from '../../../lib/engine/index.js';
import { itemsMigrations } from '../../helpers/items-schema.js';
import { finished, inFolder, runWorker, startScript, startWorker, waitForLine } from '../../helpers/processes.js';
import { sqliteShell } from '../../helpers/sqlite-shell.js';

const options: DatabaseOptions = { migrations: itemsMigrations, checkpointFrames: 100_000 };
const rowsOf = (db: SharedDatabase) =>
  db.read((sql) => sql.exec('SELECT writer || seq FROM items ORDER BY writer, seq')[0]?.values.flat() ?? []);
const rowsOnDisk = (dbPath: string) =>
  sqliteShell(
    dbPath,
    'PRAGMA integrity_check; SELECT group_concat(r) FROM (SELECT writer || seq AS r FROM items ORDER BY writer, seq)',
  );
const insert = (db: SharedDatabase, writer: string, seq: number) =>
  db.transaction((sql) => sql.run('INSERT INTO items (writer, seq) VALUES (?, ?)', [writer, seq]));

/** Runs `body` while an engine worker that committed its rows keeps the file open (its log not checkpointed). */
async function whileWriterOpen(args: string[], body: () => Promise<void>): Promise<void> {
  const worker = startWorker(args, { TEST_STAY_OPEN: '1' });
  const done = finished(worker);
  try {
    await waitForLine(worker, 'done');
    await body();
  } finally {
    worker.stdin!.end();
    const { code, stderr } = await done;
    assert.is(code, 0, stderr);
  }
}

test(
  'a log replaced by a copy renamed over it: the next commit goes to the file at the path, not the open one',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    const db = await SharedDatabase.open(dbPath, options);
    try {
      await insert(db, 'a', 1); // the log is open in this process now
      const before = statSync(`${dbPath}-wal`).ino;
      copyFileSync(`${dbPath}-wal`, `${dbPath}-wal.copy`);
      renameSync(`${dbPath}-wal.copy`, `${dbPath}-wal`); // the same bytes, another file
      assert.is.not(statSync(`${dbPath}-wal`).ino, before);
      await insert(db, 'a', 2);
      // Another process reads the files while this one holds them open (its close would checkpoint its own copy).
      const reader = await finished(startScript('test/helpers/files-worker.ts', ['read', dbPath]));
      assert.is(reader.stdout.trim(), '{"ok":2}', reader.stderr);
    } finally {
      await db.close();
    }
    assert.is(rowsOnDisk(dbPath), 'ok\na1,a2');
  }),
);

test(
  "another process's checkpoint, then a new log by a third: a process holding the old log open follows both",
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    const db = await SharedDatabase.open(dbPath, options);
    try {
      await insert(db, 'a', 1);
      // Checkpoints at its commit: the log this process holds open is deleted.
      const checkpointer = await runWorker(['write', dbPath, 'b', '1'], { TEST_CHECKPOINT_FRAMES: '1' });
      assert.is(checkpointer.code, 0, checkpointer.stderr);
      await whileWriterOpen(['write', dbPath, 'c', '2'], async () => {
        assert.equal(await rowsOf(db), ['a1', 'b1', 'c1', 'c2']);
        await insert(db, 'a', 2);
      });
      assert.equal(await rowsOf(db), ['a1', 'a2', 'b1', 'c1', 'c2']);
    } finally {
      await db.close();
    }
    assert.is(rowsOnDisk(dbPath), 'ok\na1,a2,b1,c1,c2');
  }),
);

test(
  '`af db reset` by another process, then a new database with a log: the old log held open is never applied to it',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    const db = await SharedDatabase.open(dbPath, options);
    try {
      await insert(db, 'a', 1);
      await insert(db, 'a', 2);
      const reset = finished(startScript('test/helpers/files-worker.ts', ['reset', dbPath]));
      const { code, stdout, stderr } = await reset;
      assert.is(code, 0, stderr);
      assert.ok(stdout.includes('"ok"'), stdout);
      await whileWriterOpen(['write', dbPath, 'x', '3'], async () => {
        assert.equal(await rowsOf(db), ['x1', 'x2', 'x3']);
        await insert(db, 'y', 1);
      });
    } finally {
      await db.close();
    }
    assert.is(rowsOnDisk(dbPath), 'ok\nx1,x2,x3,y1');
  }),
);

test.run();
