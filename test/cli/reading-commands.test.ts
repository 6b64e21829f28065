// Reading commands create nothing in a fresh project, and end quietly when the
// reader of their output goes away (`af status | head -1`), as git does.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { afEnvironment, AF_BIN, runAf } from '../helpers/af.js';
import { inFolder, type Finished } from '../helpers/processes.js';
import { listTree, readProject } from '../helpers/read-project.js';

const READS: string[][] = [
  ['status'],
  ['status', '--json'],
  ['db', 'dump'],
  ['db', 'dump', '--global'],
  ['db', 'query', 'SELECT 1'],
  ['db', 'query', '--global', 'SELECT 1'],
  ['db', 'stats'],
  ['db', 'stats', '--global', '--json'],
  ['ports', 'list'],
  ['ports', 'list', '--json'],
];

test(
  'in a fresh project, the reading commands print the empty state and create no file or folder',
  inFolder(async (folder) => {
    const cwd = join(folder, 'project');
    mkdirSync(join(cwd, 'codev'), { recursive: true });
    mkdirSync(join(folder, 'home'));
    const before = listTree(folder);
    const runs = new Map<string, Finished>();
    for (const args of READS) {
      runs.set(args.join(' '), await runAf(args, { cwd }));
      assert.equal(listTree(folder), before, `af ${args.join(' ')} created nothing`);
    }
    const run = (args: string) => runs.get(args)!;
    assert.is(run('status').code, 0, run('status').stderr);
    assert.match(run('status').stdout, /architect\s+not running/);
    assert.match(run('status').stdout, /builders\s+none/);
    assert.equal(JSON.parse(run('status --json').stdout), {
      project: cwd,
      basePort: null,
      architect: null,
      builders: [],
      utils: [],
      annotations: [],
      dashboard: null,
    });
    assert.is(run('db dump').code, 0);
    assert.equal(JSON.parse(run('db dump').stdout), {
      architect: [],
      builders: [],
      utils: [],
      annotations: [],
      builder_instructions: [],
    });
    assert.match(run('db dump').stderr, 'no database yet');
    assert.equal(JSON.parse(run('db dump --global').stdout), { port_allocations: [] });
    for (const args of ['db query SELECT 1', 'db query --global SELECT 1', 'db stats', 'db stats --global --json']) {
      assert.is(run(args).code, 1, args);
      assert.match(
        run(args).stderr,
        /there is no database yet at .*(state|global)\.db \(nothing was created\).*E_NO_DATABASE/,
        args,
      );
      assert.is(run(args).stdout, '', args);
    }
    assert.is(run('ports list').code, 0);
    assert.match(run('ports list').stdout, 'no port blocks allocated');
    assert.equal(JSON.parse(run('ports list --json').stdout), []);
  }),
);

test(
  'a project with state but no registry: af status reads the state and creates no global.db',
  inFolder(async (folder) => {
    const { cwd } = await readProject(folder);
    const before = listTree(folder);
    const run = await runAf(['status', '--json'], { cwd });
    assert.is(run.code, 0, run.stderr);
    assert.is(JSON.parse(run.stdout).builders.length, 3);
    assert.is(JSON.parse(run.stdout).basePort, null);
    assert.equal(listTree(folder), before);
  }),
);

test(
  'output that cannot be written (a full disk): a typed error on stderr and exit 1, no stack trace',
  inFolder(async (folder) => {
    const { cwd } = await readProject(folder);
    for (const args of [['status'], ['db', 'dump'], ['db', 'query', 'SELECT 1']]) {
      const run = await new Promise<Finished>((resolve) => {
        const full = openSync('/dev/full', 'w');
        const child = spawn(process.execPath, [AF_BIN, ...args], {
          cwd,
          env: afEnvironment({ cwd }),
          stdio: ['ignore', full, 'pipe'],
        });
        closeSync(full);
        let stderr = '';
        child.stderr!.on('data', (chunk) => {
          stderr += chunk;
        });
        child.on('close', (code, signal) => resolve({ code, signal, stdout: '', stderr }));
      });
      assert.is(run.code, 1, `af ${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, 'E_NO_SPACE');
      assert.not.match(run.stderr, /\n\s+at /, 'no stack trace');
    }
  }),
);

/** Runs af with its stdout on a real pipe whose reader closes it after the first chunk. */
function runIntoClosingReader(args: string[], cwd: string): Promise<Finished & { read: number }> {
  const child = spawn(process.execPath, [AF_BIN, ...args], {
    cwd,
    env: afEnvironment({ cwd }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let read = 0;
  let stderr = '';
  child.stdout.once('data', (chunk: Buffer) => {
    read = chunk.length;
    child.stdout.destroy(); // as `head -1` does once it has its line
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout: '', stderr, read })),
  );
}

test(
  'a reader that closes early ends af status, af db dump and a streaming af db query quietly with exit 0',
  inFolder(async (folder) => {
    const { cwd } = await readProject(folder, 2000);
    const cases = [
      ['status'],
      ['status', '--json'],
      ['db', 'dump'],
      // Rows without end and without limits: only the closed pipe stops it.
      [
        'db',
        'query',
        '--max-rows',
        '0',
        '--max-bytes',
        '0',
        '--timeout',
        '0',
        'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x FROM c',
      ],
      ['db', 'query', 'SELECT * FROM builders'],
    ];
    for (const args of cases) {
      const started = Date.now();
      const run = await runIntoClosingReader(args, cwd);
      assert.ok(run.read > 0, `${args.join(' ')} printed`);
      assert.is(run.signal, null, args.join(' '));
      assert.is(run.code, 0, `af ${args.join(' ')}: ${run.stderr}`);
      assert.is(run.stderr, '', `af ${args.join(' ')} said nothing on stderr`);
      assert.ok(Date.now() - started < 20_000, `af ${args.join(' ')} ended`);
    }
  }),
);

test.run();
