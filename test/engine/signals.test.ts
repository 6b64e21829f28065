// The host's event loop keeps turning while the engine works, and a writer ended by a
// signal neither lingers nor leaves a lock that makes the next writer wait.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SharedDatabase } from '../../lib/engine/index.js';
import { itemsMigrations } from '../helpers/items-schema.js';
import { finished, inFolder, startScript, startWorker, waitForLine, type Finished } from '../helpers/processes.js';
import { sqliteShell } from '../helpers/sqlite-shell.js';

const WORKER = 'test/helpers/signal-worker.ts';
/** Long, so that a next writer that waits for it shows. */
const STALE_MS = 10_000;
const env = { TEST_STALE_MS: String(STALE_MS) };

const jsonLine = (run: Finished) =>
  JSON.parse(
    run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .pop() ?? 'null',
  );

test(
  'a host setInterval keeps firing during a long loop of awaited upserts',
  inFolder(async (folder) => {
    const run = await finished(startScript(WORKER, ['ticks', join(folder, 'state.db'), '1500'], env));
    assert.is(run.code, 0, run.stderr);
    const { upserts, ticks } = jsonLine(run);
    assert.ok(upserts > 100, `only ${upserts} upserts`);
    // 30 ticks are due in 1.5 s; a starved loop gets none.
    assert.ok(ticks >= 8, `the 50 ms interval fired ${ticks} times during ${upserts} upserts`);
  }),
);

test(
  'a host setInterval keeps firing during a long loop of awaited reads',
  inFolder(async (folder) => {
    const run = await finished(startScript(WORKER, ['ticks', join(folder, 'state.db'), '1500', 'reads'], env));
    assert.is(run.code, 0, run.stderr);
    const { upserts: reads, ticks } = jsonLine(run);
    assert.ok(reads > 100, `only ${reads} reads`);
    assert.ok(ticks >= 8, `the 50 ms interval fired ${ticks} times during ${reads} reads`);
  }),
);

test(
  'a loop of transactions keeps its lock across the turns it gives the host (the lease), not one lock per turn',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    const db = await SharedDatabase.open(dbPath, { migrations: itemsMigrations });
    // What the host sees of the lock at each of its timer ticks: which lock directory (inodes are
    // reused at once, so with its change time), one per holding.
    const seen: string[] = [];
    const sampler = setInterval(() => {
      try {
        const stats = lstatSync(`${dbPath}.lock`, { bigint: true });
        seen.push(`${stats.ino} ${stats.ctimeNs}`);
      } catch {
        /* not held at this tick */
      }
    }, 1);
    let seq = 0;
    for (const until = Date.now() + 800; Date.now() < until; ) {
      await db.transaction((sql) => sql.run("INSERT INTO items (writer, seq) VALUES ('lease', ?)", [++seq]));
    }
    clearInterval(sampler);
    await db.close();
    const holdings = seen.filter((inode, i) => i === 0 || inode !== seen[i - 1]).length;
    assert.ok(seen.length >= 20, `the host's timer ran ${seen.length} times while the lock was held`);
    // A lease lasts 20 ms and a turn comes every 5 ms: several ticks see the same holding.
    assert.ok(
      holdings / seen.length < 0.8,
      `${holdings} holdings over ${seen.length} ticks during ${seq} transactions`,
    );
  }),
);

const endings: { signal: NodeJS.Signals; handler: 'handler' | 'default' }[] = [
  { signal: 'SIGINT', handler: 'handler' },
  { signal: 'SIGTERM', handler: 'handler' },
  { signal: 'SIGINT', handler: 'default' },
  { signal: 'SIGTERM', handler: 'default' },
  { signal: 'SIGKILL', handler: 'default' },
];

for (const { signal, handler } of endings) {
  test(
    `a writer looping transactions ended by ${signal} (${handler === 'handler' ? 'a handler that calls process.exit' : 'no handler'}) exits at once and the next writer does not wait`,
    inFolder(async (folder) => {
      const dbPath = join(folder, 'state.db');
      const child = startScript(WORKER, ['loop', dbPath, handler], env);
      const done = finished(child);
      await waitForLine(child, 'looping');
      await new Promise((resolve) => setTimeout(resolve, 200)); // well inside the loop, holding its lease
      const signalledAt = Date.now();
      child.kill(signal);
      // A child that does not answer the signal fails the test instead of hanging it.
      const guard = setTimeout(() => child.kill('SIGKILL'), 5000);
      const ended = await done;
      clearTimeout(guard);
      const exitMs = Date.now() - signalledAt;
      assert.ok(
        ended.code === 130 || ended.signal === signal,
        `ended with ${ended.code ?? ended.signal}: ${ended.stderr}`,
      );
      if (signal !== 'SIGKILL') assert.ok(exitMs < 1000, `took ${exitMs} ms to exit after ${signal}`);
      if (handler === 'handler')
        assert.not.ok(readdirSync(folder).includes('state.db.lock'), 'process.exit freed the lock');
      const next = await finished(startScript(WORKER, ['first-commit', dbPath], env));
      assert.is(next.code, 0, next.stderr);
      const { ms } = jsonLine(next);
      assert.ok(ms < 1500, `the next writer's first commit took ${ms} ms (stale threshold ${STALE_MS} ms)`);
      assert.is(sqliteShell(dbPath, "SELECT count(*) FROM items WHERE writer = 'after'"), '1');
      assert.is(sqliteShell(dbPath, 'PRAGMA integrity_check'), 'ok');
    }),
  );
}

test(
  'contending writers leave nothing behind once all have closed: no lock, no waiting mark, no log',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    // Long transactions: every writer waits more than 100 ms for the others and announces itself.
    const holders = Array.from({ length: 5 }, () => finished(startWorker(['hold', dbPath, '300'], env)));
    for (const run of await Promise.all(holders)) assert.is(run.code, 0, run.stderr);
    assert.equal(readdirSync(folder), ['state.db'], 'after writers of long transactions');
    // Loops of short ones, keeping the lock across transactions.
    const writers = Array.from({ length: 5 }, (_, i) =>
      finished(startScript(WORKER, ['write', dbPath, `w${i}`, '150'], env)),
    );
    for (const run of await Promise.all(writers)) assert.is(run.code, 0, run.stderr);
    assert.equal(readdirSync(folder), ['state.db'], 'after loops of short transactions');
    assert.is(sqliteShell(dbPath, "SELECT count(*) FROM items WHERE writer <> 'holder'"), '750');
  }),
);

test(
  'lockState() tells the truth: free after this process committed, held by this process inside a transaction, held or stale for another',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    const db = await SharedDatabase.open(dbPath, { migrations: itemsMigrations, staleThreshold: STALE_MS });
    try {
      await db.transaction((sql) => sql.run("INSERT INTO items (writer, seq) VALUES ('me', 1)"));
      // Its lease of the lock is idle: no writer has to wait for it.
      assert.is(db.lockState(), 'free');
      await db.transaction((sql) => {
        assert.is(db.lockState(), 'held by this process');
        sql.run("INSERT INTO items (writer, seq) VALUES ('me', 2)");
      });
      const other = startWorker(['hold', dbPath, '60000'], env);
      const done = finished(other);
      await waitForLine(other, 'holding');
      assert.is(db.lockState(), 'held');
      other.kill('SIGKILL');
      await done;
      // Its holder is gone: the next writer takes it over at once.
      assert.is(db.lockState(), 'stale');
      await db.transaction((sql) => sql.run("INSERT INTO items (writer, seq) VALUES ('me', 3)"));
      assert.is(db.lockState(), 'free');
    } finally {
      await db.close();
    }
    assert.equal(readdirSync(folder), ['state.db']);
  }),
);

test.run();
