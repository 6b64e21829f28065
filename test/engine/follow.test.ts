// A process holding a file open follows the commits of others by writing their pages
// into its in-memory copy: a commit that leaves page 1 alone, one that shrinks the
// file, and a newer migration that changes no table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SharedDatabase, type DatabaseOptions, type SqlDatabase } from '../../lib/engine/index.js';
import { loadSqlJs } from '../../lib/engine/sqljs/loader.js';
import { applyWal, encodeFrames } from '../../lib/engine/format/wal.js';
import { rejectsWith } from '../helpers/assertions.js';
import { withClockStopped } from '../helpers/clock.js';
import { itemsMigrations } from '../helpers/items-schema.js';
import { finished, inFolder, startWorker, waitForLine } from '../helpers/processes.js';
import { sqliteShell } from '../helpers/sqlite-shell.js';

const options: DatabaseOptions = { migrations: itemsMigrations };
const countItems = (db: SharedDatabase) =>
  db.read((sql) => Number(sql.exec('SELECT count(*) FROM items')[0]!.values[0]![0]));
/** Runs `body` while a worker that printed `line` keeps its database open; the worker closes and exits after, even when `body` fails. */
async function whileWorkerOpen(
  args: string[],
  env: Record<string, string>,
  line: string,
  body: () => Promise<void>,
): Promise<void> {
  const worker = startWorker(args, { ...env, TEST_STAY_OPEN: '1' });
  const done = finished(worker);
  try {
    await waitForLine(worker, line);
    await body();
  } finally {
    worker.stdin!.end();
    const { code, stderr } = await done;
    assert.is(code, 0, stderr);
  }
}
const writers = (db: SharedDatabase) =>
  db.read((sql) => sql.exec('SELECT writer FROM items ORDER BY writer')[0]?.values.map(([writer]) => writer) ?? []);

test(
  'a commit another writer appended without changing page 1 is seen by a process holding the file open',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    const db = await SharedDatabase.open(dbPath, options);
    await db.transaction((sql) => sql.run("INSERT INTO items VALUES ('a', 1)"));
    assert.equal(await writers(db), ['a']); // SQLite inside this process has the pages cached now

    // Another writer renames the row and appends only the pages that hold it, as a
    // native WAL writer may: page 1 (with the change counter) is not among them.
    const { image, log } = applyWal(readFileSync(dbPath), readFileSync(`${dbPath}-wal`), dbPath);
    const other = new (await loadSqlJs()).Database(image);
    other.run("UPDATE items SET writer = 'b'");
    const next = other.export();
    other.close();
    const pageSize = log!.header.pageSize;
    const pages: Array<[number, Uint8Array]> = [];
    for (let pageNumber = 2; pageNumber * pageSize <= next.length; pageNumber++) {
      const page = next.subarray((pageNumber - 1) * pageSize, pageNumber * pageSize);
      if (!Buffer.from(page).equals(image.subarray((pageNumber - 1) * pageSize, pageNumber * pageSize)))
        pages.push([pageNumber, page]);
    }
    assert.ok(pages.length > 0, 'the rename changed pages past page 1');
    appendFileSync(`${dbPath}-wal`, encodeFrames(log!.header, log!.end, pages, next.length / pageSize).bytes);

    assert.equal(await writers(db), ['b']);
    await db.transaction((sql) => sql.run("INSERT INTO items VALUES ('c', 1)"));
    await db.close();
    assert.is(
      sqliteShell(
        dbPath,
        'PRAGMA integrity_check; SELECT group_concat(writer) FROM (SELECT writer FROM items ORDER BY writer)',
      ),
      'ok\nb,c',
    );
  }),
);

test(
  'a process holding the file open follows another process that shrank it, and commits on top',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    // auto_vacuum makes a commit that frees pages truncate the file.
    sqliteShell(dbPath, 'PRAGMA auto_vacuum = FULL; CREATE TABLE pad (x)');
    const db = await SharedDatabase.open(dbPath, options);
    await db.transaction((sql) => {
      for (let seq = 0; seq < 2000; seq++)
        sql.run('INSERT INTO items VALUES (?, ?)', [`filler-${'x'.repeat(60)}`, seq]);
    });
    assert.is(await countItems(db), 2000);

    // The other process stays open, so its commit stays in the log.
    await whileWorkerOpen(['clear', dbPath], {}, 'cleared', async () => {
      assert.is(await countItems(db), 0);
      await db.transaction((sql) => sql.run("INSERT INTO items VALUES ('after', 1)"));
      assert.equal(await writers(db), ['after']);
    });
    await db.close();

    assert.is(sqliteShell(dbPath, 'PRAGMA integrity_check; SELECT count(*) FROM items'), 'ok\n1');
    assert.ok(statSync(dbPath).size <= 16 * 4096, `the file shrank back (${statSync(dbPath).size} bytes)`);
  }),
);

test(
  'a process holding the file open refuses it once another process applied a newer migration, even one that changes no table',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    const db = await SharedDatabase.open(dbPath, options);
    await db.transaction((sql) => sql.run("INSERT INTO items VALUES ('a', 1)"));
    assert.is(await countItems(db), 1);

    await whileWorkerOpen(['open', dbPath], { TEST_EXTRA_MIGRATION: '3' }, 'opened', async () => {
      await rejectsWith(countItems(db), 'E_SCHEMA_TOO_NEW', dbPath);
      await rejectsWith(
        db.transaction((sql) => sql.run("INSERT INTO items VALUES ('b', 1)")),
        'E_SCHEMA_TOO_NEW',
        dbPath,
      );
      await db.close(); // the newer writer's log is its own to checkpoint
    });
    assert.is(
      sqliteShell(
        dbPath,
        'PRAGMA integrity_check; SELECT group_concat(version) FROM _migrations; SELECT group_concat(writer) FROM items',
      ),
      'ok\n1,2,3\na',
    );
  }),
);

test(
  'readRemembered() runs its function again exactly when the files changed: a commit of another process, one of this process, a checkpoint, the sqlite3 shell',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    const db = await SharedDatabase.open(dbPath, options);
    let runs = 0;
    const count = (sql: SqlDatabase) => {
      runs++;
      return Number(sql.exec('SELECT count(*) FROM items')[0]!.values[0]![0]);
    };
    const seen = async (expected: number, expectedRuns: number, context: string) => {
      assert.is(await db.readRemembered(count), expected, context);
      assert.is(runs, expectedRuns, `${context}: runs of the function`);
    };
    await seen(0, 1, 'first read');
    await seen(0, 1, 'unchanged');
    await db.transaction((sql) => sql.run("INSERT INTO items VALUES ('a', 1)"));
    await seen(1, 2, 'after this process committed');
    await seen(1, 2, 'unchanged again');
    await db.transaction(() => undefined);
    await seen(1, 2, 'after a transaction that wrote nothing');

    await whileWorkerOpen(['write', dbPath, 'open', '2'], {}, 'done', async () => {
      await seen(3, 3, 'after another process committed (its frames in the log)');
      await seen(3, 3, 'unchanged while it stays open');
    });
    await seen(3, 4, 'after its checkpoint at close');
    sqliteShell(dbPath, "INSERT INTO items VALUES ('shell', 1)");
    await seen(4, 5, 'after the sqlite3 shell wrote in place');

    await rejectsWith(
      db.readRemembered((sql) => sql.run("INSERT INTO items VALUES ('b', 1)")),
      'E_READ_ONLY',
      dbPath,
    );
    await seen(4, 6, 'after a refused write: the memory copy is read again');
    await db.close();
  }),
);

for (const [how, checkpointFrames, write] of [
  // With the log checkpointed at every commit there is none: the shell writes the database file in place.
  ['in place', 1, (dbPath: string) => sqliteShell(dbPath, "INSERT INTO items VALUES ('shell', 1)")],
  // It finds the log and writes in WAL mode, appending a commit; killed before it closes, the commit stays there.
  [
    'into the log',
    1000,
    (dbPath: string) => {
      try {
        execFileSync('sqlite3', [dbPath, "INSERT INTO items VALUES ('shell', 1)", '.system kill -9 $PPID'], {
          stdio: 'ignore',
        });
      } catch {
        // Killed, as meant.
      }
    },
  ],
] as const) {
  test(
    `a lock kept across transactions: the sqlite3 shell's commit ${how} between two of them is kept, and the second runs again on it`,
    inFolder(async (folder) => {
      const dbPath = join(folder, 'state.db');
      const db = await SharedDatabase.open(dbPath, { ...options, checkpointFrames });
      const writersNow = (sql: SqlDatabase) =>
        String(
          sql.exec('SELECT group_concat(writer) FROM (SELECT writer FROM items ORDER BY writer)')[0]!.values[0]![0],
        );
      let runs = 0;
      await withClockStopped(async () => {
        await db.transaction((sql) => sql.run("INSERT INTO items VALUES ('a', 1)"));
        // No turn of the event loop in between: the second transaction gets the lock the first kept.
        write(dbPath);
        const seenBySecond = await db.transaction((sql) => {
          runs++;
          sql.run("INSERT INTO items VALUES ('b', 1)");
          return writersNow(sql);
        });
        assert.is(seenBySecond, 'a,b,shell');
      });
      assert.is(runs, 2, 'the second transaction ran on the kept lock, was refused at its commit, and ran again');
      assert.is(await db.read(writersNow), 'a,b,shell');
      await db.close();
      assert.is(
        sqliteShell(
          dbPath,
          'PRAGMA integrity_check; SELECT group_concat(writer) FROM (SELECT writer FROM items ORDER BY writer)',
        ),
        'ok\na,b,shell',
      );
    }),
  );
}

test.run();
