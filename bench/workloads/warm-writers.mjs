// Workloads 7 and 8: warm writers, start-up taken out (opened and ready, then a go
// signal): 1 writer × 1 000 upserts, and N writers × 100 upserts into one file; each
// against native and against the floor (bench/floor.mjs: sql.js alone) in the same run.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  FLOOR,
  PER_PROCESS,
  PLAN,
  SINGLE,
  WARM_WRITERS,
  countRows,
  createFile,
  plural,
  progress,
  run,
  tmp,
  warmRun,
} from '../runner.mjs';
import { details, record } from '../table.mjs';
import { FLOOR_WARM_UP, median } from '../workload.mjs';

const ONE_WRITER = `warm: 1 writer × ${SINGLE} upserts`;

/** The floor for `commits` commits: its wall and CPU time, in a process of its own. */
async function floorRun(commits) {
  const { stdout } = await run(process.execPath, ['--liftoff-only', FLOOR, String(commits)], { what: 'the floor' });
  return JSON.parse(stdout.trim().split('\n').pop());
}

/**
 * `writers` warm writers × `count` upserts of distinct builders on a fresh file (each after
 * `warmUp` upserts of its own, deleted again); the rows are counted after. Wall times, and
 * the CPU time of all writers per commit; the floor for as many commits, each repetition.
 */
async function warmWorkload(writers, count, warmUp = 0) {
  const commits = writers * count;
  const samples = { ours: [], native: [], floor: [] };
  const cpuPerCommit = { ours: [], native: [], floor: [] };
  for (let rep = 0; rep < PLAN.warm; rep++) {
    for (const engine of rep % 2 ? ['native', 'ours'] : ['ours', 'native']) {
      const path = join(tmp, 'warm', `${engine}-${writers}-${rep}.db`);
      await createFile(engine, path);
      const specs = Array.from({ length: writers }, (_, p) => ({
        prefix: `w${p}`,
        count,
        portBase: 10_000 + p * count,
        warmUp,
      }));
      const { ms, cpuMs } = await warmRun(engine, path, specs);
      const written = await countRows(engine, path);
      if (written !== commits)
        throw new Error(`${engine}, run ${rep + 1}: rows lost; ${written} of ${commits} rows written`);
      samples[engine].push(ms);
      cpuPerCommit[engine].push(cpuMs / commits);
      rmSync(join(tmp, 'warm'), { recursive: true, force: true });
    }
    const floor = await floorRun(commits);
    samples.floor.push(floor.ms);
    cpuPerCommit.floor.push(floor.cpuMs / commits);
  }
  const list = (engine) => samples[engine].map((ms) => ms.toFixed(0)).join(' ');
  progress(
    `  ${writers} × ${count}${warmUp ? ` after ${warmUp} of warm-up` : ''}: ours ${list('ours')} ms, native ${list('native')} ms, floor ${list('floor')} ms`,
  );
  return { samples, cpuPerCommit };
}

/** The rows of one warm workload: its wall time (with `target`) and its CPU time per commit. */
function recordWarm(workload, label, cpuLabel, { samples, cpuPerCommit }, target) {
  const m = (list) => median(list);
  record(workload, label, 'ms', m(samples.ours), m(samples.native), target, m(samples.floor));
  record(workload, cpuLabel, 'ms', m(cpuPerCommit.ours), m(cpuPerCommit.native), undefined, m(cpuPerCommit.floor));
}

async function warmSingle() {
  const result = await warmWorkload(1, SINGLE);
  details.warmSingle = result;
  recordWarm(7, ONE_WRITER, 'CPU time per commit, from the go signal to close()', result, { floorRatio: 1.5 });
  // The floor's code is warmed by 1 000 commits first; so are the writers here, to show what warm-up accounts for.
  const warmed = await warmWorkload(1, SINGLE, FLOOR_WARM_UP);
  details.warmSingleWarmedUp = warmed;
  recordWarm(7, `${ONE_WRITER}, after ${FLOOR_WARM_UP} of warm-up as the floor`, 'its CPU time per commit', warmed);
}

async function warmParallel() {
  for (const writers of WARM_WRITERS) {
    const result = await warmWorkload(writers, PER_PROCESS);
    details[`warm${writers}`] = result;
    recordWarm(
      8,
      `warm: ${writers} writers × ${PER_PROCESS} upserts`,
      `CPU time per commit, all ${writers} writers`,
      result,
      writers === 10 ? { floorRatio: 3 } : undefined,
    );
  }
}

const FLOOR_NOTE =
  "the floor: the same schema in an in-memory sql.js database (this package's WebAssembly), one prepared upsert, " +
  'each in its own BEGIN IMMEDIATE … COMMIT, in a process started with --liftoff-only, after 1 000 commits of warm-up; ' +
  'as many commits as the row, timed alone (`node --liftoff-only bench/floor.mjs <commits>`), once per repetition';

export const workloads = [
  {
    n: 7,
    name: ONE_WRITER,
    note: () =>
      `one process opens a fresh file (schema applied) and reads once, then waits; from the go signal (IPC) to its message ` +
      `after ${SINGLE} awaited single-row upserts and close(); rows counted; median of ${plural(PLAN.warm, 'run')}, alternating; ` +
      `CPU time: user + system of the writers over the same span (process.cpuUsage()), divided by the commits; ${FLOOR_NOTE}; ` +
      `the rows "after ${FLOOR_WARM_UP} of warm-up": the same, each writer first committing ${FLOOR_WARM_UP} upserts of other ` +
      'builders and deleting them before it says ready, as the floor warms up',
    run: warmSingle,
  },
  {
    n: 8,
    name: 'warm: N writers × 100 upserts',
    note: () =>
      `N processes (${WARM_WRITERS.join(', ')}) each open the same fresh file and read once, then wait; from one go signal ` +
      `to the last one's message after its ${PER_PROCESS} upserts and close(); rows counted; median of ${plural(PLAN.warm, 'run')}, alternating; CPU time and the floor as 7`,
    run: warmParallel,
  },
];
