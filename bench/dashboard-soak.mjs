#!/usr/bin/env node
// The dashboard under a long load, by hand (not in CI):
//   node build.mjs && node bench/dashboard-soak.mjs
// A real farm in a temporary project (tmux, 20 builders), the dashboard as `af start`
// launches it, 5 pages' event streams connected, 10 writer processes each committing
// a builder's phase every 100 ms, and one client timing GET /api/state without pause.
// Prints the server's RSS at the start (after a warm-up) and at the end, and the
// latency percentiles of /api/state. Environment: SOAK_SECONDS (default 300),
// SOAK_WARMUP_SECONDS (default 20).
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { benchFarm } from './farm.mjs';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 300);
const WARMUP = Number(process.env.SOAK_WARMUP_SECONDS ?? 20);
const LIBRARY = new URL('../dist/index.js', import.meta.url).href;

const { folder, project, env, af } = benchFarm('soak');

const children = [];
const streams = [];
try {
  const started = JSON.parse(af('start', '--no-browser', '--json', '--architect-cmd', 'sleep 3600'));
  const { pid, port, url } = started.dashboard;
  const token = new URL(url).searchParams.get('token');
  const headers = { Authorization: `Bearer ${token}` };
  for (let i = 0; i < 20; i++) af('spawn', '--shell', '--builder-cmd', 'sleep 3600');
  const ids = JSON.parse(af('status', '--json')).builders.map((builder) => builder.id);

  let events = 0;
  for (let i = 0; i < 5; i++) {
    const stream = request({ host: '127.0.0.1', port, path: '/api/events', headers }, (response) =>
      response.on('data', (chunk) => {
        events += String(chunk).split('event: overview').length - 1;
      }),
    );
    stream.on('error', () => undefined);
    stream.end();
    streams.push(stream);
  }

  const writer = `
    const { StateStore } = await import(${JSON.stringify(LIBRARY)});
    const store = await StateStore.open(${JSON.stringify(join(project, '.agent-farm', 'state.db'))});
    const id = process.argv[1];
    process.send('ready');
    for (let n = 0; ; n++) {
      const builder = await store.getBuilder(id);
      await store.upsertBuilder({ ...builder, phase: 'phase ' + n });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }`;
  // The writers are running (the store open, the first commit under way) before anything is measured.
  await Promise.all(
    Array.from({ length: 10 }, (_, i) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', writer, ids[i]], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env,
      });
      children.push(child);
      return new Promise((resolve) => child.once('message', resolve));
    }),
  );

  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
  const latencies = [];
  let measuring = false;
  let polling = true;
  const poll = async () => {
    while (polling) {
      const begun = performance.now();
      const status = await new Promise((resolve) => {
        request({ host: '127.0.0.1', port, path: '/api/state', headers }, (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode));
        })
          .on('error', () => resolve(0))
          .end();
      });
      if (status !== 200) throw new Error(`/api/state answered ${status}`);
      if (measuring) latencies.push(performance.now() - begun);
    }
  };
  const polled = poll();
  await new Promise((resolve) => setTimeout(resolve, WARMUP * 1000));
  const rssStart = rss();
  const eventsStart = events;
  measuring = true;
  const loadStart = loadavg()[0];
  // The RSS every tenth of the run: whether it levels off or keeps climbing.
  const samples = [rssStart];
  for (let i = 1; i <= 10; i++) {
    await new Promise((resolve) => setTimeout(resolve, (SECONDS * 1000) / 10));
    samples.push(rss());
  }
  measuring = false;
  polling = false;
  await polled;
  const rssEnd = rss();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2);
  console.log(
    `dashboard soak: ${SECONDS} s after ${WARMUP} s of warm-up; 20 builders, 10 writers every 100 ms, 5 streams`,
  );
  console.log(`load average: ${loadStart.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end`);
  console.log(
    `server RSS: ${rssStart.toFixed(1)} MiB -> ${rssEnd.toFixed(1)} MiB (grew ${(rssEnd - rssStart).toFixed(1)} MiB; target < 10)`,
  );
  console.log(`server RSS every ${SECONDS / 10} s: ${samples.map((mib) => mib.toFixed(1)).join(' ')} MiB`);
  console.log(`GET /api/state: ${latencies.length} requests, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`);
  console.log(`events pushed to the 5 streams: ${events - eventsStart}`);
} finally {
  for (const child of children) child.kill('SIGKILL');
  for (const stream of streams) stream.destroy();
  try {
    af('stop');
  } catch {
    // The farm's own stop failed: the tmux server is ended below anyway.
  }
  try {
    execFileSync('tmux', ['kill-server'], { env, stdio: 'ignore' });
  } catch {
    // No tmux server was left.
  }
  rmSync(folder, { recursive: true, force: true });
}
