#!/usr/bin/env node
// Where the package must work, checked on the packed tarball as users get it:
//   1. pack (at most 1 MiB), install with `npm install --ignore-scripts` under a PATH
//      that holds node, npm and basic shell tools only (no compiler, python, make),
//      then `af --version`, `af db dump` and the API in temporary folders;
//   2. Node.js 18 and 22, Bun and Deno (from their npm packages, cached in
//      .cache/runtimes): the API by import, by require and through the embedded
//      entry, and `af db dump`, all sharing one global registry;
//   3. Node, Bun and Deno writing the same state.db and global.db at once lose nothing;
//   4. a consumer bundled by esbuild into one file runs with no configuration: with
//      the `.wasm` copied beside it, or through the embedded entry.
// Prints PASS or FAIL per check and a closing "portability: N passed, N failed";
// exits non-zero on any failure. Usage: node scripts/check-portability.mjs [--keep]
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { locateRuntimes, platformArch, runtimeArgs, runtimesDir } from './portability/runtimes.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const MAX_TARBALL = 1024 * 1024;
const RUN_TIMEOUT_MS = 120_000;
const WRITES_PER_RUNTIME = 100;
const BLOCKS_PER_RUNTIME = 10;
const startedAt = Date.now();
const work = mkdtempSync(join(realpathSync(tmpdir()), 'af-portability-'));
const keep = process.argv.includes('--keep');
const results = [];
/** The base port each API run got from the one shared global.db. */
const smokeBlocks = [];

// ---------------------------------------------------------------------------------------------
// Reporting

async function check(name, body) {
  const t0 = Date.now();
  try {
    const detail = await body();
    results.push(true);
    console.log(`PASS  ${name}${detail ? ` — ${detail}` : ''} (${seconds(Date.now() - t0)})`);
    return true;
  } catch (error) {
    results.push(false);
    console.log(
      `FAIL  ${name} (${seconds(Date.now() - t0)})\n      ${String(error?.stack ?? error)
        .split('\n')
        .join('\n      ')}`,
    );
    return false;
  }
}

function skip(name, reason) {
  results.push(false);
  console.log(`FAIL  ${name} — not run: ${reason}`);
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

// ---------------------------------------------------------------------------------------------
// Processes

/** The environment of every child: no AF_* from the caller, a home and registry of our own. */
function environment(extra = {}) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('AF_') && key !== 'FORCE_COLOR'),
  );
  return {
    ...env,
    HOME: join(work, 'home'),
    AF_GLOBAL_DIR: join(work, 'home', '.agent-farm'),
    NO_COLOR: '1',
    DENO_DIR: join(work, 'deno-cache'),
    DENO_NO_UPDATE_CHECK: '1',
    ...extra,
  };
}

function run(command, args, { cwd = work, env = environment(), input } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdin.end(input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: `${stderr}${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: signal ? `${signal}` : code, stdout, stderr });
    });
  });
}

async function succeed(command, args, options) {
  const result = await run(command, args, options);
  expect(
    result.code === 0,
    `${[command, ...args].join(' ')} exited ${result.code}\n${result.stdout}${result.stderr}`.trim(),
  );
  return result;
}

/** The last line of stdout, as JSON. */
function lastJson(stdout) {
  const line = stdout.trim().split('\n').pop();
  return JSON.parse(line);
}

// ---------------------------------------------------------------------------------------------
// What consumers run: the same program by import, by require, and through the embedded entry.

const SMOKE_BODY = `
const runtime = typeof Bun !== 'undefined' ? 'bun ' + Bun.version : typeof Deno !== 'undefined' ? 'deno ' + Deno.version.deno : 'node ' + process.versions.node;
async function main() {
  const { statSync } = await import('node:fs');
  const id = 'B-' + Math.random().toString(36).slice(2, 8);
  const basePort = await af.getPortBlock(process.cwd());
  if ((await af.getPortBlock(process.cwd())) !== basePort) throw new Error('a second getPortBlock gave another block');
  await af.upsertBuilder({ id, name: 'smoke', port: af.portLayout(basePort).builders.first, pid: process.pid, status: 'implementing', phase: '', worktree: process.cwd(), branch: 'main', type: 'spec' });
  await af.upsertBuilder({ id, name: 'smoke', port: af.portLayout(basePort).builders.first, pid: process.pid, status: 'pr-ready', phase: 'review', worktree: process.cwd(), branch: 'main', type: 'spec' });
  const state = await af.loadState();
  const builder = await af.getBuilder(id);
  if (state.builders.length !== 1 || builder?.status !== 'pr-ready' || builder.tmuxSession !== undefined) throw new Error('unexpected state ' + JSON.stringify(state));
  const globalMode = (statSync(af.globalDbPath()).mode & 0o777).toString(8);
  await af.closeDb();
  await af.closeGlobalDb();
  console.log(JSON.stringify({ runtime, basePort, id, globalMode, stateDb: af.stateDbPath() }));
}
main().catch((error) => { console.error(runtime, error && error.code, error && error.stack || error); process.exitCode = 1; });
`;
const smokeEsm = (entry) => `import * as af from ${JSON.stringify(entry)};\n${SMOKE_BODY}`;
const smokeCjs = (entry) => `const af = require(${JSON.stringify(entry)});\n${SMOKE_BODY}`;

/** Writes WRITES_PER_RUNTIME builders and takes BLOCKS_PER_RUNTIME port blocks, starting at START_AT. */
const WRITER = `
import { PortRegistry, StateStore } from 'agent-farm-state';
const { WRITER_TAG: tag, WRITER_PORT: port, STATE_DB: stateDb, GLOBAL_DB: globalDb, START_AT: startAt } = process.env;
const store = await StateStore.open(stateDb, { busyTimeout: 60000 });
const registry = await PortRegistry.open(globalDb, { busyTimeout: 60000 });
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
const first = Date.now();
for (let i = 0; i < ${WRITES_PER_RUNTIME}; i++) {
  await store.upsertBuilder({ id: tag + '-' + i, name: tag, port: Number(port) + i, pid: process.pid, status: 'spawning', phase: '', worktree: '/w', branch: 'b', type: 'task' });
  if (i % ${WRITES_PER_RUNTIME / BLOCKS_PER_RUNTIME} === 0) await registry.getPortBlock('remote:' + tag + '-' + i);
}
const last = Date.now();
await store.close();
await registry.close();
console.log(JSON.stringify({ tag, first, last }));
`;

// ---------------------------------------------------------------------------------------------
// 1. Pack and install with no compiler

/** A folder of links to node, npm and basic shell tools: the whole PATH of a machine without build tools. */
function minimalPath() {
  const bin = join(work, 'minimal-bin');
  mkdirSync(bin);
  const which = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
  for (const tool of [
    'node',
    'npm',
    'sh',
    'env',
    'cat',
    'ls',
    'mkdir',
    'rm',
    'cp',
    'mv',
    'chmod',
    'sed',
    'grep',
    'tar',
    'gzip',
    'uname',
  ]) {
    const found = tool === 'node' ? process.execPath : which(tool);
    if (found) symlinkSync(realpathSync(found), join(bin, tool));
  }
  return bin;
}

let tarball;
let consumer;
let restrictedPath;

async function packAndInstall() {
  await check('npm pack: the tarball is at most 1 MiB', async () => {
    const packed = await succeed('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
    });
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')));
    tarball = join(work, info.filename);
    expect(info.size <= MAX_TARBALL, `the tarball is ${info.size} bytes, over ${MAX_TARBALL}`);
    const paths = info.files.map((file) => file.path);
    for (const required of [
      'dist/index.js',
      'dist/index.cjs',
      'dist/embedded.js',
      'dist/embedded.cjs',
      'dist/sql-wasm.embedded.cjs',
      'dist/af.js',
      'dist/types/index.d.ts',
      'dist/types-cjs/embedded.d.ts',
      'wasm/sql-wasm.wasm',
      'THIRD_PARTY_NOTICES.md',
    ]) {
      expect(paths.includes(required), `the tarball lacks ${required}`);
    }
    expect(
      paths.some((path) => path.startsWith('dist/af/')),
      'the tarball lacks dist/af/, the chunks the bin imports',
    );
    return `${info.filename}, ${(info.size / 1024).toFixed(0)} KiB packed, ${(info.unpackedSize / 1024).toFixed(0)} KiB unpacked, ${paths.length} files`;
  });
  if (!tarball) return;

  restrictedPath = minimalPath();
  await check('the PATH for the install holds no compiler, python or make', async () => {
    const present = ['cc', 'gcc', 'g++', 'c++', 'clang', 'make', 'python', 'python3'].filter(
      (tool) => spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { env: { PATH: restrictedPath } }).status === 0,
    );
    expect(present.length === 0, `still on PATH: ${present.join(', ')}`);
    return readdirSync(restrictedPath).join(' ');
  });

  await check('npm install --ignore-scripts of the tarball installs no other package', async () => {
    consumer = join(work, 'consumer');
    mkdirSync(consumer);
    writeFileSync(
      join(consumer, 'package.json'),
      `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2)}\n`,
    );
    await succeed('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', tarball], {
      cwd: consumer,
      env: environment({ PATH: restrictedPath, npm_config_cache: join(work, 'npm-cache') }),
    });
    const installed = readdirSync(join(consumer, 'node_modules')).filter((name) => !name.startsWith('.'));
    expect(installed.join() === 'agent-farm-state', `node_modules holds ${installed.join(', ')}`);
    writeFileSync(join(consumer, 'smoke-main.mjs'), smokeEsm('agent-farm-state'));
    writeFileSync(join(consumer, 'smoke-main.cjs'), smokeCjs('agent-farm-state'));
    writeFileSync(join(consumer, 'smoke-embedded.mjs'), smokeEsm('agent-farm-state/embedded'));
    writeFileSync(join(consumer, 'writer.mjs'), WRITER);
    return 'node_modules: agent-farm-state only';
  });
  if (!consumer) return;

  const env = environment({ PATH: restrictedPath });
  await check('af --version (the installed bin, by its #! line)', async () => {
    const { stdout } = await succeed(join(consumer, 'node_modules', '.bin', 'af'), ['--version'], {
      cwd: consumer,
      env,
    });
    expect(/^af\/\d+\.\d+\.\d+/.test(stdout), `printed ${stdout}`);
    return stdout.trim();
  });
  await check('af db dump in a new project', async () => {
    const project = newProject('installed-af');
    const { stdout } = await succeed(join(consumer, 'node_modules', '.bin', 'af'), ['db', 'dump'], {
      cwd: project,
      env,
    });
    expect(
      JSON.stringify(Object.keys(JSON.parse(stdout))) === '["architect","builders","utils","annotations"]',
      `printed ${stdout}`,
    );
    return 'four empty tables';
  });
  await check('the API from the installed package (upsertBuilder, loadState, getPortBlock)', async () => {
    const { stdout } = await succeed(process.execPath, [join(consumer, 'smoke-main.mjs')], {
      cwd: newProject('installed-api'),
      env,
    });
    const summary = lastJson(stdout);
    smokeBlocks.push(summary.basePort);
    expect(summary.globalMode === '600', `global.db has mode ${summary.globalMode}`);
    return `base port ${summary.basePort}, global.db mode ${summary.globalMode}`;
  });
}

let projects = 0;
function newProject(label) {
  const project = join(work, 'projects', `${String(++projects).padStart(2, '0')}-${label}`);
  mkdirSync(join(project, '.agent-farm'), { recursive: true });
  return project;
}

// ---------------------------------------------------------------------------------------------
// 2. Runtimes from npm packages

async function findRuntimes() {
  let found = {};
  const locate = locateRuntimes;
  await check('runtimes from npm: node@18, node@22, bun, deno', async () => {
    found = locate();
    if (Object.values(found).some((runtime) => !runtime)) {
      await succeed(
        'npm',
        [
          'install',
          '--no-save',
          '--no-audit',
          '--no-fund',
          '--prefix',
          runtimesDir,
          'node18@npm:node@18',
          'node22@npm:node@22',
          'bun',
          'deno',
        ],
        { cwd: root, env: process.env },
      );
      found = locate();
    }
    // The `node` packages put their binary in place from an install script; when npm did
    // not run it, the platform package holds the same binary and needs no script.
    const missingNode = ['18', '22'].filter((major) => !found[`node ${major}`]);
    if (missingNode.length > 0) {
      await succeed(
        'npm',
        [
          'install',
          '--no-save',
          '--no-audit',
          '--no-fund',
          '--prefix',
          join(runtimesDir, 'fallback'),
          ...missingNode.map((major) => `node${major}-bin@npm:node-${platformArch}@${major}`),
        ],
        { cwd: root, env: process.env },
      );
      found = locate();
    }
    const missing = Object.entries(found)
      .filter(([, runtime]) => !runtime)
      .map(([name]) => name);
    expect(missing.length === 0, `no working binary for ${missing.join(', ')}`);
    return Object.entries(found)
      .map(([name, { path, version }]) => `${name}: ${version} (${path.slice(runtimesDir.length + 1)})`)
      .join('; ');
  });
  return Object.fromEntries(Object.entries(found).filter(([, runtime]) => runtime));
}

async function onEveryRuntime(runtimes) {
  const env = environment({ PATH: restrictedPath });
  for (const [name, runtime] of Object.entries(runtimes)) {
    for (const [variant, script] of [
      ['import', 'smoke-main.mjs'],
      ['require', 'smoke-main.cjs'],
      ['embedded entry', 'smoke-embedded.mjs'],
    ]) {
      await check(`${name}: the API by ${variant}`, async () => {
        const project = newProject(`${name.replace(' ', '')}-${script}`);
        const { stdout } = await succeed(runtime.path, runtimeArgs(name, join(consumer, script)), {
          cwd: project,
          env,
        });
        const summary = lastJson(stdout);
        smokeBlocks.push(summary.basePort);
        expect(summary.globalMode === '600', `global.db has mode ${summary.globalMode}`);
        const dump = await succeed(
          runtime.path,
          runtimeArgs(name, join(consumer, 'node_modules', 'agent-farm-state', 'dist', 'af.js')).concat(['db', 'dump']),
          { cwd: project, env },
        );
        const builders = JSON.parse(dump.stdout).builders;
        expect(
          builders.length === 1 && builders[0].id === summary.id && builders[0].status === 'pr-ready',
          `af db dump printed ${dump.stdout}`,
        );
        return `${summary.runtime}, base port ${summary.basePort}; af db dump shows ${summary.id}`;
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Runtimes writing the same files at once

async function writingTogether(runtimes) {
  const writers = ['node 22', 'bun', 'deno'].filter((name) => runtimes[name]);
  const name = `${writers.join(', ')} write one state.db and one global.db at once and lose nothing`;
  if (writers.length < 2) return skip(name, 'fewer than two runtimes found');
  await check(name, async () => {
    const folder = join(work, 'together');
    mkdirSync(folder);
    const stateDb = join(folder, 'project', '.agent-farm', 'state.db');
    const globalDb = join(folder, 'home', '.agent-farm', 'global.db');
    const startAt = String(Date.now() + 3000);
    const runs = await Promise.all(
      writers.map((runtime, index) =>
        succeed(runtimes[runtime].path, runtimeArgs(runtime, join(consumer, 'writer.mjs')), {
          cwd: consumer,
          env: environment({
            PATH: restrictedPath,
            WRITER_TAG: runtime.replace(' ', ''),
            WRITER_PORT: String(10_000 + index * 1000),
            STATE_DB: stateDb,
            GLOBAL_DB: globalDb,
            START_AT: startAt,
          }),
        }),
      ),
    );
    const spans = runs.map((result) => lastJson(result.stdout));
    const overlap = Math.min(...spans.map((span) => span.last)) - Math.max(...spans.map((span) => span.first));
    expect(overlap > 0, `the writers did not run at the same time: ${JSON.stringify(spans)}`);
    const counted = await succeed(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
      import { StateStore, PortRegistry } from 'agent-farm-state';
      const store = await StateStore.open(${JSON.stringify(stateDb)});
      const state = await store.loadState();
      const integrity = await store.database.read((sql) => sql.exec('PRAGMA integrity_check')[0].values[0][0]);
      await store.close();
      const registry = await PortRegistry.open(${JSON.stringify(globalDb)});
      const blocks = (await registry.listAllocations()).map((a) => a.basePort);
      await registry.close();
      console.log(JSON.stringify({ ids: state.builders.map((b) => b.id), ports: state.builders.map((b) => b.port), integrity, blocks }));
    `,
      ],
      { cwd: consumer, env: environment({ PATH: restrictedPath }) },
    );
    const { ids, ports, integrity, blocks } = lastJson(counted.stdout);
    const expectedRows = writers.length * WRITES_PER_RUNTIME;
    const expectedBlocks = writers.length * BLOCKS_PER_RUNTIME;
    expect(integrity === 'ok', `integrity_check: ${integrity}`);
    expect(
      ids.length === expectedRows && new Set(ids).size === expectedRows,
      `${ids.length} builders (${new Set(ids).size} distinct), expected ${expectedRows}`,
    );
    expect(new Set(ports).size === expectedRows, 'builders share a port');
    expect(
      blocks.length === expectedBlocks && new Set(blocks).size === expectedBlocks,
      `${blocks.length} port blocks (${new Set(blocks).size} distinct), expected ${expectedBlocks}`,
    );
    return `${expectedRows} builders and ${expectedBlocks} port blocks, integrity ok, writers overlapped ${seconds(overlap)}`;
  });
}

// ---------------------------------------------------------------------------------------------
// 4. One-file consumer bundles

async function bundles(runtimes) {
  const source = join(consumer, 'app.mjs');
  writeFileSync(source, smokeEsm('agent-farm-state'));
  writeFileSync(join(consumer, 'app-embedded.mjs'), smokeEsm('agent-farm-state/embedded'));
  const env = environment({ PATH: restrictedPath });
  for (const entry of ['main', 'embedded']) {
    for (const format of ['esm', 'cjs']) {
      const outDir = join(work, 'bundles', `${entry}-${format}`);
      const outfile = join(outDir, format === 'esm' ? 'app.mjs' : 'app.cjs');
      const built = await check(
        `esbuild bundles a consumer of the ${entry} entry into one ${format} file${entry === 'main' ? ', the .wasm copied beside it' : ''}`,
        async () => {
          await build({
            entryPoints: [entry === 'main' ? source : join(consumer, 'app-embedded.mjs')],
            bundle: true,
            platform: 'node',
            format,
            outfile,
            logLevel: 'error',
          });
          if (entry === 'main')
            copyFileSync(
              join(consumer, 'node_modules', 'agent-farm-state', 'wasm', 'sql-wasm.wasm'),
              join(outDir, 'sql-wasm.wasm'),
            );
          const files = readdirSync(outDir);
          return `${outDir.slice(work.length + 1)}: ${files.join(', ')}`;
        },
      );
      if (!built) continue;
      for (const [name, runtime] of Object.entries(runtimes)) {
        await check(`${name}: the one-file ${format} bundle of the ${entry} entry runs`, async () => {
          const { stdout } = await succeed(runtime.path, runtimeArgs(name, outfile), {
            cwd: newProject(`bundle-${entry}-${format}-${name.replace(' ', '')}`),
            env,
          });
          const { basePort } = lastJson(stdout);
          smokeBlocks.push(basePort);
          return `base port ${basePort}`;
        });
      }
    }
  }
}

async function sharedRegistry() {
  await check('every runtime and bundle shared one global.db: one distinct block per project', async () => {
    const { stdout } = await succeed(join(consumer, 'node_modules', '.bin', 'af'), ['db', 'dump', '--global'], {
      cwd: newProject('registry'),
      env: environment({ PATH: restrictedPath }),
    });
    const allocations = JSON.parse(stdout).port_allocations;
    const bases = allocations.map((row) => row.base_port);
    expect(new Set(smokeBlocks).size === smokeBlocks.length, `a block was handed out twice: ${smokeBlocks.join(', ')}`);
    expect(
      bases.length === smokeBlocks.length && smokeBlocks.every((base) => bases.includes(base)),
      `global.db holds ${bases.join(', ')}; the runs got ${smokeBlocks.join(', ')}`,
    );
    return `${allocations.length} projects, blocks ${Math.min(...bases)}…${Math.max(...bases)}`;
  });
}

// ---------------------------------------------------------------------------------------------

try {
  console.log(`portability checks in ${work}`);
  mkdirSync(join(work, 'home'), { recursive: true });
  await packAndInstall();
  if (consumer) {
    const runtimes = await findRuntimes();
    await onEveryRuntime(runtimes);
    await writingTogether(runtimes);
    await bundles(runtimes);
    await sharedRegistry();
  } else {
    skip('runtimes, concurrent writers and bundles', 'the package did not install');
  }
} catch (error) {
  results.push(false);
  console.log(`FAIL  the check script itself: ${error?.stack ?? error}`);
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
}
const failed = results.filter((ok) => !ok).length;
console.log(`portability checks took ${seconds(Date.now() - startedAt)}`);
console.log(`portability: ${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
