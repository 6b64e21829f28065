#!/usr/bin/env node
// Web terminal input latency on localhost, through the whole path: a WebSocket
// message to the dashboard (its checks included), `send-keys` into tmux, the pane's
// echo back as `%output`, the frame to the page. A real farm in a temporary folder
// with a tmux server of its own; the architect runs `cat`, whose terminal echoes
// each key. Prints p50/p99 (target: p50 ≤ 30 ms), alone, then with 20 more terminals
// open, each printing a line every 50 ms.
//
//   node build.mjs && node bench/terminal-latency.mjs
//
// Environment: BENCH_SAMPLES (default 300), BENCH_KEEP=1 keeps the folder.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { AF, benchFarm } from './farm.mjs';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 300);
const BUSY_TERMINALS = 20;
const BUSY = "sh -c 'while :; do date +%T.%N; sleep 0.05; done'";

const { folder, project, env, af } = benchFarm('bench');

function setUp() {
  mkdirSync(join(project, 'codev'));
  writeFileSync(join(project, 'codev', 'config.json'), JSON.stringify({ shell: { shell: BUSY } }));
  const started = JSON.parse(af('start', '--no-browser', '--architect-cmd', 'cat', '--json'));
  return new URL(started.dashboard.url);
}

function open(url, tab) {
  const ws = new WebSocket(`ws://${url.host}/terminal/${tab}/socket`, {
    headers: { Authorization: `Bearer ${url.searchParams.get('token')}`, Origin: url.origin },
  });
  ws.binaryType = 'nodebuffer';
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      ws.send(JSON.stringify({ type: 'resize', cols: 120, rows: 40 }));
      ws.once('message', () => resolve(ws)); // hello
    });
  });
}

/** Sends one key at a time and waits for its echo: milliseconds for each. */
async function measure(ws, samples) {
  await new Promise((resolve) => setTimeout(resolve, 300)); // The first screen is in.
  const times = [];
  const keys = 'abcdefghijklmnopqrstuvwxyz';
  for (let i = 0; i < samples; i++) {
    const key = i % 60 === 59 ? '\r' : keys[i % keys.length];
    const echoed = new Promise((resolve) => {
      const onMessage = (data, isBinary) => {
        if (isBinary && data.includes(key === '\r' ? '\n' : key)) {
          ws.off('message', onMessage);
          resolve();
        }
      };
      ws.on('message', onMessage);
    });
    const start = process.hrtime.bigint();
    ws.send(Buffer.from(key));
    await echoed;
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return times.sort((a, b) => a - b);
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const report = (label, times) =>
  console.log(
    `${label.padEnd(40)} p50 ${quantile(times, 0.5).toFixed(2)} ms   p99 ${quantile(times, 0.99).toFixed(2)} ms   (${times.length} keys)`,
  );

let url;
const sockets = [];
try {
  url = setUp();
  const architect = await open(url, 'architect');
  sockets.push(architect);
  report('input → echo, one terminal', await measure(architect, SAMPLES));
  for (let i = 0; i < BUSY_TERMINALS; i++) {
    const answer = await fetch(`http://${url.host}/api/tabs/shell`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${url.searchParams.get('token')}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: `busy-${i}` }),
    });
    if (answer.status !== 201) throw new Error(`POST /api/tabs/shell: ${answer.status} ${await answer.text()}`);
    const shell = await answer.json();
    sockets.push(await open(url, `shell-${shell.id}`));
  }
  report(`input → echo, ${BUSY_TERMINALS} busy terminals open too`, await measure(architect, SAMPLES));
  const tmuxClients = spawnSync('tmux', ['list-clients'], { env, encoding: 'utf8' }).stdout.trim().split('\n').length;
  console.log(`tmux control clients: ${tmuxClients}`);
} finally {
  for (const ws of sockets) ws.terminate();
  if (url) spawnSync(process.execPath, [AF, 'stop'], { cwd: project, env });
  spawnSync('tmux', ['kill-server'], { env });
  if (process.env.BENCH_KEEP) console.log(`kept ${folder}`);
  else rmSync(folder, { recursive: true, force: true });
}
