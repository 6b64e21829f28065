// Workload 4: reading all builders (10 and 1 000) in one process, the file unchanged
// and right after another process committed.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { PLAN, createFile, progress, task, tmp } from '../runner.mjs';
import { details, fmt, record } from '../table.mjs';
import { builders, median } from '../workload.mjs';

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

export const workloads = [
  {
    n: 4,
    name: 'read latency',
    note: () =>
      `getBuilders() (ours) / a prepared SELECT of all builders mapped to Builder objects (native), in one process; ` +
      `${PLAN.readRounds} reader process${PLAN.readRounds === 1 ? '' : 'es'} per engine, alternating, each ${PLAN.cachedReads} reads of the unchanged file ` +
      `and ${PLAN.reloadReads} reads each right after a second process committed one upsert; median per read`,
    run: readLatency,
  },
];
