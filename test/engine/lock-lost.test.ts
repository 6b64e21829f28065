// A lock lost after a transaction committed, before its checkpoint: the commit is
// on disk, so the transaction returns instead of running its function again.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { SharedDatabase, type SqlDatabase } from '../../lib/engine/index.js';
import { WAL_HEADER_SIZE } from '../../lib/engine/format/wal.js';
import { itemsMigrations } from '../helpers/items-schema.js';
import { inFolder } from '../helpers/processes.js';
import { afterEachFsCall } from '../helpers/fs-calls.js';
import { sqliteShell } from '../helpers/sqlite-shell.js';

/**
 * Runs `body` while the next write of frames (longer than a log's header), once `armed()`
 * turned true, is followed at once by the lock directory going away, as if another
 * process had taken it over.
 */
async function withLockTakenAfterFrames(lockPath: string, armed: () => boolean, body: () => Promise<void>) {
  let taken = false;
  await afterEachFsCall(
    'writeSync',
    (_args, written) => {
      if (!taken && armed() && (written as number) > WAL_HEADER_SIZE) {
        taken = true;
        renameSync(lockPath, `${lockPath}.taken`);
      }
    },
    body,
  );
  assert.ok(taken, 'the lock went away after the frames were written');
}

const counter = (sql: SqlDatabase) =>
  Number(sql.exec("SELECT seq FROM items WHERE writer = 'counter'")[0]!.values[0]![0]);

test(
  'a lock lost between a commit and its checkpoint: the function ran once and its change is kept once',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    // A checkpoint after every commit; the checkpoint is where the lost lock is found.
    const db = await SharedDatabase.open(dbPath, { migrations: itemsMigrations, checkpointFrames: 1 });
    await db.transaction((sql) => sql.run("INSERT INTO items VALUES ('counter', 0)"));
    let runs = 0;
    await withLockTakenAfterFrames(
      `${dbPath}.lock`,
      () => runs > 0,
      async () => {
        await db.transaction((sql) => {
          runs++;
          sql.run("UPDATE items SET seq = seq + 1 WHERE writer = 'counter'");
        });
      },
    );
    assert.is(runs, 1, 'the committed transaction did not run again');
    assert.is(await db.read(counter), 1);
    await db.close();
    assert.is(sqliteShell(dbPath, "SELECT seq FROM items WHERE writer = 'counter'"), '1');
  }),
);

test.run();
