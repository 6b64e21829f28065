// Taking over the lock of a holder that died on this host: at once, and by one waiter
// only — a waiter that judged the same dead holder too late must not free the lock the
// first one just took.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLockDirectory, HOST_IDENTITY, judgeLockDirectory, ownsLockDirectory, releaseLockDirectory, takeOverLockDirectory } from '../lib/engine/lock/lock-directory.js';
import { inFolder } from './helpers/processes.js';

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

test('a fresh lock whose holder is a dead process of this host is stale; one of a live process or of another host is held', inFolder(async (folder) => {
  const lockPath = join(folder, 'state.db.lock');
  plantLock(lockPath, { pid: deadPid(), host: HOST_IDENTITY });
  assert.is(judgeLockDirectory(lockPath, STALE_MS, notHeldHere).state, 'stale');
  writeFileSync(join(lockPath, 'holder'), JSON.stringify({ pid: process.ppid, host: HOST_IDENTITY }));
  assert.is(judgeLockDirectory(lockPath, STALE_MS, notHeldHere).state, 'held');
  // Another host's pids mean nothing here: only the stale threshold frees its lock.
  writeFileSync(join(lockPath, 'holder'), JSON.stringify({ pid: deadPid(), host: 'elsewhere' }));
  assert.is(judgeLockDirectory(lockPath, STALE_MS, notHeldHere).state, 'held');
  // This pid, in a lock this process does not hold: a dead process whose pid came back.
  writeFileSync(join(lockPath, 'holder'), JSON.stringify({ pid: process.pid, host: HOST_IDENTITY }));
  assert.is(judgeLockDirectory(lockPath, STALE_MS, notHeldHere).state, 'stale');
}));

test('two waiters that judged the same dead holder: the late one leaves the lock the first one took', inFolder(async (folder) => {
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
  assert.ok(ownsLockDirectory(own!), 'the late waiter put back the lock it moved');
  assert.is(createLockDirectory(lockPath, { pid: process.pid, host: HOST_IDENTITY }), undefined, 'the lock is still held');
  releaseLockDirectory(own!);
  assert.equal(readdirSync(folder), [], 'no lock and no folder set aside is left');
}));

test.run();
