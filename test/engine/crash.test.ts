// Processes that die or stall while holding the lock: nothing acknowledged is lost,
// the file stays whole, a stalled holder never publishes over a newer commit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SharedDatabase } from '../../lib/engine/index.js';
import { itemsMigrations } from '../helpers/items-schema.js';
import { finished, inFolder, runWorker, startWorker, waitForLine } from '../helpers/processes.js';
import { sqliteShell } from '../helpers/sqlite-shell.js';

const STALE_MS = 2000;
// Frequent checkpoints, so kills also land in the middle of copying the log into the database.
const env = { TEST_STALE_MS: String(STALE_MS), TEST_CHECKPOINT_FRAMES: '16' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test(
  'a lock holder killed with SIGKILL: another process takes the lock after the stale threshold and its write lands',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    const holder = startWorker(['hold', dbPath, '60000'], env);
    const holderDone = finished(holder);
    await waitForLine(holder, 'holding');
    holder.kill('SIGKILL');
    await holderDone;
    assert.ok(existsSync(`${dbPath}.lock`), 'the killed holder left its lock behind');
    const startedAt = Date.now();
    const writer = await runWorker(['write', dbPath, 'after-kill', '1'], env);
    const waited = Date.now() - startedAt;
    assert.is(writer.code, 0, writer.stderr);
    assert.ok(waited < STALE_MS + 3000, `took ${waited} ms, stale threshold is ${STALE_MS} ms`);
    assert.is(sqliteShell(dbPath, "SELECT count(*) FROM items WHERE writer = 'after-kill'"), '1');
    assert.is(
      sqliteShell(dbPath, "SELECT count(*) FROM items WHERE writer = 'holder'"),
      '0',
      'the killed transaction did not land',
    );
    assert.is(sqliteShell(dbPath, 'PRAGMA integrity_check'), 'ok');
  }),
);

test(
  'a paused lock holder (SIGSTOP past the stale threshold) does not overwrite the newer commit',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    const holder = startWorker(['hold', dbPath, '300'], env);
    const holderDone = finished(holder);
    await waitForLine(holder, 'holding');
    holder.kill('SIGSTOP');
    const writer = await runWorker(['write', dbPath, 'while-paused', '1'], env);
    assert.is(writer.code, 0, writer.stderr);
    holder.kill('SIGCONT');
    const held = await holderDone;
    assert.is(held.code, 0, held.stderr);
    // It noticed the takeover before publishing and ran its transaction again on the newer image.
    assert.is(held.stdout.split('\n').filter((line) => line === 'holding').length, 2, held.stdout);
    assert.is(sqliteShell(dbPath, 'SELECT writer FROM items ORDER BY writer'), 'holder\nwhile-paused');
    assert.is(sqliteShell(dbPath, 'PRAGMA integrity_check'), 'ok');
  }),
);

test(
  'writers killed at random moments: the file always opens whole and holds every acknowledged write',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    const deadline = Date.now() + 30_000;
    const acknowledged = new Map<string, string>();
    for (let round = 0; Date.now() < deadline && round < 8; round++) {
      const writers = Array.from({ length: 3 }, (_, i) => {
        const name = `r${round}-w${i}`;
        const ackFile = join(folder, `${name}.ack`);
        acknowledged.set(name, ackFile);
        const child = startWorker(['write', dbPath, name, '100000', ackFile], env);
        return { child, done: finished(child) };
      });
      // Killed at a random moment once the round's writers are at work: a loaded machine may take seconds to start them.
      const ackFiles = [...acknowledged.values()].slice(-writers.length);
      for (const startedAt = Date.now(); !ackFiles.some(existsSync) && Date.now() - startedAt < 15_000; )
        await sleep(20);
      await sleep(Math.random() * 900);
      for (const { child } of writers) child.kill('SIGKILL');
      for (const { done } of writers) await done;
      const db = await SharedDatabase.open(dbPath, {
        migrations: itemsMigrations,
        staleThreshold: STALE_MS,
        busyTimeout: 20_000,
      });
      const stored = await db.read(
        (sql) =>
          new Set(sql.exec("SELECT writer || ':' || seq FROM items")[0]?.values.map((row) => String(row[0])) ?? []),
      );
      await db.close();
      for (const [name, ackFile] of acknowledged) {
        const acks = existsSync(ackFile) ? readFileSync(ackFile, 'utf8').split('\n').filter(Boolean) : [];
        for (const seq of acks) assert.ok(stored.has(`${name}:${seq}`), `acknowledged write ${name}:${seq} is missing`);
      }
      assert.is(sqliteShell(dbPath, 'PRAGMA integrity_check'), 'ok');
    }
    const totalAcks = [...acknowledged.values()]
      .filter(existsSync)
      .reduce((sum, file) => sum + readFileSync(file, 'utf8').split('\n').filter(Boolean).length, 0);
    assert.ok(totalAcks > 0, 'the writers acknowledged some writes before they were killed');
    // The next write removes the temporary images the dead writers left.
    const db = await SharedDatabase.open(dbPath, {
      migrations: itemsMigrations,
      staleThreshold: STALE_MS,
      busyTimeout: 20_000,
    });
    await db.transaction((sql) => sql.run("INSERT INTO items VALUES ('tidy', 1)"));
    await db.close();
    assert.equal(
      readdirSync(folder).filter((name) => name.endsWith('.tmp')),
      [],
    );
  }),
);

test.run();
