// Taking over the lock of a holder that died on this host: at once, and by one waiter
// only (under a takeover mutex) — a waiter that judged the same dead holder too late
// must not free the lock the first one just took; another thread of this process is
// alive, not dead.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createLockDirectory,
  HOST_IDENTITY,
  judgeLockDirectory,
  ownsLockDirectory,
  releaseLockDirectory,
  takeOverLockDirectory,
  takeoverPathOf,
} from '../../../lib/engine/lock/lock-directory.js';
import { inFolder } from '../../helpers/processes.js';

const STALE_MS = 60_000;
const notHeldHere = () => false;

/** The pid of a process that has ended (and was reaped). */
function deadPid(): number {
  const run = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(run.stdout);
}

function plantLock(lockPath: string, holder: { pid: number; host: string }): void {
  mkdirSync(lockPath);
  writeFileSync(join(lockPath, 'holder'), JSON.stringify(holder));
}

test(
  'a fresh lock whose holder is a dead process of this host is stale; one of a live process or of another host is held',
  inFolder(async (folder) => {
    const lockPath = join(folder, 'state.db.lock');
    plantLock(lockPath, { pid: deadPid(), host: HOST_IDENTITY });
    assert.is(judgeLockDirectory(lockPath, STALE_MS, notHeldHere).state, 'stale');
    writeFileSync(join(lockPath, 'holder'), JSON.stringify({ pid: process.ppid, host: HOST_IDENTITY }));
    assert.is(judgeLockDirectory(lockPath, STALE_MS, notHeldHere).state, 'held');
    // Another host's pids mean nothing here: only the stale threshold frees its lock.
    writeFileSync(join(lockPath, 'holder'), JSON.stringify({ pid: deadPid(), host: 'elsewhere' }));
    assert.is(judgeLockDirectory(lockPath, STALE_MS, notHeldHere).state, 'held');
    // This pid, in a lock this thread does not hold: another thread of this process holds it, alive.
    writeFileSync(join(lockPath, 'holder'), JSON.stringify({ pid: process.pid, host: HOST_IDENTITY }));
    assert.is(judgeLockDirectory(lockPath, STALE_MS, notHeldHere).state, 'held');
  }),
);

test(
  'two waiters that judged the same dead holder: the late one leaves the lock the first one took',
  inFolder(async (folder) => {
    const lockPath = join(folder, 'state.db.lock');
    plantLock(lockPath, { pid: deadPid(), host: HOST_IDENTITY });
    const first = judgeLockDirectory(lockPath, STALE_MS, notHeldHere);
    const late = judgeLockDirectory(lockPath, STALE_MS, notHeldHere);
    assert.is(first.state, 'stale');
    assert.is(late.state, 'stale');
    if (first.state !== 'stale' || late.state !== 'stale') return;
    takeOverLockDirectory(lockPath, first);
    const own = createLockDirectory(lockPath, { pid: process.pid, host: HOST_IDENTITY });
    assert.ok(own, 'the first waiter took the lock');
    takeOverLockDirectory(lockPath, late);
    assert.ok(ownsLockDirectory(own!), 'the late waiter left the lock the first one took');
    assert.is(
      createLockDirectory(lockPath, { pid: process.pid, host: HOST_IDENTITY }),
      undefined,
      'the lock is still held',
    );
    releaseLockDirectory(own!);
    assert.equal(readdirSync(folder), [], 'no lock and no folder set aside is left');
  }),
);

test(
  'a takeover mutex left by a waiter that died inside it is cleared, and the next attempt takes over',
  inFolder(async (folder) => {
    const lockPath = join(folder, 'state.db.lock');
    plantLock(lockPath, { pid: deadPid(), host: HOST_IDENTITY });
    const mutex = takeoverPathOf(lockPath);
    mkdirSync(mutex);
    const judged = judgeLockDirectory(lockPath, STALE_MS, notHeldHere);
    if (judged.state !== 'stale') return assert.unreachable('a dead holder is stale');
    takeOverLockDirectory(lockPath, judged);
    assert.ok(existsSync(lockPath), 'a fresh mutex is another waiter at work: nothing is touched');
    const old = new Date(Date.now() - 5000);
    utimesSync(mutex, old, old);
    takeOverLockDirectory(lockPath, judged);
    assert.not.ok(existsSync(mutex), "the dead waiter's mutex is cleared");
    takeOverLockDirectory(lockPath, judged);
    assert.equal(readdirSync(folder), [], "the dead holder's lock is gone, and nothing set aside is left");
  }),
);

test(
  'two threads of one process writing one file: every increment of both is kept',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    const script = `
    const { SharedDatabase } = await import(${JSON.stringify(join(process.cwd(), 'dist', 'index.js'))});
    const { Worker, isMainThread } = await import('node:worker_threads');
    const db = await SharedDatabase.open(${JSON.stringify(dbPath)}, { migrations: [{ version: 1, description: 'c', up: (sql) => sql.run('CREATE TABLE c (n INTEGER); INSERT INTO c VALUES (0)') }] });
    const other = isMainThread ? new Worker(new URL(import.meta.url), { eval: false }) : undefined;
    // Listened for from the start: a thread that ends before the main one's loop would be missed.
    const otherExited = other && new Promise((resolve) => other.on('exit', resolve));
    for (let i = 0; i < 1000; i++) {
      for (;;) {
        try { await db.transaction((sql) => sql.run('UPDATE c SET n = n + 1')); break; } catch (error) { if (error.code !== 'E_LOCK_LOST') throw error; }
      }
    }
    await otherExited;
    if (isMainThread) console.log(String(await db.read((sql) => sql.exec('SELECT n FROM c')[0].values[0][0])));
    await db.close();`;
    const file = join(folder, 'two-threads.mjs');
    writeFileSync(file, script);
    const run = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 120_000 });
    assert.is(run.status, 0, run.stderr);
    assert.is(run.stdout.trim(), '2000', 'a lost write would leave fewer');
  }),
);

test.run();
