// Real child processes for the tests: the engine worker, run to completion or
// driven line by line.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const register = join(root, 'test/helpers/register.mjs');

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Children still running: a test that failed while one waited leaves it to inFolder() to end. */
const running = new Set<ChildProcess>();

/** Starts a TypeScript script of the tests as a child process. */
export function startScript(script: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', register, join(root, script), ...args], {
    env: { ...process.env, AF_TEST_WORKER: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

export function startWorker(args: string[], env: Record<string, string> = {}): ChildProcess {
  return startScript('test/helpers/engine-worker.ts', args, env);
}

export function finished(child: ChildProcess): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

export function runWorker(args: string[], env: Record<string, string> = {}): Promise<Finished> {
  return finished(startWorker(args, env));
}

/**
 * Resolves once the child printed a line equal to `line`; rejects if it exits first,
 * or after `timeoutMs`, so a child that never prints it fails the test instead of hanging it.
 */
export function waitForLine(child: ChildProcess, line: string, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    // Its listeners go once it is settled: a child waited on many times gathers none.
    const settle = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('close', onClose);
    };
    const timer = setTimeout(() => {
      settle();
      reject(new Error(`no line "${line}" from the child in ${timeoutMs} ms; output so far: ${buffer}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      buffer += chunk;
      if (buffer.split('\n').includes(line)) {
        settle();
        resolve();
      }
    };
    const onClose = (code: number | null) => {
      settle();
      reject(new Error(`child exited (${code}) before printing "${line}"; output so far: ${buffer}`));
    };
    child.stdout?.on('data', onData);
    child.once('close', onClose);
  });
}

function temporaryFolder(prefix = 'af-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A test body that runs in a fresh temporary folder, removed afterwards with any child it left running. */
export function inFolder(body: (folder: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const folder = temporaryFolder();
    try {
      await body(folder.path);
    } finally {
      // A child left waiting (the test failed under it) would keep the test run from ending.
      for (const child of running) child.kill('SIGKILL');
      folder.remove();
    }
  };
}
