// The portability check's shared runner: its temporary folder, the PASS/FAIL
// report, the child processes every check runs, and the projects they run in.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
// 1.1 MiB: sql.js's WebAssembly twice (the file and the embedded copy), the library as ES
// module and CommonJS with their declarations, and the bin with its servers, pages and xterm.js.
export const MAX_TARBALL = 1.1 * 1024 * 1024;
const RUN_TIMEOUT_MS = 120_000;
export const WRITES_PER_RUNTIME = 100;
export const BLOCKS_PER_RUNTIME = 10;
export const startedAt = Date.now();
export const work = mkdtempSync(join(realpathSync(tmpdir()), 'af-portability-'));
export const keep = process.argv.includes('--keep');
export const results = [];
/** The base port each API run got from the one shared global.db. */
export const smokeBlocks = [];

// Reporting

export async function check(name, body) {
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

export function skip(name, reason) {
  results.push(false);
  console.log(`FAIL  ${name} — not run: ${reason}`);
}

export const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

export function expect(condition, message) {
  if (!condition) throw new Error(message);
}

// Processes

/** The environment of every child: no AF_* from the caller, a home and registry of our own. */
export function environment(extra = {}) {
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

export function run(command, args, { cwd = work, env = environment(), input } = {}) {
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

export async function succeed(command, args, options) {
  const result = await run(command, args, options);
  expect(
    result.code === 0,
    `${[command, ...args].join(' ')} exited ${result.code}\n${result.stdout}${result.stderr}`.trim(),
  );
  return result;
}

/** The last line of stdout, as JSON. */
export function lastJson(stdout) {
  const line = stdout.trim().split('\n').pop();
  return JSON.parse(line);
}

let projects = 0;
export function newProject(label) {
  const project = join(work, 'projects', `${String(++projects).padStart(2, '0')}-${label}`);
  mkdirSync(join(project, '.agent-farm'), { recursive: true });
  return project;
}
