// A project for the lifecycle tests: a git repository with one commit in a
// temporary folder, `af` run there with a home, a tmux server and (for the runs
// without tmux) a PATH of its own, and a teardown that ends whatever was started.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '../../lib/engine/io/process-alive.js';
import { findExecutable } from '../../lib/farm/find-executable.js';
import { runAf } from './af.js';
import { type Finished, inFolder } from './processes.js';
import { test } from 'uvu';

/** Programs the runs without tmux may use: git and what the tests launch. */
const TOOLS_WITHOUT_TMUX = ['git', 'sh', 'bash', 'sleep'];

const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};

export interface TestFarm {
  folder: string;
  project: string;
  basePort: number;
  env: Record<string, string>;
  /** `af` in the project (or `cwd`), with `input` on its standard input. */
  af(args: string[], cwd?: string, input?: string): Promise<Finished>;
  /** `af … --json`, parsed; fails with af's stderr when it exits non-zero. */
  afJson<T = any>(args: string[]): Promise<T>;
  git(...args: string[]): string;
  tmuxSessions(): string[];
}

/** Blocks 20000 to 32699: below Linux's ephemeral ports (32768 and up), which the tests' own connections take. */
const FIRST_BLOCK = 200;
const BLOCKS = 127;
/** Where this run starts: random, so that two runs at once seldom meet. */
let nextBlock = Math.floor(Math.random() * BLOCKS);

/**
 * A block of 100 ports for a test's farm (or tower), between 20000 and 32699, so a server of
 * the farm never finds its port held by one of the test's own connections (EADDRINUSE).
 * Handed out in turn from a random start: two farms of one run (a tower test's two, which
 * share a registry) never get the same block while fewer than 127 are alive.
 */
export function nextTestBlock(): number {
  const block = FIRST_BLOCK + (nextBlock++ % BLOCKS);
  return 100 * block;
}

/** A fresh project in `folder` on a port block of its own; with `tmux: false`, PATH holds only a few tools and no tmux. */
export function testFarm(folder: string, options: { tmux: boolean }): TestFarm {
  if (options.tmux && !findExecutable('tmux'))
    throw new Error('this test runs the farm in tmux: install tmux (the Debian package tmux)');
  const project = join(folder, 'project');
  mkdirSync(project);
  // A tmux server of this test's own: its sessions cannot meet any other run's.
  // A port block of its own too: the annotation viewers really listen, and other runs may be listening at once.
  const basePort = nextTestBlock();
  const env: Record<string, string> = {
    ...GIT_IDENTITY,
    TMUX_TMPDIR: folder,
    TMUX: '',
    AF_BASE_PORT: String(basePort),
  };
  if (!options.tmux) env.PATH = toolsFolder(folder);
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: project,
      env: { ...process.env, ...env, PATH: process.env.PATH! },
      encoding: 'utf8',
    });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(project, 'README.md'), '# the project\n');
  git('add', 'README.md');
  git('commit', '-q', '-m', 'first commit');
  const af = (args: string[], cwd = project, input?: string) =>
    runAf(args, { cwd, home: join(folder, 'home'), env, input });
  return {
    folder,
    project,
    basePort,
    env,
    af,
    git,
    async afJson(args) {
      const result = await af([...args, '--json']);
      if (result.code !== 0) throw new Error(`af ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
      return JSON.parse(result.stdout);
    },
    tmuxSessions: () => {
      const listing = spawnSync('tmux', ['list-sessions', '-F', '#{session_name}'], {
        env: { ...process.env, TMUX_TMPDIR: folder, TMUX: '' },
        encoding: 'utf8',
      });
      return listing.status === 0 ? listing.stdout.split('\n').filter(Boolean) : [];
    },
  };
}

function toolsFolder(folder: string): string {
  const bin = join(folder, 'bin');
  mkdirSync(bin);
  for (const tool of TOOLS_WITHOUT_TMUX) symlinkSync(findExecutable(tool)!, join(bin, tool));
  return bin;
}

/** A uvu test in its own folder and project, torn down whatever happens. */
export function farmTest(name: string, options: { tmux: boolean }, body: (farm: TestFarm) => Promise<void>): void {
  test(
    name,
    inFolder(async (folder) => {
      const farm = testFarm(folder, options);
      try {
        await body(farm);
      } finally {
        await tearDown(farm);
      }
    }),
  );
}

/** Ends everything the test started, even when it failed half-way: af stop, the tmux server, any process still working in the folder. */
export async function tearDown(farm: TestFarm): Promise<void> {
  await farm.af(['stop']);
  spawnSync('tmux', ['kill-server'], { env: { ...process.env, TMUX_TMPDIR: farm.folder, TMUX: '' } });
  for (const pid of processesWorkingIn(farm.folder)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** Processes whose current folder is inside `folder` (Linux; elsewhere none are found). */
function processesWorkingIn(folder: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
  return entries.map(Number).filter((pid) => {
    try {
      return pid !== process.pid && readlinkSync(`/proc/${pid}/cwd`).startsWith(folder) && isProcessAlive(pid);
    } catch {
      return false;
    }
  });
}

/** A pid that belonged to a process that has ended. */
export function deadPid(): number {
  return spawnSync('true').pid!;
}
