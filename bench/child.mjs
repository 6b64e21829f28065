// One benchmark process: `node child.mjs <ours|native> <task> <json arguments>`.
// Loads only the engine it measures, does its task, and prints its result as one
// JSON line on stdout (tasks that only write print nothing).
//   write      open the file, commit `count` single-row builder upserts, close
//   latency    open a prefilled file, time `commits` single-row upserts, report RSS after
//   read       time reads of all `builders` (the file holds one less; the `committer`
//              this task starts adds its own row first): unchanged file, and right
//              after that other process committed
//   committer  commits one upsert per message from its parent (IPC), answers 'done'
//   warm       a writer started before the clock (IPC): opens the file, reads once (with
//              `warmUp`, also commits that many upserts and deletes them), says 'ready',
//              waits for 'go', commits `count` upserts (or, with `stopFile`, loops over them
//              until that file exists), closes, and sends its commit latencies
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { builder, builders, median, percentile } from './workload.mjs';

const [engineName, task, rawArgs = '{}'] = process.argv.slice(2);
const args = JSON.parse(rawArgs);
const engine =
  engineName === 'ours'
    ? await import('./ours.mjs')
    : engineName === 'native'
      ? await import('./native/engine.mjs')
      : fail(`unknown engine ${engineName}`);

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const tasks = {
  async write({ path, prefix, count, portBase }) {
    const db = await engine.open(path);
    for (const b of builders(prefix, count, portBase)) await engine.upsert(db, b);
    await engine.close(db);
  },

  async latency({ path, commits, distinct = 20, portBase }) {
    const db = await engine.open(path);
    const samples = [];
    for (let i = 0; i < commits; i++) {
      const b = builder(`latency-${i % distinct}`, portBase + (i % distinct), i);
      const start = performance.now();
      await engine.upsert(db, b);
      samples.push(performance.now() - start);
    }
    const rss = process.memoryUsage().rss;
    await engine.close(db);
    return { median: median(samples), p95: percentile(samples, 0.95), samples: samples.length, rss };
  },

  async warm({ path, prefix, count, portBase, stopFile, warmUp = 0 }) {
    const db = await engine.open(path);
    await engine.readBuilders(db);
    // As the floor warms up: as many upserts as asked, then the table emptied again.
    for (const b of builders(`${prefix}-warm-up`, warmUp, portBase + 50_000)) await engine.upsert(db, b);
    if (warmUp > 0) await engine.clearBuilders(db);
    const go = new Promise((resolve) => process.once('message', resolve));
    process.send('ready');
    await go;
    const profile = await startProfile();
    const cpuBefore = process.cpuUsage();
    const samples = [];
    // Awaited back to back, as a loop of writes in one process runs; the stop file is looked at between commits.
    for (let i = 0; stopFile ? !existsSync(stopFile) : i < count; i++) {
      const b = builder(`${prefix}-${i % count}`, portBase + (i % count), i);
      const start = performance.now();
      await engine.upsert(db, b);
      samples.push(performance.now() - start);
    }
    await engine.close(db);
    const cpu = process.cpuUsage(cpuBefore);
    await profile?.stop();
    process.send({ samples, cpuMs: (cpu.user + cpu.system) / 1000 });
    process.disconnect();
    return undefined;
  },

  async read({ path, builders: count, cached, reload, kind = 'builders' }) {
    const db = await engine.open(path);
    const committer = fork(fileURLToPath(import.meta.url), [engineName, 'committer', JSON.stringify({ path })], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const next = inbox(committer);
    const expect = count; // the prefilled builders and the committer's own row
    const timedRead = async () => {
      const start = performance.now();
      const read = kind === 'state' ? await engine.loadState(db) : undefined;
      const list = read ? read.builders : await engine.readBuilders(db);
      const ms = performance.now() - start;
      if (list.length !== expect) throw new Error(`read ${list.length} builders, expected ${expect}`);
      return ms;
    };
    try {
      if ((await next()) !== 'ready') throw new Error('committer did not start');
      for (let i = 0; i < 5; i++) await timedRead(); // warm-up: JIT, first load of the file
      const cachedSamples = [];
      for (let i = 0; i < cached; i++) cachedSamples.push(await timedRead());
      const reloadSamples = [];
      for (let i = 0; i < reload; i++) {
        committer.send({ i });
        if ((await next()) !== 'done') throw new Error('committer failed');
        reloadSamples.push(await timedRead());
      }
      return { cached: cachedSamples, reload: reloadSamples };
    } finally {
      if (committer.connected) committer.disconnect();
      if (committer.exitCode === null && committer.signalCode === null)
        await new Promise((resolve) => committer.once('exit', resolve));
      await engine.close(db);
    }
  },

  async committer({ path }) {
    const db = await engine.open(path);
    process.on('message', async ({ i }) => {
      try {
        await engine.upsert(db, builder('other-process', 3999, i));
        process.send('done');
      } catch (error) {
        process.stderr.write(`${error.stack ?? error}\n`);
        process.exit(1);
      }
    });
    process.on('disconnect', async () => {
      await engine.close(db);
      process.exit(0);
    });
    await engine.upsert(db, builder('other-process', 3999, 0)); // its row exists before any read
    process.send('ready');
    return undefined;
  },
};

/**
 * With BENCH_CPU_PROFILE=<folder>, a CPU profile of the measured part alone (from the go
 * signal to the close), written there as <pid>.cpuprofile when stopped.
 */
async function startProfile() {
  const folder = process.env.BENCH_CPU_PROFILE;
  if (!folder) return undefined;
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: Number(process.env.BENCH_CPU_PROFILE_US ?? 1000) });
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(`${folder}/${process.pid}.cpuprofile`, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/** The messages of `child`, one at a time; throws once it exited with none left. */
function inbox(child) {
  const queue = [];
  let wake = () => {};
  let exited;
  child.on('message', (message) => {
    queue.push(message);
    wake();
  });
  child.on('exit', (code, signal) => {
    exited = new Error(`committer exited (${signal ?? code})`);
    wake();
  });
  return async () => {
    while (!queue.length) {
      if (exited) throw exited;
      await new Promise((resolve) => (wake = resolve));
    }
    return queue.shift();
  };
}

if (!Object.hasOwn(tasks, task)) fail(`unknown task ${task}`);
const result = await tasks[task](args);
if (result !== undefined) process.stdout.write(`${JSON.stringify(result)}\n`);
