// Workload 10: loadState() of a typical project, the file unchanged and right after
// another process's commit.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PLAN, engines, progress, task, tmp } from '../runner.mjs';
import { details, fmt, record } from '../table.mjs';
import { median, typicalProject } from '../workload.mjs';

const LABEL = 'warm: loadState() of a typical project';
const TARGET = { ratio: 1.5 };

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
  record(10, `${LABEL}, file unchanged`, 'ms', median(samples.ours.cached), median(samples.native.cached), TARGET);
  record(
    10,
    `${LABEL}, first read after another process's commit`,
    'ms',
    median(samples.ours.reload),
    median(samples.native.reload),
    TARGET,
  );
  progress(
    `  ours ${fmt(median(samples.ours.cached), 'ms')} / ${fmt(median(samples.ours.reload), 'ms')}, native ${fmt(median(samples.native.cached), 'ms')} / ${fmt(median(samples.native.reload), 'ms')} (unchanged / after a commit)`,
  );
  rmSync(join(tmp, 'state-read'), { recursive: true, force: true });
}

export const workloads = [
  {
    n: 10,
    name: LABEL,
    note: () =>
      `StateStore.loadState() (architect, builders, utils, annotations) vs the same four prepared SELECTs in one ` +
      `better-sqlite3 read transaction mapped alike, on the typical project of workload 1; as workload 4`,
    run: stateReads,
  },
];
