#!/usr/bin/env node
// Side-by-side benchmark: this package against better-sqlite3 configured like the
// native version (journal_mode=WAL, busy_timeout=5000, synchronous=NORMAL, the
// native local schema), the same workloads in one run, alternating ours and native
// on every repetition; the warm writers also against the floor (sql.js alone, see
// floor.mjs). Prints medians, ratios and the targets. Our processes set nothing:
// they measure the library's defaults as a host gets them. One file per workload in
// workloads/, the shared runner in runner.mjs, the table in table.mjs.
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
//   BENCH_OURS_FLAGS=… Node.js options for our measured processes only (default none: the defaults a host gets)
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
//   7  1 writer × 1 000 upserts, and the floor
//   8  N writers × 100 upserts, N = 2, 5, 10, 20, and the floor
//   9  latency of one commit while 9 other writers loop: p50, p99, max, commits per writer
//   10 loadState() of a typical project: file unchanged, and right after another process's commit
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import {
  ONLY,
  PLAN,
  QUICK,
  buildBefore,
  buildIdentity,
  cleanup,
  killAll,
  nativeVersion,
  progress,
  reason,
  sqliteVersion,
} from './runner.mjs';
import { details, failures, printTable, rows } from './table.mjs';
import { workloads as commitLatency } from './workloads/commit-latency.mjs';
import { workloads as contention } from './workloads/contention.mjs';
import { workloads as dump } from './workloads/dump.mjs';
import { workloads as readLatency } from './workloads/read-latency.mjs';
import { workloads as stateReads } from './workloads/state-reads.mjs';
import { workloads as warmWriters } from './workloads/warm-writers.mjs';
import { workloads as writers } from './workloads/writers.mjs';

const workloads = [
  ...dump,
  ...writers,
  ...readLatency,
  ...commitLatency,
  ...warmWriters,
  ...contention,
  ...stateReads,
].sort((a, b) => a.n - b.n);

const started = new Date();
const loadBefore = loadavg();
const versions = { ours: await sqliteVersion('ours'), native: await sqliteVersion('native') };

try {
  for (const { n, name, run } of workloads) {
    if (ONLY && !ONLY.has(n)) continue;
    const load = loadavg()[0];
    details.loadAtStart ??= {};
    details.loadAtStart[n] = load;
    progress(`[${n}] ${name}${QUICK ? ' (quick)' : ''} — load average ${load.toFixed(2)}`);
    try {
      await run();
    } catch (error) {
      // Recorded and reported; the other workloads still run, and the runner exits non-zero.
      killAll();
      failures.push({ workload: n, name, reason: reason(error) });
      rows.push({ workload: n, label: name, failed: true });
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
if (process.env.BENCH_OURS_FLAGS)
  console.log(
    `our processes started with ${process.env.BENCH_OURS_FLAGS} (BENCH_OURS_FLAGS): not the defaults a host gets`,
  );
console.log(
  `package build ${buildBefore.digest} (dist/af.js, dist/index.js, wasm/sql-wasm.wasm; built ${buildBefore.built})`,
);
if (rebuilt)
  console.log(
    `WARNING: the package was rebuilt during this run (now ${buildAfter.digest}, built ${buildAfter.built}): the numbers mix two builds; run again.`,
  );
console.log('');
printTable();
console.log('');
for (const { n, note } of workloads) if (!ONLY || ONLY.has(n)) console.log(`${n}. ${note()}`);
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
