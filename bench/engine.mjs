// Engine benchmark: per-commit latency in one process, and the wall time of 10
// processes × 100 commits, on files prefilled with 10, 1 000 and 10 000 rows.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SharedDatabase } from '../dist/index.js';
import { median, migrations, percentile, prefill, rowValues, UPSERT } from './workload.mjs';

const sizes = (process.env.BENCH_ROWS ?? '10,1000,10000').split(',').map(Number);
const writerScript = fileURLToPath(new URL('./writer.mjs', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'af-bench-'));

async function prefilled(name, rows) {
  const dbPath = join(folder, name);
  const db = await SharedDatabase.open(dbPath, { migrations });
  await db.transaction((sql) => prefill(sql, rows));
  return { db, dbPath };
}

async function commitLatency(rows) {
  const { db, dbPath } = await prefilled(`latency-${rows}.db`, rows);
  const samples = [];
  for (let i = 0; i < 200; i++) {
    const start = performance.now();
    await db.transaction((sql) => sql.run(UPSERT, rowValues(`latency-${i % 20}`, i)));
    samples.push(performance.now() - start);
  }
  await db.close();
  return { median: median(samples), p95: percentile(samples, 0.95), bytes: statSync(dbPath).size };
}

async function parallelWriters(rows, processes = 10, commits = 100) {
  const { db, dbPath } = await prefilled(`parallel-${rows}.db`, rows);
  await db.close();
  const start = performance.now();
  await Promise.all(Array.from({ length: processes }, (_, i) => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writerScript, dbPath, `w${i}`, String(commits)], { stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${i} exited ${code}`))));
  })));
  const wall = performance.now() - start;
  const check = await SharedDatabase.open(dbPath, { migrations });
  const written = await check.read((sql) => sql.exec("SELECT count(*) FROM rows WHERE id NOT LIKE 'prefill-%'")[0].values[0][0]);
  await check.close();
  if (written !== processes * commits) throw new Error(`lost writes: ${written} of ${processes * commits}`);
  return wall;
}

console.log('rows    file KiB  commit median  commit p95  10×100 parallel wall');
for (const rows of sizes) {
  const latency = await commitLatency(rows);
  const wall = await parallelWriters(rows);
  console.log(`${String(rows).padEnd(7)} ${String(Math.round(latency.bytes / 1024)).padStart(8)}  ${latency.median.toFixed(2).padStart(10)} ms  ${latency.p95.toFixed(2).padStart(7)} ms  ${(wall / 1000).toFixed(2).padStart(10)} s`);
}
rmSync(folder, { recursive: true, force: true });
