// Workloads 1 and 6: a cold `af db dump` as a whole process against bench/native/dump.mjs
// on the same typical project, its time and its peak RSS.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AF, NATIVE_DUMP, PLAN, TIME, childEnv, engines, plural, progress, run, tmp } from '../runner.mjs';
import { details, record } from '../table.mjs';
import { median, typicalProject } from '../workload.mjs';

const COLD_DUMP = 'cold `af db dump` (whole process)';
const PEAK_RSS = 'peak RSS of the dump process';

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
  record(1, COLD_DUMP, 'ms', median(samples.ours), median(samples.native), { ratio: 1.5 });
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
  record(6, PEAK_RSS, 'MiB', median(samples.ours), median(samples.native), { ours: 55 * 1024 * 1024, unit: 'MiB' });
}

let setup;
/** The projects are written once, for whichever of the two workloads runs first. */
const projectsOnce = () => (setup ??= projects());

export const workloads = [
  {
    n: 1,
    name: COLD_DUMP,
    note: () =>
      `\`node dist/af.js db dump\` in a project with an architect, 5 builders, 2 utility terminals and 2 annotations, ` +
      `vs \`node bench/native/dump.mjs\` on the same content written by better-sqlite3; from spawn to exit, output checked; ` +
      `median of ${plural(PLAN.dumps, 'run')} each, alternating, after one uncounted warm-up run each`,
    run: async () => coldDump(await projectsOnce()),
  },
  {
    n: 6,
    name: PEAK_RSS,
    note: () =>
      `the two dumps of workload 1, max RSS of the process by ${existsSync(TIME) ? '`/usr/bin/time -f %M`' : 'process.resourceUsage().maxRSS at exit'}; ` +
      `median of ${plural(PLAN.rss, 'run')} each, alternating`,
    run: async () => dumpMemory(await projectsOnce()),
  },
];
