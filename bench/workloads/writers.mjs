// Workloads 2 and 3: writers as whole processes, from spawn to exit: 10 processes ×
// 100 upserts into one file (empty and prefilled), and 1 process × 1 000 upserts.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  PER_PROCESS,
  PLAN,
  PROCESSES,
  QUICK,
  SINGLE,
  countRows,
  createFile,
  plural,
  progress,
  reason,
  task,
  tmp,
} from '../runner.mjs';
import { details, record } from '../table.mjs';
import { builders, median } from '../workload.mjs';

const PARALLEL = `${PROCESSES} processes × ${PER_PROCESS} upserts (wall)`;
const SINGLE_PROCESS = `1 process × ${SINGLE} upserts (whole process)`;

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
    if (rows === 0) record(2, PARALLEL, 's', median(samples.ours), median(samples.native), { ratio: 1.5 });
    else
      record(
        2,
        `${PARALLEL}, file holding ${rows.toLocaleString('en-US').replace(/,/g, ' ')} rows`,
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
  record(3, SINGLE_PROCESS, 's', median(samples.ours), median(samples.native), { ratio: 2 });
}

export const workloads = [
  {
    n: 2,
    name: PARALLEL,
    note: () =>
      `${PROCESSES} processes started at once, each opening the same file (schema already applied; empty, and prefilled with ${PARALLEL_ROWS.filter(Boolean).join(', ') || 'no other'} rows) and committing ` +
      `${PER_PROCESS} single-row builder upserts (distinct ids and ports): StateStore.upsertBuilder vs a prepared better-sqlite3 upsert; ` +
      `wall time from the first spawn to the last exit; then the rows are counted (must be ${PROCESSES * PER_PROCESS}); median of ${plural(PLAN.parallel, 'run')}, alternating`,
    run: parallelWriters,
  },
  {
    n: 3,
    name: SINGLE_PROCESS,
    note: () =>
      `one process opening a fresh file (schema already applied) and committing ${SINGLE} single-row upserts, from spawn to exit; ` +
      `rows counted (must be ${SINGLE}); median of ${plural(PLAN.single, 'run')}, alternating`,
    run: singleWriter,
  },
];
