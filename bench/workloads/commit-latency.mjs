// Workload 5: the latency of one commit on files of 10 … 100 000 rows, and the RSS after.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { PLAN, ROWS, createFile, progress, task, tmp } from '../runner.mjs';
import { details, fmt, record } from '../table.mjs';
import { builders } from '../workload.mjs';

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
    const target = size === 10_000 ? { ours: 20, unit: 'ms', strict: true } : undefined;
    record(5, `commit @ ${rowsText} rows, median`, 'ms', results.ours.median, results.native.median, target);
    record(5, `commit @ ${rowsText} rows, p95`, 'ms', results.ours.p95, results.native.p95);
    record(5, `RSS after commits @ ${rowsText} rows`, 'MiB', results.ours.rss, results.native.rss);
  }
}

export const workloads = [
  {
    n: 5,
    name: 'per-commit latency and memory',
    note: () =>
      `a file prefilled with N builders in one transaction (by this runner), then one process per engine opens it and times ` +
      `${PLAN.commits} single-row upserts (20 ids, inserted then updated), each awaited to its commit; median and nearest-rank p95; ` +
      `ours: durability 'normal' (changed pages appended to the write-ahead log, synced at checkpoints), native: WAL with synchronous=NORMAL (no fsync per commit); ` +
      `RSS is process.memoryUsage().rss of that process after its commits`,
    run: commitLatency,
  },
];
