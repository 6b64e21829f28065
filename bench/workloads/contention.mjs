// Workload 9: every commit of 10 warm writers looping on one file: latency, and the
// commits each writer made (none may starve).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { CONTENTION, PER_PROCESS, createFile, plural, progress, tmp, warmRun } from '../runner.mjs';
import { details, fmt, record } from '../table.mjs';
import { percentile } from '../workload.mjs';

const LABEL = `warm: one commit while ${CONTENTION.writers - 1} other writers loop`;

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
  record(9, `${LABEL}: p50`, 'ms', o.p50, n.p50);
  record(9, `${LABEL}: p99`, 'ms', o.p99, n.p99);
  record(9, `${LABEL}: max (busy timeout 5000 ms)`, 'ms', o.max, n.max);
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

export const workloads = [
  {
    n: 9,
    name: LABEL,
    note: () =>
      `${CONTENTION.writers} warm processes loop awaited upserts on one file for ${CONTENTION.ms} ms after the go signal; ` +
      `every commit's latency (call to return) pooled over ${plural(CONTENTION.reps, 'run')}: nearest-rank p50, p99 and the max; ` +
      `the fewest and most commits any one writer made (a starved writer fails the run)`,
    run: contention,
  },
];
