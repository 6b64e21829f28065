// A process committing back to back keeps the file's lock while nobody waits for it: the
// lock directory is made once for the whole loop, not again every lease. Another
// database of the same process on the file, queued between its transactions, gets the
// lock. (That it lets the lock go once another process waits is concurrency.test.ts's
// "does not starve another writer".)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { SharedDatabase } from '../../../lib/engine/index.js';
import { afterEachFsCall } from '../../helpers/fs-calls.js';
import { itemsMigrations } from '../../helpers/items-schema.js';
import { inFolder } from '../../helpers/processes.js';

/** Runs `body` counting the directories made at `path`. */
async function countingDirectoriesMade(path: string, body: () => Promise<void>): Promise<number> {
  let made = 0;
  await afterEachFsCall(
    'mkdirSync',
    (args) => {
      if (String(args[0]) === path) made++;
    },
    body,
  );
  return made;
}

test(
  'a loop of transactions lasting many leases takes the lock once while nobody waits',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    const db = await SharedDatabase.open(dbPath, { migrations: itemsMigrations });
    await new Promise((resolve) => setTimeout(resolve, 10)); // a turn of the event loop lets the lock from open() go
    let commits = 0;
    const made = await countingDirectoriesMade(`${dbPath}.lock`, async () => {
      for (const until = Date.now() + 400; Date.now() < until; commits++)
        await db.transaction((sql) => sql.run("INSERT INTO items VALUES ('loop', ?)", [commits]));
    });
    assert.ok(commits > 20, `${commits} commits`);
    assert.is(made, 1);
    await db.close();
  }),
);

test(
  'two databases of one process on the same file, their transactions interleaved: each gets the lock in turn',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    // A short busy timeout: a lock kept while the other waits fails the test at once.
    const [a, b] = await Promise.all(
      [0, 1].map(() => SharedDatabase.open(dbPath, { migrations: itemsMigrations, busyTimeout: 1500 })),
    );
    const write = (db: SharedDatabase, writer: string, seq: number) =>
      db.transaction((sql) => sql.run('INSERT INTO items VALUES (?, ?)', [writer, seq]));
    for (let round = 0; round < 5; round++)
      await Promise.all([write(a!, 'a', 2 * round), write(b!, 'b', round), write(a!, 'a', 2 * round + 1)]);
    const count = (db: SharedDatabase) =>
      db.read((sql) => Number(sql.exec('SELECT count(*) FROM items')[0]!.values[0]![0]));
    assert.is(await count(b!), 15);
    await Promise.all([a!.close(), b!.close()]);
  }),
);

test.run();
