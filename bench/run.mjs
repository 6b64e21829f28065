#!/usr/bin/env node
// Side-by-side benchmark: this package against better-sqlite3 configured like the
// native version (journal_mode=WAL, busy_timeout=5000, synchronous=NORMAL, the
// native local schema), the same workloads in one run, alternating ours and native
// on every repetition. Prints medians, ratios (ours / native) and the targets.
//
//   node build.mjs && node bench/run.mjs
//
// Installs its own dependency (better-sqlite3, only in bench/) when missing. Needs
// the built package (dist/). Environment:
//   BENCH_QUICK=1      a smoke run in seconds: few repetitions, 100 000 rows skipped
//   BENCH_ONLY=1,5     run only these workloads (1–10)
//   BENCH_ROWS=10,1000 the row counts of workload 5 (default 10,1000,10000,100000)
//   BENCH_JSON=file    also write the results as JSON
//   BENCH_KEEP=1       keep the temporary folder (its path is printed)
//   BENCH_WRITERS=2,10 the writer counts of workload 8 (default 2,5,10,20)
//
// Workloads:
//   1  cold `af db dump` as a whole process, vs bench/native/dump.mjs
//   2  10 processes × 100 upserts of distinct builders into one fresh file (wall)
//   3  1 process × 1 000 upserts (whole process)
//   4  read latency of all builders, 10 and 1 000 of them: file unchanged, and
//      right after another process committed
//   5  per-commit latency and RSS after, on files of 10 … 100 000 rows
//   6  peak RSS of the dump process
//   Warm, start-up taken out (writers opened and ready, then a go signal):
//   7  1 writer × 1 000 upserts
//   8  N writers × 100 upserts, N = 2, 5, 10, 20
//   9  latency of one commit while 9 other writers loop: p50, p99, max, commits per writer
//   10 loadState() of a typical project: file unchanged, and right after another process's commit
import { fork, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, ROOT_DIR, builders, median, percentile, typicalProject } from './workload.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const ONLY = process.env.BENCH_ONLY
  ? new Set(process.env.BENCH_ONLY.split(',').map((s) => Number(s.trim())))
  : undefined;
const ROWS = process.env.BENCH_ROWS
  ? process.env.BENCH_ROWS.split(',').map((s) => Number(s.trim()))
  : QUICK
    ? [10, 1000, 10000]
    : [10, 1000, 10000, 100000];
const PLAN = QUICK
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
const WARM_WRITERS = (process.env.BENCH_WRITERS ?? '2,5,10,20').split(',').map(Number);
/** Workload 9: writers looping, for how long, how many times per engine. */
const CONTENTION = { writers: 10, ms: QUICK ? 600 : 1500, reps: QUICK ? 1 : 3 };
const PROCESSES = 10;
const PER_PROCESS = 100;
const SINGLE = 1000;

const AF = join(ROOT_DIR, 'dist', 'af.js');
const CHILD = join(BENCH_DIR, 'child.mjs');
const NATIVE_DUMP = join(BENCH_DIR, 'native', 'dump.mjs');
const TIME = '/usr/bin/time';
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const progress = (line) => process.stderr.write(`${line}\n`);
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

// ---------------------------------------------------------------- setup and cleanup

function ensureBuilt() {
  for (const file of [AF, join(ROOT_DIR, 'dist', 'index.js'), join(ROOT_DIR, 'wasm', 'sql-wasm.wasm')]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: build the package first (node build.mjs)`);
  }
}

/** What was measured: a digest of the built files, and when they were built. */
function buildIdentity() {
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

const tmp = mkdtempSync(join(tmpdir(), 'af-bench-'));
const live = new Set();

function killAll() {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

let cleaned = false;
function cleanup() {
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
const childEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AF_')));
childEnv.AF_GLOBAL_DIR = join(tmp, 'global');

/**
 * Runs one process to its end: resolves { ms, stdout } (ms from spawn to exit and
 * closed output), rejects on a non-zero exit or after `timeout` (the process is killed).
 */
function run(command, args, { cwd = ROOT_DIR, env = childEnv, timeout = 120_000, what = args.join(' ') } = {}) {
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
async function task(engine, name, args, timeout) {
  const { ms, stdout } = await run(process.execPath, [CHILD, engine, name, JSON.stringify(args)], {
    timeout,
    what: `${engine} ${name} ${JSON.stringify(args)}`,
  });
  const last = stdout.trim().split('\n').pop();
  return { ms, result: last ? JSON.parse(last) : undefined };
}

/** One line saying why `error` happened: the child's own error line when a child failed. */
function reason(error) {
  const line = (error?.stderr ?? '').split('\n').find((l) => /^\w*Error\b.*:/.test(l.trim()));
  return (line ?? String(error?.message ?? error).split('\n')[0]).trim();
}

// ---------------------------------------------------------------- engines in this process (setup and checks)

ensureBuilt();
const buildBefore = buildIdentity();
const nativeVersion = ensureNative();
const ours = await import('./ours.mjs');
const native = await import('./native/engine.mjs');
const engines = { ours, native };

/** A new file for `engine` with the schema applied and `list` prefilled in one transaction. */
async function createFile(engine, path, list = []) {
  mkdirSync(join(path, '..'), { recursive: true });
  const db = await engines[engine].open(path);
  if (list.length) await engines[engine].prefill(db, list);
  await engines[engine].close(db);
}

async function countRows(engine, path) {
  const db = await engines[engine].open(path);
  try {
    return await engines[engine].countBuilders(db);
  } finally {
    await engines[engine].close(db);
  }
}

async function sqliteVersion(engine) {
  const path = join(tmp, 'version', `${engine}.db`);
  await createFile(engine, path);
  const db = await engines[engine].open(path);
  try {
    return await engines[engine].sqliteVersion(db);
  } finally {
    await engines[engine].close(db);
  }
}

// ---------------------------------------------------------------- results

const rows = [];
const failures = [];
const details = {};

/** The issue's targets: { ratio: max } (ours / native), or { ours: max, unit, strict } (ours alone). */
const TARGETS = {
  1: { ratio: 1.5 },
  2: { ratio: 1.5 },
  3: { ratio: 2 },
  5: { ours: 20, unit: 'ms', strict: true }, // the median commit at 10 000 rows
  6: { ours: 55 * 1024 * 1024, unit: 'MiB' },
  7: { ratio: 1.5 },
  8: { ratio: 1.5 },
  10: { ratio: 1.5 },
};

const LABELS = {
  1: 'cold `af db dump` (whole process)',
  2: `${PROCESSES} processes × ${PER_PROCESS} upserts (wall)`,
  3: `1 process × ${SINGLE} upserts (whole process)`,
  6: 'peak RSS of the dump process',
  7: `warm: 1 writer × ${SINGLE} upserts`,
  8: `warm: N writers × ${PER_PROCESS} upserts`,
  9: `warm: one commit while ${CONTENTION.writers - 1} other writers loop`,
  10: 'warm: loadState() of a typical project',
};

/** A row of the table; `target` is one of TARGETS. */
function record(workload, label, unit, oursValue, nativeValue, target) {
  const ratio = oursValue / nativeValue;
  let met;
  if (target?.ratio !== undefined) met = ratio <= target.ratio;
  else if (target?.ours !== undefined) met = target.strict ? oursValue < target.ours : oursValue <= target.ours;
  rows.push({ workload, label, unit, ours: oursValue, native: nativeValue, ratio, target, met });
}

function fmt(value, unit) {
  if (unit === 'text') return value;
  if (unit === 'count') return value.toFixed(0);
  if (value === undefined || Number.isNaN(value)) return '—';
  if (unit === 's') return `${(value / 1000).toFixed(2)} s`;
  if (unit === 'MiB') return `${(value / 1024 / 1024).toFixed(1)} MiB`;
  if (value < 1) return `${value.toFixed(3)} ms`;
  if (value < 10) return `${value.toFixed(2)} ms`;
  return `${value.toFixed(1)} ms`;
}

function targetText(target) {
  if (!target) return '—';
  if (target.ratio !== undefined) return `≤ ${target.ratio}×`;
  const amount = target.unit === 'MiB' ? `${target.ours / 1024 / 1024} MiB` : `${target.ours} ms`;
  return `ours ${target.strict ? '<' : '≤'} ${amount}`;
}

// ---------------------------------------------------------------- 1 and 6: the dump, as a whole process

/** The two projects of workloads 1 and 6: the same typical content, each engine writing its own file. */
async function projects() {
  const project = typicalProject();
  const dirs = { ours: join(tmp, 'project-ours'), native: join(tmp, 'project-native') };
  for (const engine of ['ours', 'native']) {
    const path = join(dirs[engine], '.agent-farm', 'state.db');
    mkdirSync(join(path, '..'), { recursive: true });
    const db = await engines[engine].open(path);
    await engines[engine].writeProject(db, project);
    await engines[engine].close(db);
  }
  const commands = { ours: [AF, 'db', 'dump'], native: [NATIVE_DUMP] };
  return { project, dirs, commands };
}

/** The dump must be the four tables, holding the project's rows. */
function checkDump(engine, stdout, project) {
  const dump = JSON.parse(stdout);
  const ids = (list) =>
    list
      .map((row) => row.id)
      .sort()
      .join(',');
  const ok =
    dump.architect?.length === 1 &&
    ids(dump.builders ?? []) === ids(project.builders) &&
    ids(dump.utils ?? []) === ids(project.utils) &&
    ids(dump.annotations ?? []) === ids(project.annotations);
  if (!ok) throw new Error(`${engine} dump does not hold the project's rows:\n${stdout.slice(0, 500)}`);
}

async function coldDump({ project, dirs, commands }) {
  const samples = { ours: [], native: [] };
  const once = async (engine) => {
    const { ms, stdout } = await run(process.execPath, commands[engine], {
      cwd: dirs[engine],
      timeout: 60_000,
      what: `${engine} dump`,
    });
    checkDump(engine, stdout, project);
    return ms;
  };
  await once('ours'); // warm-up, not counted: the first start reads node and the scripts from disk
  await once('native');
  for (let i = 0; i < PLAN.dumps; i++) {
    samples.ours.push(await once('ours'));
    samples.native.push(await once('native'));
  }
  details.coldDump = samples;
  progress(`  ours   ${samples.ours.map((ms) => ms.toFixed(0)).join(' ')} ms`);
  progress(`  native ${samples.native.map((ms) => ms.toFixed(0)).join(' ')} ms`);
  record(1, LABELS[1], 'ms', median(samples.ours), median(samples.native), TARGETS[1]);
}

/** Peak RSS (bytes) of one run of the dump, by /usr/bin/time, else by a preloaded hook in the process. */
async function peakRss(engine, { project, dirs, commands }) {
  const out = join(tmp, `maxrss-${engine}.txt`);
  rmSync(out, { force: true });
  let stdout;
  if (existsSync(TIME)) {
    ({ stdout } = await run(TIME, ['-f', '%M', '-o', out, process.execPath, ...commands[engine]], {
      cwd: dirs[engine],
      timeout: 60_000,
      what: `${engine} dump (peak RSS)`,
    }));
  } else {
    const hook = new URL('./maxrss.mjs', import.meta.url).href;
    ({ stdout } = await run(process.execPath, ['--import', hook, ...commands[engine]], {
      cwd: dirs[engine],
      env: { ...childEnv, BENCH_MAXRSS_FILE: out },
      timeout: 60_000,
      what: `${engine} dump (peak RSS)`,
    }));
  }
  checkDump(engine, stdout, project);
  const kib = Number(readFileSync(out, 'utf8').trim().split('\n').pop());
  if (!Number.isFinite(kib) || kib <= 0) throw new Error(`could not read the peak RSS of the ${engine} dump`);
  return kib * 1024;
}

async function dumpMemory(setup) {
  const samples = { ours: [], native: [] };
  for (let i = 0; i < PLAN.rss; i++) {
    samples.ours.push(await peakRss('ours', setup));
    samples.native.push(await peakRss('native', setup));
  }
  details.dumpPeakRss = samples;
  record(6, LABELS[6], 'MiB', median(samples.ours), median(samples.native), TARGETS[6]);
}

// ---------------------------------------------------------------- 2 and 3: writers as whole processes

/** Row counts the parallel writers also run against: an empty file (the target) and prefilled ones. */
const PARALLEL_ROWS = (process.env.BENCH_PARALLEL_ROWS ?? (QUICK ? '0' : '0,10,1000,10000')).split(',').map(Number);

async function parallelWriters() {
  for (const rows of PARALLEL_ROWS) {
    const samples = { ours: [], native: [] };
    for (let rep = 0; rep < PLAN.parallel; rep++) {
      for (const engine of ['ours', 'native']) {
        const path = join(tmp, 'parallel', `${engine}-${rep}.db`);
        await createFile(engine, path, builders('prefill', rows, 100_000));
        const start = performance.now();
        const settled = await Promise.allSettled(
          Array.from({ length: PROCESSES }, (_, p) =>
            task(
              engine,
              'write',
              { path, prefix: `w${p}`, count: PER_PROCESS, portBase: 10_000 + p * PER_PROCESS },
              180_000,
            ),
          ),
        );
        const wall = performance.now() - start;
        const written = (await countRows(engine, path)) - rows;
        const failed = settled.filter((outcome) => outcome.status === 'rejected');
        if (failed.length || written !== PROCESSES * PER_PROCESS) {
          const writers = failed.length
            ? `${failed.length} of ${PROCESSES} writers failed (${reason(failed[0].reason)})`
            : 'rows lost';
          throw new Error(
            `${engine}, run ${rep + 1}: ${writers}; ${written} of ${PROCESSES * PER_PROCESS} rows written`,
          );
        }
        samples[engine].push(wall);
        rmSync(join(tmp, 'parallel'), { recursive: true, force: true });
      }
      progress(
        `  ${rows} rows before, rep ${rep + 1}: ours ${(samples.ours.at(-1) / 1000).toFixed(2)} s, native ${(samples.native.at(-1) / 1000).toFixed(2)} s (${PROCESSES * PER_PROCESS} rows each)`,
      );
    }
    details[`parallel${rows}`] = samples;
    if (rows === 0) record(2, LABELS[2], 's', median(samples.ours), median(samples.native), TARGETS[2]);
    else
      record(
        2,
        `${LABELS[2]}, file holding ${rows.toLocaleString('en-US').replace(/,/g, ' ')} rows`,
        's',
        median(samples.ours),
        median(samples.native),
      );
  }
}

async function singleWriter() {
  const samples = { ours: [], native: [] };
  for (let rep = 0; rep < PLAN.single; rep++) {
    for (const engine of ['ours', 'native']) {
      const path = join(tmp, 'single', `${engine}-${rep}.db`);
      await createFile(engine, path);
      let ms;
      let failure;
      try {
        ({ ms } = await task(engine, 'write', { path, prefix: 'solo', count: SINGLE, portBase: 10_000 }, 180_000));
      } catch (error) {
        failure = error;
      }
      const written = await countRows(engine, path);
      if (failure || written !== SINGLE) {
        throw new Error(
          `${engine}, run ${rep + 1}: ${failure ? `the writer failed (${reason(failure)})` : 'rows lost'}; ${written} of ${SINGLE} rows written`,
        );
      }
      samples[engine].push(ms);
      rmSync(join(tmp, 'single'), { recursive: true, force: true });
    }
    progress(
      `  rep ${rep + 1}: ours ${(samples.ours.at(-1) / 1000).toFixed(2)} s, native ${(samples.native.at(-1) / 1000).toFixed(2)} s`,
    );
  }
  details.single = samples;
  record(3, LABELS[3], 's', median(samples.ours), median(samples.native), TARGETS[3]);
}

// ---------------------------------------------------------------- 4: read latency

async function readLatency() {
  for (const size of [10, 1000]) {
    const paths = {};
    for (const engine of ['ours', 'native']) {
      paths[engine] = join(tmp, 'read', `${engine}-${size}.db`);
      // size - 1 builders here; the reader's committer process adds the last one before the first read.
      await createFile(engine, paths[engine], builders('prefill', size - 1, 10_000));
    }
    const samples = { ours: { cached: [], reload: [] }, native: { cached: [], reload: [] } };
    for (let round = 0; round < PLAN.readRounds; round++) {
      for (const engine of ['ours', 'native']) {
        const { result } = await task(
          engine,
          'read',
          { path: paths[engine], builders: size, cached: PLAN.cachedReads, reload: PLAN.reloadReads },
          180_000,
        );
        samples[engine].cached.push(...result.cached);
        samples[engine].reload.push(...result.reload);
      }
    }
    details[`read${size}`] = samples;
    record(
      4,
      `read ${size} builders, file unchanged`,
      'ms',
      median(samples.ours.cached),
      median(samples.native.cached),
    );
    record(
      4,
      `read ${size} builders, right after another process's commit`,
      'ms',
      median(samples.ours.reload),
      median(samples.native.reload),
    );
    progress(
      `  ${size} builders: ours ${fmt(median(samples.ours.cached), 'ms')} / ${fmt(median(samples.ours.reload), 'ms')}, native ${fmt(median(samples.native.cached), 'ms')} / ${fmt(median(samples.native.reload), 'ms')} (unchanged / after a commit)`,
    );
    rmSync(join(tmp, 'read'), { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- 5: per-commit latency and memory

async function commitLatency() {
  for (const size of ROWS) {
    const results = {};
    for (const engine of ['ours', 'native']) {
      const path = join(tmp, 'latency', `${engine}-${size}.db`);
      const started = performance.now();
      await createFile(engine, path, builders('prefill', size, 100_000));
      const prefillMs = performance.now() - started;
      ({ result: results[engine] } = await task(
        engine,
        'latency',
        { path, commits: PLAN.commits, portBase: 50_000 },
        900_000,
      ));
      progress(
        `  ${size} rows, ${engine}: prefill ${(prefillMs / 1000).toFixed(1)} s; ${PLAN.commits} commits median ${fmt(results[engine].median, 'ms')}, p95 ${fmt(results[engine].p95, 'ms')}, RSS ${fmt(results[engine].rss, 'MiB')}`,
      );
      rmSync(join(tmp, 'latency'), { recursive: true, force: true });
    }
    details[`commit${size}`] = results;
    const rowsText = size.toLocaleString('en-US').replace(/,/g, ' ');
    const target = size === 10_000 ? TARGETS[5] : undefined;
    record(5, `commit @ ${rowsText} rows, median`, 'ms', results.ours.median, results.native.median, target);
    record(5, `commit @ ${rowsText} rows, p95`, 'ms', results.ours.p95, results.native.p95);
    record(5, `RSS after commits @ ${rowsText} rows`, 'MiB', results.ours.rss, results.native.rss);
  }
}

// ---------------------------------------------------------------- 7–10: warm processes, start-up taken out

/**
 * A warm writer (child.mjs `warm`) with an IPC channel: `ready` once it opened the file
 * and read once, `done` with its commit latencies and the time they arrived; both
 * reject when it exits non-zero or outlives `timeout`.
 */
function startWarm(engine, args, timeout = 180_000) {
  const child = fork(CHILD, [engine, 'warm', JSON.stringify(args)], {
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
async function warmRun(engine, path, specs, { stopAfter } = {}) {
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

/**
 * `writers` warm writers × `count` upserts of distinct builders on a fresh file; the rows
 * are counted after. Wall times, and the CPU time of all writers per commit.
 */
async function warmWorkload(writers, count) {
  const samples = { ours: [], native: [] };
  const cpuPerCommit = { ours: [], native: [] };
  for (let rep = 0; rep < PLAN.warm; rep++) {
    for (const engine of rep % 2 ? ['native', 'ours'] : ['ours', 'native']) {
      const path = join(tmp, 'warm', `${engine}-${writers}-${rep}.db`);
      await createFile(engine, path);
      const specs = Array.from({ length: writers }, (_, p) => ({
        prefix: `w${p}`,
        count,
        portBase: 10_000 + p * count,
      }));
      const { ms, cpuMs } = await warmRun(engine, path, specs);
      const written = await countRows(engine, path);
      if (written !== writers * count)
        throw new Error(`${engine}, run ${rep + 1}: rows lost; ${written} of ${writers * count} rows written`);
      samples[engine].push(ms);
      cpuPerCommit[engine].push(cpuMs / (writers * count));
      rmSync(join(tmp, 'warm'), { recursive: true, force: true });
    }
  }
  progress(
    `  ${writers} × ${count}: ours ${samples.ours.map((ms) => ms.toFixed(0)).join(' ')} ms, native ${samples.native.map((ms) => ms.toFixed(0)).join(' ')} ms`,
  );
  return { samples, cpuPerCommit };
}

async function warmSingle() {
  const { samples, cpuPerCommit } = await warmWorkload(1, SINGLE);
  details.warmSingle = { wall: samples, cpuPerCommit };
  record(7, LABELS[7], 'ms', median(samples.ours), median(samples.native), TARGETS[7]);
  record(
    7,
    'CPU time per commit, from the go signal to close()',
    'ms',
    median(cpuPerCommit.ours),
    median(cpuPerCommit.native),
  );
}

async function warmParallel() {
  for (const writers of WARM_WRITERS) {
    const { samples, cpuPerCommit } = await warmWorkload(writers, PER_PROCESS);
    details[`warm${writers}`] = { wall: samples, cpuPerCommit };
    record(
      8,
      `warm: ${writers} writers × ${PER_PROCESS} upserts`,
      'ms',
      median(samples.ours),
      median(samples.native),
      TARGETS[8],
    );
    record(
      8,
      `CPU time per commit, all ${writers} writers`,
      'ms',
      median(cpuPerCommit.ours),
      median(cpuPerCommit.native),
    );
  }
}

/** Every commit of `CONTENTION.writers` writers looping together: latency, and commits per writer (none starved). */
async function contention() {
  const result = { ours: { latencies: [], perWriter: [] }, native: { latencies: [], perWriter: [] } };
  for (let rep = 0; rep < CONTENTION.reps; rep++) {
    for (const engine of rep % 2 ? ['native', 'ours'] : ['ours', 'native']) {
      const path = join(tmp, 'contention', `${engine}-${rep}.db`);
      await createFile(engine, path);
      const stopFile = join(tmp, 'contention', `${engine}-${rep}.stop`);
      const specs = Array.from({ length: CONTENTION.writers }, (_, p) => ({
        prefix: `w${p}`,
        count: PER_PROCESS,
        portBase: 10_000 + p * PER_PROCESS,
        stopFile,
      }));
      const { samples } = await warmRun(engine, path, specs, { stopAfter: { ms: CONTENTION.ms, file: stopFile } });
      const starved = samples.filter((list) => list.length === 0).length;
      if (starved) throw new Error(`${engine}, run ${rep + 1}: ${starved} writers never committed`);
      result[engine].latencies.push(...samples.flat());
      result[engine].perWriter.push(...samples.map((list) => list.length));
      rmSync(join(tmp, 'contention'), { recursive: true, force: true });
    }
  }
  details.contention = result;
  const stats = (engine) => {
    const { latencies, perWriter } = result[engine];
    return {
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: Math.max(...latencies),
      fewest: Math.min(...perWriter),
      most: Math.max(...perWriter),
      perSecond: latencies.length / ((CONTENTION.reps * CONTENTION.ms) / 1000),
    };
  };
  const [o, n] = [stats('ours'), stats('native')];
  record(9, `${LABELS[9]}: p50`, 'ms', o.p50, n.p50);
  record(9, `${LABELS[9]}: p99`, 'ms', o.p99, n.p99);
  record(9, `${LABELS[9]}: max (busy timeout 5000 ms)`, 'ms', o.max, n.max);
  record(9, 'commits per second, all writers', 'count', o.perSecond, n.perSecond);
  record(
    9,
    `commits of the writer with fewest / most in ${CONTENTION.ms} ms`,
    'text',
    `${o.fewest} / ${o.most}`,
    `${n.fewest} / ${n.most}`,
  );
  progress(
    `  ours p50 ${fmt(o.p50, 'ms')} p99 ${fmt(o.p99, 'ms')} max ${fmt(o.max, 'ms')}, ${o.fewest}–${o.most} commits per writer; native p50 ${fmt(n.p50, 'ms')} p99 ${fmt(n.p99, 'ms')} max ${fmt(n.max, 'ms')}, ${n.fewest}–${n.most}`,
  );
  if (o.max >= 5000 || n.max >= 5000) throw new Error('a commit waited past the busy timeout');
}

async function stateReads() {
  const project = typicalProject();
  const paths = {};
  for (const engine of ['ours', 'native']) {
    paths[engine] = join(tmp, 'state-read', `${engine}.db`);
    mkdirSync(join(paths[engine], '..'), { recursive: true });
    const db = await engines[engine].open(paths[engine]);
    await engines[engine].writeProject(db, project);
    await engines[engine].close(db);
  }
  const samples = { ours: { cached: [], reload: [] }, native: { cached: [], reload: [] } };
  for (let round = 0; round < PLAN.readRounds; round++) {
    for (const engine of round % 2 ? ['native', 'ours'] : ['ours', 'native']) {
      const { result } = await task(
        engine,
        'read',
        {
          path: paths[engine],
          kind: 'state',
          builders: project.builders.length + 1,
          cached: PLAN.cachedReads,
          reload: PLAN.reloadReads,
        },
        180_000,
      );
      samples[engine].cached.push(...result.cached);
      samples[engine].reload.push(...result.reload);
    }
  }
  details.stateReads = samples;
  record(
    10,
    `${LABELS[10]}, file unchanged`,
    'ms',
    median(samples.ours.cached),
    median(samples.native.cached),
    TARGETS[10],
  );
  record(
    10,
    `${LABELS[10]}, first read after another process's commit`,
    'ms',
    median(samples.ours.reload),
    median(samples.native.reload),
    TARGETS[10],
  );
  progress(
    `  ours ${fmt(median(samples.ours.cached), 'ms')} / ${fmt(median(samples.ours.reload), 'ms')}, native ${fmt(median(samples.native.cached), 'ms')} / ${fmt(median(samples.native.reload), 'ms')} (unchanged / after a commit)`,
  );
  rmSync(join(tmp, 'state-read'), { recursive: true, force: true });
}

/** What each workload measures, printed under the table. */
const NOTES = {
  1:
    `\`node dist/af.js db dump\` in a project with an architect, 5 builders, 2 utility terminals and 2 annotations, ` +
    `vs \`node bench/native/dump.mjs\` on the same content written by better-sqlite3; from spawn to exit, output checked; ` +
    `median of ${plural(PLAN.dumps, 'run')} each, alternating, after one uncounted warm-up run each`,
  2:
    `${PROCESSES} processes started at once, each opening the same file (schema already applied; empty, and prefilled with ${PARALLEL_ROWS.filter(Boolean).join(', ') || 'no other'} rows) and committing ` +
    `${PER_PROCESS} single-row builder upserts (distinct ids and ports): StateStore.upsertBuilder vs a prepared better-sqlite3 upsert; ` +
    `wall time from the first spawn to the last exit; then the rows are counted (must be ${PROCESSES * PER_PROCESS}); median of ${plural(PLAN.parallel, 'run')}, alternating`,
  3:
    `one process opening a fresh file (schema already applied) and committing ${SINGLE} single-row upserts, from spawn to exit; ` +
    `rows counted (must be ${SINGLE}); median of ${plural(PLAN.single, 'run')}, alternating`,
  4:
    `getBuilders() (ours) / a prepared SELECT of all builders mapped to Builder objects (native), in one process; ` +
    `${PLAN.readRounds} reader process${PLAN.readRounds === 1 ? '' : 'es'} per engine, alternating, each ${PLAN.cachedReads} reads of the unchanged file ` +
    `and ${PLAN.reloadReads} reads each right after a second process committed one upsert; median per read`,
  5:
    `a file prefilled with N builders in one transaction (by this runner), then one process per engine opens it and times ` +
    `${PLAN.commits} single-row upserts (20 ids, inserted then updated), each awaited to its commit; median and nearest-rank p95; ` +
    `ours: durability 'normal' (changed pages appended to the write-ahead log, synced at checkpoints), native: WAL with synchronous=NORMAL (no fsync per commit); ` +
    `RSS is process.memoryUsage().rss of that process after its commits`,
  7:
    `one process opens a fresh file (schema applied) and reads once, then waits; from the go signal (IPC) to its message ` +
    `after ${SINGLE} awaited single-row upserts and close(); rows counted; median of ${plural(PLAN.warm, 'run')}, alternating; ` +
    `CPU time: user + system of the writers over the same span (process.cpuUsage()), divided by the commits`,
  8:
    `N processes (${WARM_WRITERS.join(', ')}) each open the same fresh file and read once, then wait; from one go signal ` +
    `to the last one's message after its ${PER_PROCESS} upserts and close(); rows counted; median of ${plural(PLAN.warm, 'run')}, alternating; CPU time as 7`,
  9:
    `${CONTENTION.writers} warm processes loop awaited upserts on one file for ${CONTENTION.ms} ms after the go signal; ` +
    `every commit's latency (call to return) pooled over ${plural(CONTENTION.reps, 'run')}: nearest-rank p50, p99 and the max; ` +
    `the fewest and most commits any one writer made (a starved writer fails the run)`,
  10:
    `StateStore.loadState() (architect, builders, utils, annotations) vs the same four prepared SELECTs in one ` +
    `better-sqlite3 read transaction mapped alike, on the typical project of workload 1; as workload 4`,
  6:
    `the two dumps of workload 1, max RSS of the process by ${existsSync(TIME) ? '`/usr/bin/time -f %M`' : 'process.resourceUsage().maxRSS at exit'}; ` +
    `median of ${plural(PLAN.rss, 'run')} each, alternating`,
};

// ---------------------------------------------------------------- main

const started = new Date();
const loadBefore = loadavg();
const versions = { ours: await sqliteVersion('ours'), native: await sqliteVersion('native') };

try {
  const setup = ONLY && !ONLY.has(1) && !ONLY.has(6) ? undefined : await projects();
  const workloads = [
    [1, LABELS[1], () => coldDump(setup)],
    [2, LABELS[2], parallelWriters],
    [3, LABELS[3], singleWriter],
    [4, 'read latency', readLatency],
    [5, 'per-commit latency and memory', commitLatency],
    [6, LABELS[6], () => dumpMemory(setup)],
    [7, LABELS[7], warmSingle],
    [8, LABELS[8], warmParallel],
    [9, LABELS[9], contention],
    [10, LABELS[10], stateReads],
  ];
  for (const [n, name, fn] of workloads) {
    if (ONLY && !ONLY.has(n)) continue;
    const load = loadavg()[0];
    details.loadAtStart ??= {};
    details.loadAtStart[n] = load;
    progress(`[${n}] ${name}${QUICK ? ' (quick)' : ''} — load average ${load.toFixed(2)}`);
    try {
      await fn();
    } catch (error) {
      // Recorded and reported; the other workloads still run, and the runner exits non-zero.
      killAll();
      failures.push({ workload: n, name, reason: reason(error) });
      rows.push({ workload: n, label: name, failed: true, target: n === 5 ? undefined : TARGETS[n] });
      progress(`  FAILED: ${error.message ?? error}`);
    }
  }
} catch (error) {
  progress(`\nbenchmark failed: ${error.stack ?? error}`);
  process.exitCode = 1;
  cleanup();
  process.exit(1);
}

const loadAfter = loadavg();
let buildAfter;
try {
  buildAfter = buildIdentity();
} catch {
  buildAfter = { digest: 'missing', built: 'being rebuilt' };
}
const rebuilt = buildAfter.digest !== buildBefore.digest;
const la = (l) => l.map((x) => x.toFixed(2)).join(' ');
console.log(
  `agent-farm-state vs better-sqlite3 ${nativeVersion} (WAL, busy_timeout 5000, synchronous NORMAL) — ${started.toISOString()}`,
);
console.log(
  `node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; SQLite ${versions.ours} (sql.js) / ${versions.native} (better-sqlite3)`,
);
console.log(
  `load average (1/5/15 min): ${la(loadBefore)} at start, ${la(loadAfter)} at end${QUICK ? '; QUICK run (few repetitions)' : ''}`,
);
console.log(
  `package build ${buildBefore.digest} (dist/af.js, dist/index.js, wasm/sql-wasm.wasm; built ${buildBefore.built})`,
);
if (rebuilt)
  console.log(
    `WARNING: the package was rebuilt during this run (now ${buildAfter.digest}, built ${buildAfter.built}): the numbers mix two builds; run again.`,
  );
console.log('');
console.log('| # | workload | ours | native | ratio (ours / native) | target | met |');
console.log('| - | --- | ---: | ---: | ---: | --- | --- |');
for (const row of rows) {
  if (row.failed) {
    console.log(`| ${row.workload} | ${row.label} | failed | — | — | ${targetText(row.target)} | **failed** |`);
    continue;
  }
  const met = row.met === undefined ? '' : row.met ? 'met' : '**not met**';
  console.log(
    `| ${row.workload} | ${row.label} | ${fmt(row.ours, row.unit)} | ${fmt(row.native, row.unit)} | ${row.unit === 'text' ? '—' : `${row.ratio.toFixed(2)}×`} | ${targetText(row.target)} | ${met} |`,
  );
}
console.log('');
for (const [n, note] of Object.entries(NOTES)) if (!ONLY || ONLY.has(Number(n))) console.log(`${n}. ${note}`);
if (failures.length) {
  console.log('');
  console.log('Failures (the runner exits with 1):');
  for (const failure of failures) console.log(`- workload ${failure.workload}, ${failure.name}: ${failure.reason}`);
  process.exitCode = 1;
}

if (process.env.BENCH_JSON) {
  writeFileSync(
    process.env.BENCH_JSON,
    `${JSON.stringify({ started, node: process.version, nativeVersion, versions, build: buildBefore, rebuiltDuringRun: rebuilt, failures, loadBefore, loadAfter, quick: QUICK, plan: PLAN, rows, details }, null, 2)}\n`,
  );
}
