// Running the files worker (optionally as the unprivileged user nobody) and planting
// entries beside a database the way a hostile repository would.
import { spawn } from 'node:child_process';
import { lstatSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { finished } from './processes.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const register = join(root, 'test/helpers/register.mjs');
const worker = join(root, 'test/helpers/files-worker.ts');

export interface WorkerOutcome {
  ok?: unknown;
  code?: string;
  message?: string;
  raw?: string;
  stderr: string;
}

/** Runs a files-worker command; gives up (failing the test) after `timeoutMs`, so a hang cannot pass. */
export async function runFilesWorker(
  args: string[],
  { asNobody = false, timeoutMs = 60_000 } = {},
): Promise<WorkerOutcome> {
  const node = [process.execPath, '--import', register, worker, ...args];
  const [command, ...rest] = asNobody
    ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', ...node]
    : node;
  const child = spawn(command!, rest, {
    env: { ...process.env, AF_TEST_WORKER: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const result = await finished(child);
  clearTimeout(timer);
  assert.is(result.signal, null, `the worker ${args.join(' ')} hung and was killed; stderr: ${result.stderr}`);
  const line = result.stdout.trim().split('\n').pop() ?? '';
  let parsed: Omit<WorkerOutcome, 'stderr'>;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new assert.Assertion({
      message: `the worker printed no outcome: ${result.stdout} ${result.stderr}`,
      generated: false,
      operator: 'json',
      expects: 'json',
      actual: line,
    });
  }
  return { ...parsed, stderr: result.stderr };
}

/** Asserts a typed refusal with `code` that names each of `mentions`. */
export function assertRefused(outcome: WorkerOutcome, code: string, ...mentions: string[]): void {
  assert.is(outcome.raw, undefined, `a raw error: ${outcome.raw}`);
  assert.is(outcome.code, code, `expected ${code}, got ${JSON.stringify(outcome)}`);
  for (const mention of mentions)
    assert.ok(outcome.message!.includes(mention), `"${outcome.message}" names ${mention}`);
}

/** A file's bytes and mode, to show it was not touched. */
export function fingerprint(path: string): { bytes: string; mode: number } {
  return { bytes: readFileSync(path).toString('base64'), mode: statSync(path).mode };
}

export function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The pid of a process that has ended. */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await finished(child);
  return child.pid!;
}
