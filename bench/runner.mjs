// The benchmark's shared runner: the plan (BENCH_* settings), the temporary folder
// and its cleanup, the measured processes (one-shot tasks of child.mjs and warm
// writers), both engines loaded here for setup and checks, and the results table.
import { fork, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, ROOT_DIR } from './workload.mjs';

export const QUICK = process.env.BENCH_QUICK === '1';
export const ONLY = process.env.BENCH_ONLY
  ? new Set(process.env.BENCH_ONLY.split(',').map((s) => Number(s.trim())))
  : undefined;
export const ROWS = process.env.BENCH_ROWS
  ? process.env.BENCH_ROWS.split(',').map((s) => Number(s.trim()))
  : QUICK
    ? [10, 1000, 10000]
    : [10, 1000, 10000, 100000];
export const PLAN = QUICK
  ? { dumps: 3, parallel: 1, single: 1, readRounds: 1, cachedReads: 30, reloadReads: 10, commits: 20, rss: 1, warm: 1 }
  : {
      dumps: 15,
      parallel: 5,
      single: 5,
      readRounds: 3,
      cachedReads: 100,
      reloadReads: 30,
      commits: 200,
      rss: 5,
      warm: 5,
    };
export const WARM_WRITERS = (process.env.BENCH_WRITERS ?? '2,5,10,20').split(',').map(Number);
/** Workload 9: writers looping, for how long, how many times per engine. */
export const CONTENTION = { writers: 10, ms: QUICK ? 600 : 1500, reps: QUICK ? 1 : 3 };
export const PROCESSES = 10;
export const PER_PROCESS = 100;
export const SINGLE = 1000;

export const AF = join(ROOT_DIR, 'dist', 'af.js');
export const CHILD = join(BENCH_DIR, 'child.mjs');
export const NATIVE_DUMP = join(BENCH_DIR, 'native', 'dump.mjs');
export const FLOOR = join(BENCH_DIR, 'floor.mjs');
export const TIME = '/usr/bin/time';
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * Node.js options for our measured processes only: none unless BENCH_OURS_FLAGS says
 * (e.g. `--wasm-tier-up`, which leaves V8's flags to V8 as before sql.js got the
 * baseline compiler by default), so the table measures the defaults a host gets.
 */
const OURS_FLAGS = (process.env.BENCH_OURS_FLAGS ?? '').split(' ').filter(Boolean);
const flagsOf = (engine) => (engine === 'ours' ? OURS_FLAGS : []);

export const progress = (line) => process.stderr.write(`${line}\n`);
export const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

// ---------------------------------------------------------------- setup and cleanup

function ensureBuilt() {
  for (const file of [AF, join(ROOT_DIR, 'dist', 'index.js'), join(ROOT_DIR, 'wasm', 'sql-wasm.wasm')]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: build the package first (node build.mjs)`);
  }
}

/** What was measured: a digest of the built files, and when they were built. */
export function buildIdentity() {
  const files = [AF, join(ROOT_DIR, 'dist', 'index.js'), join(ROOT_DIR, 'wasm', 'sql-wasm.wasm')];
  const hash = createHash('sha256');
  for (const file of files) hash.update(readFileSync(file));
  const built = new Date(Math.max(...files.map((file) => statSync(file).mtimeMs)));
  return { digest: hash.digest('hex').slice(0, 12), built: built.toISOString() };
}

/** better-sqlite3 from bench/node_modules, installed when absent, checked in a child (a bad build can crash a process). */
function ensureNative() {
  const benchRequire = createRequire(join(BENCH_DIR, 'package.json'));
  const resolvable = () => {
    try {
      benchRequire.resolve('better-sqlite3');
      return true;
    } catch {
      return false;
    }
  };
  if (!resolvable()) {
    progress("installing the benchmark's dependencies (better-sqlite3) into bench/node_modules …");
    const install = spawnSync(NPM, ['install', '--prefix', BENCH_DIR, '--no-audit', '--no-fund'], {
      stdio: ['ignore', 2, 2],
      timeout: 600_000,
    });
    if (install.status !== 0 || !resolvable())
      throw new Error(
        `npm install --prefix ${BENCH_DIR} failed (${install.error?.message ?? `exit ${install.status}`})`,
      );
  }
  const load = () =>
    spawnSync(
      process.execPath,
      ['-e', "const D = require('better-sqlite3'); new D(':memory:').prepare('SELECT 1').get()"],
      { cwd: BENCH_DIR, encoding: 'utf8', timeout: 60_000 },
    );
  let probe = load();
  if (probe.status !== 0) {
    // Built for another Node.js (its ABI changed since the install): build it again once.
    progress(
      `better-sqlite3 does not load (${probe.stderr.trim().split('\n')[0] ?? ''}); rebuilding it for Node ${process.version} …`,
    );
    spawnSync(NPM, ['rebuild', 'better-sqlite3', '--prefix', BENCH_DIR], { stdio: ['ignore', 2, 2], timeout: 600_000 });
    probe = load();
  }
  if (probe.status !== 0)
    throw new Error(
      `better-sqlite3 does not load on Node ${process.version} (${probe.signal ?? `exit ${probe.status}`}): ${probe.stderr.trim()}\nUse better-sqlite3 12 on Node 20 (bench/package.json pins ^12).`,
    );
  return benchRequire('better-sqlite3/package.json').version;
}

export const tmp = mkdtempSync(join(tmpdir(), 'af-bench-'));
export const live = new Set();

export function killAll() {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

let cleaned = false;
export function cleanup() {
  if (cleaned) return;
  cleaned = true;
  killAll();
  if (process.env.BENCH_KEEP === '1') progress(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    progress(`\n${signal}: stopping`);
    cleanup();
    process.exit(130);
  });
}

/** The environment of every measured process: no AF_* from the caller, the global registry inside the temp folder. */
export const childEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AF_')));
childEnv.AF_GLOBAL_DIR = join(tmp, 'global');

/**
 * Runs one process to its end: resolves { ms, stdout } (ms from spawn to exit and
 * closed output), rejects on a non-zero exit or after `timeout` (the process is killed).
 */
export function run(command, args, { cwd = ROOT_DIR, env = childEnv, timeout = 120_000, what = args.join(' ') } = {}) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeout);
    child.on('error', (error) => {
      clearTimeout(timer);
      live.delete(child);
      reject(error);
    });
    child.on('close', (code, signal) => {
      const ms = performance.now() - start;
      clearTimeout(timer);
      live.delete(child);
      if (timedOut) reject(new Error(`${what}: timed out after ${timeout / 1000} s`));
      else if (code !== 0)
        reject(Object.assign(new Error(`${what}: exited with ${signal ?? code}\n${stderr.trim()}`), { stderr }));
      else resolve({ ms, stdout, stderr });
    });
  });
}

/** A benchmark child (child.mjs) for one engine; its JSON result, if it prints one. */
export async function task(engine, name, args, timeout) {
  const { ms, stdout } = await run(process.execPath, [...flagsOf(engine), CHILD, engine, name, JSON.stringify(args)], {
    timeout,
    what: `${engine} ${name} ${JSON.stringify(args)}`,
  });
  const last = stdout.trim().split('\n').pop();
  return { ms, result: last ? JSON.parse(last) : undefined };
}

/** One line saying why `error` happened: the child's own error line when a child failed. */
export function reason(error) {
  const line = (error?.stderr ?? '').split('\n').find((l) => /^\w*Error\b.*:/.test(l.trim()));
  return (line ?? String(error?.message ?? error).split('\n')[0]).trim();
}

// ---------------------------------------------------------------- engines in this process (setup and checks)

ensureBuilt();
export const buildBefore = buildIdentity();
export const nativeVersion = ensureNative();
const ours = await import('./ours.mjs');
const native = await import('./native/engine.mjs');
export const engines = { ours, native };

/** A new file for `engine` with the schema applied and `list` prefilled in one transaction. */
export async function createFile(engine, path, list = []) {
  mkdirSync(join(path, '..'), { recursive: true });
  const db = await engines[engine].open(path);
  if (list.length) await engines[engine].prefill(db, list);
  await engines[engine].close(db);
}

export async function countRows(engine, path) {
  const db = await engines[engine].open(path);
  try {
    return await engines[engine].countBuilders(db);
  } finally {
    await engines[engine].close(db);
  }
}

export async function sqliteVersion(engine) {
  const path = join(tmp, 'version', `${engine}.db`);
  await createFile(engine, path);
  const db = await engines[engine].open(path);
  try {
    return await engines[engine].sqliteVersion(db);
  } finally {
    await engines[engine].close(db);
  }
}

// ---------------------------------------------------------------- warm processes, start-up taken out

/**
 * A warm writer (child.mjs `warm`) with an IPC channel: `ready` once it opened the file
 * and read once, `done` with its commit latencies and the time they arrived; both
 * reject when it exits non-zero or outlives `timeout`.
 */
export function startWarm(engine, args, timeout = 180_000) {
  const child = fork(CHILD, [engine, 'warm', JSON.stringify(args)], {
    execArgv: flagsOf(engine),
    cwd: ROOT_DIR,
    env: childEnv,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  live.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const failed = new Promise((_, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      if (code !== 0)
        reject(
          Object.assign(new Error(`${engine} warm writer exited with ${signal ?? code}\n${stderr.trim()}`), { stderr }),
        );
    });
  });
  failed.catch(() => undefined);
  const message = (wanted) =>
    new Promise((resolve) => {
      const listener = (received) => {
        if (!wanted(received)) return;
        child.off('message', listener);
        resolve({ message: received, at: performance.now() });
      };
      child.on('message', listener);
    });
  const ready = Promise.race([message((m) => m === 'ready'), failed]);
  const done = Promise.race([message((m) => Array.isArray(m?.samples)), failed]);
  return { child, ready, done, exited };
}

/** Starts one warm writer per `specs` entry on `path`, all ready, then says go; ms from go to the last one closed. */
export async function warmRun(engine, path, specs, { stopAfter } = {}) {
  const writers = specs.map((args) => startWarm(engine, { path, ...args }));
  await Promise.all(writers.map((writer) => writer.ready));
  const go = performance.now();
  for (const writer of writers) writer.child.send('go');
  if (stopAfter) {
    await new Promise((resolve) => setTimeout(resolve, stopAfter.ms));
    writeFileSync(stopAfter.file, '');
  }
  const results = await Promise.all(writers.map((writer) => writer.done));
  const ms = Math.max(...results.map((result) => result.at)) - go;
  await Promise.all(writers.map((writer) => writer.exited));
  const cpuMs = results.reduce((sum, result) => sum + result.message.cpuMs, 0);
  return { ms, cpuMs, samples: results.map((result) => result.message.samples) };
}
