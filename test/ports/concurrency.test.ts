// Many real processes on one global.db, released at the same moment: no block
// handed out twice, no gaps, ports.json imported exactly once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PortRegistry } from '../../lib/ports/registry.js';
import { finished, inFolder, startScript, waitForLine, type Finished } from '../helpers/processes.js';
import { sqliteShell } from '../helpers/sqlite-shell.js';

/** Starts one worker per argument list, waits until all are ready, releases them together. */
async function runTogether(globalDir: string, argLists: string[][]): Promise<Finished[]> {
  // AF_BASE_PORT empty: the default base, whatever the test runner's environment says.
  const children = argLists.map((args) =>
    startScript('test/helpers/port-worker.ts', args, { AF_GLOBAL_DIR: globalDir, AF_BASE_PORT: '' }),
  );
  const runs = children.map(finished);
  try {
    await Promise.all(children.map((child) => waitForLine(child, 'ready')));
  } catch (error) {
    // One failed before "ready": the others would wait for their go line forever.
    for (const child of children) child.kill();
    const failed = (await Promise.all(runs)).find((run) => run.code !== null && run.code !== 0);
    throw new Error(`a worker failed before it was ready: ${failed?.stderr ?? error}`);
  }
  for (const child of children) child.stdin!.end('go\n');
  const results = await Promise.all(runs);
  for (const result of results) assert.is(result.code, 0, result.stderr);
  return results;
}

/** "<project> <port>" lines printed by the workers. */
function printedBlocks(runs: Finished[]): Map<string, number> {
  const lines = runs.flatMap((run) => run.stdout.split('\n').filter((line) => line.startsWith('/')));
  return new Map(
    lines.map((line) => {
      const [project, port] = line.split(' ');
      return [project!, Number(port)];
    }),
  );
}

function storedBlocks(dbPath: string): Map<string, number> {
  const rows = sqliteShell(dbPath, 'SELECT project_path, base_port FROM port_allocations').split('\n');
  return new Map(
    rows.map((row) => {
      const [project, port] = row.split('|');
      return [project!, Number(port)];
    }),
  );
}

/** The first `count` blocks from 4200, skipping 5000: what lowest-free allocation must have handed out. */
function lowestBlocks(count: number): number[] {
  return Array.from({ length: count + 1 }, (_, i) => 4200 + i * 100)
    .filter((port) => port !== 5000)
    .slice(0, count);
}

/**
 * Creates global.db before the workers start, so their opens only read and the race
 * is the allocation itself. (20 first opens at once on a small machine are CPU-starved
 * and can outlast the default busy timeout while migrating.)
 */
async function createRegistry(folder: string): Promise<void> {
  await (await PortRegistry.open(join(folder, 'global.db'))).close();
}

const ascending = (ports: Iterable<number>) => [...ports].sort((a, b) => a - b);

test(
  '20 processes asking at once for 20 projects get 20 distinct blocks, the lowest 20',
  inFolder(async (folder) => {
    const projects = Array.from({ length: 20 }, (_, i) => `/projects/solo-${i}`);
    await createRegistry(folder);
    const runs = await runTogether(
      folder,
      projects.map((project) => ['allocate', project]),
    );
    const printed = printedBlocks(runs);
    const stored = storedBlocks(join(folder, 'global.db'));
    assert.is(printed.size, 20);
    assert.equal(stored, printed, 'every process was told the block the database holds for it');
    assert.equal(ascending(stored.values()), lowestBlocks(20));
    assert.is(sqliteShell(join(folder, 'global.db'), 'PRAGMA integrity_check'), 'ok');
  }),
);

test(
  '6 processes allocating 8 projects each, plus one project they all share, hand out no block twice',
  inFolder(async (folder) => {
    const argLists = Array.from({ length: 6 }, (_, worker) => [
      'allocate',
      ...Array.from({ length: 8 }, (_, i) => `/projects/w${worker}-${i}`),
      '/projects/shared',
    ]);
    await createRegistry(folder);
    const runs = await runTogether(folder, argLists);
    const stored = storedBlocks(join(folder, 'global.db'));
    assert.is(stored.size, 49);
    assert.equal(ascending(stored.values()), lowestBlocks(49), 'distinct, and no gaps');
    const sharedAnswers = runs.map((run) => printedBlocks([run]).get('/projects/shared'));
    assert.equal(
      sharedAnswers,
      Array(6).fill(stored.get('/projects/shared')),
      'the shared project got one block, the same for all',
    );
    assert.equal(printedBlocks(runs), stored);
  }),
);

test(
  'a parallel first open by 8 processes imports ports.json exactly once',
  inFolder(async (folder) => {
    const entries = Object.fromEntries(
      Array.from({ length: 5 }, (_, i) => [
        `/home/user/p${i}`,
        { basePort: 4200 + i * 100, registered: '2024-05-01T10:00:00Z' },
      ]),
    );
    writeFileSync(join(folder, 'ports.json'), JSON.stringify({ version: 1, entries }));
    const runs = await runTogether(
      folder,
      Array.from({ length: 8 }, () => ['open']),
    );
    for (const run of runs) assert.is(run.stdout.trim().split('\n').at(-1), 'opened');
    const dbPath = join(folder, 'global.db');
    assert.is(sqliteShell(dbPath, 'SELECT count(*) FROM port_allocations'), '5');
    assert.is(sqliteShell(dbPath, 'SELECT count(*) FROM _migrations'), '1');
    assert.not.ok(existsSync(join(folder, 'ports.json')));
    assert.equal(
      readdirSync(folder).filter((name) => name.startsWith('ports.json')),
      ['ports.json.bak'],
      'one backup, made once',
    );
  }),
);

test.run();
