// `af db`, `af ports` and the program itself, driven through the built bin.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PortRegistry } from '../../lib/ports/registry.js';
import { StateStore } from '../../lib/state/store.js';
import { runAf } from '../helpers/af.js';
import { finished, inFolder, startScript } from '../helpers/processes.js';

/** A project folder with a little state, and a registry holding its block and one more. */
async function project(folder: string): Promise<{ cwd: string; dbPath: string; globalPath: string }> {
  const cwd = join(folder, 'project');
  mkdirSync(join(cwd, 'codev'), { recursive: true });
  const dbPath = join(cwd, '.agent-farm', 'state.db');
  const store = await StateStore.open(dbPath);
  await store.setArchitect({ port: 4201, pid: 1, cmd: 'claude' });
  await store.upsertBuilder({
    id: '0001',
    name: 'one',
    port: 4210,
    pid: 2,
    status: 'blocked',
    phase: '',
    worktree: '/w',
    branch: 'b',
    type: 'spec',
  });
  await store.addUtil({ id: 'u1', name: 'shell', port: 4230, pid: 3 });
  await store.close();
  const globalPath = join(folder, 'home', '.agent-farm', 'global.db');
  const registry = await PortRegistry.open(globalPath);
  await registry.getPortBlock(join(folder, 'elsewhere'));
  await registry.close();
  return { cwd, dbPath, globalPath };
}

const parse = (stdout: string) => JSON.parse(stdout) as Record<string, Array<Record<string, unknown>>>;

test(
  'af db dump prints every table but _migrations as one JSON object of arrays',
  inFolder(async (folder) => {
    const { cwd } = await project(folder);
    const run = await runAf(['db', 'dump'], { cwd });
    assert.is(run.code, 0, run.stderr);
    const dump = parse(run.stdout);
    assert.equal(Object.keys(dump), ['architect', 'builders', 'utils', 'annotations', 'builder_instructions']);
    assert.equal(
      dump.builders!.map((row) => [row.id, row.status, row.port]),
      [['0001', 'blocked', 4210]],
    );
    assert.equal(dump.annotations, []);
    const global = await runAf(['db', 'dump', '--global'], { cwd });
    assert.equal(Object.keys(parse(global.stdout)), ['port_allocations']);
    assert.is(parse(global.stdout).port_allocations!.length, 1);
  }),
);

test(
  'af db query runs any read and prints rows as JSON',
  inFolder(async (folder) => {
    const { cwd } = await project(folder);
    const cases: Array<[string, (rows: Array<Record<string, unknown>>) => void]> = [
      [
        "SELECT id, port FROM builders WHERE status = 'blocked'",
        (rows) => assert.equal(rows, [{ id: '0001', port: 4210 }]),
      ],
      [
        'WITH ports AS (SELECT port FROM builders UNION ALL SELECT port FROM utils) SELECT count(*) AS n FROM ports',
        (rows) => assert.equal(rows, [{ n: 2 }]),
      ],
      ['PRAGMA table_info(builders)', (rows) => assert.is(rows[4]!.name, 'status')],
      ['EXPLAIN SELECT * FROM utils', (rows) => assert.ok(rows.some((row) => row.opcode === 'OpenRead'))],
    ];
    for (const [sql, check] of cases) {
      const run = await runAf(['db', 'query', sql], { cwd });
      assert.is(run.code, 0, `${sql}: ${run.stderr}`);
      check(JSON.parse(run.stdout));
    }
  }),
);

test(
  'af db query refuses anything that would change the database, and the file stays byte-identical',
  inFolder(async (folder) => {
    const { cwd, dbPath } = await project(folder);
    const before = readFileSync(dbPath);
    const { ino, mtimeMs } = statSync(dbPath);
    for (const sql of [
      "INSERT INTO utils (id, name, port, pid) VALUES ('u2', 'x', 4231, 1)",
      'DELETE FROM builders',
      'SELECT 1; DELETE FROM builders',
      'DROP TABLE builders',
      "ATTACH DATABASE 'other.db' AS other",
      'PRAGMA user_version = 9',
      'PRAGMA journal_mode = WAL',
      'PRAGMA query_only = 0',
      'CREATE TABLE extra (x)',
    ]) {
      const run = await runAf(['db', 'query', sql], { cwd });
      assert.is.not(run.code, 0, `${sql} was refused`);
      assert.match(run.stderr, /refused|read-only/, sql);
      assert.is(run.stdout, '', 'no rows printed');
    }
    assert.ok(readFileSync(dbPath).equals(before), 'byte-identical');
    assert.equal([statSync(dbPath).ino, statSync(dbPath).mtimeMs], [ino, mtimeMs], 'never republished');
    assert.not.ok(existsSync(join(cwd, 'other.db')));
  }),
);

test(
  'af db reset deletes nothing without a terminal or --force; with --force it deletes the file, lock and side files',
  inFolder(async (folder) => {
    const { cwd, dbPath } = await project(folder);
    const refused = await runAf(['db', 'reset'], { cwd });
    assert.is.not(refused.code, 0);
    assert.match(refused.stderr, /--force/);
    assert.ok(existsSync(dbPath), 'still there');
    writeFileSync(`${dbPath}-wal`, '');
    writeFileSync(`${dbPath}-shm`, '');
    const forced = await runAf(['db', 'reset', '--force'], { cwd });
    assert.is(forced.code, 0, forced.stderr);
    for (const path of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`, `${dbPath}.lock`])
      assert.not.ok(existsSync(path), `${path} deleted`);
    const again = await runAf(['db', 'reset', '--force'], { cwd });
    assert.is(again.code, 0);
    assert.match(again.stderr, /nothing to delete/);
  }),
);

test(
  'af db stats reports the file, schema version, row counts, pages and the lock state',
  inFolder(async (folder) => {
    const { cwd, dbPath } = await project(folder);
    const stats = async () => {
      const run = await runAf(['db', 'stats', '--json'], { cwd });
      assert.is(run.code, 0, run.stderr);
      return JSON.parse(run.stdout);
    };
    const free = await stats();
    assert.is(free.path, dbPath);
    assert.is(free.schemaVersion, 2);
    assert.equal(free.tables, { architect: 1, builders: 1, utils: 1, annotations: 0, builder_instructions: 0 });
    assert.is(free.pageSize * free.pageCount, free.sizeBytes);
    assert.is(free.logBytes, 0, 'every writer closed, so its log was copied in and removed');
    assert.is(free.lock.state, 'free');
    mkdirSync(`${dbPath}.lock`);
    assert.is((await stats()).lock.state, 'held');
    utimesSync(`${dbPath}.lock`, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    assert.is((await stats()).lock.state, 'stale');
    const human = await runAf(['db', 'stats'], { cwd });
    assert.match(human.stdout, /schema version\s+2/);
    assert.not.ok(human.stdout.includes('\u001b['), 'no colour when not on a terminal');
  }),
);

test(
  'af ports list allocates nothing; remove and cleanup free blocks',
  inFolder(async (folder) => {
    const { cwd, globalPath } = await project(folder);
    const before = readFileSync(globalPath);
    const list = await runAf(['ports', 'list', '--json'], { cwd });
    assert.is(list.code, 0, list.stderr);
    assert.equal(
      JSON.parse(list.stdout).map((entry: { path: string }) => entry.path),
      [join(folder, 'elsewhere')],
      'the current project got no block',
    );
    assert.ok(readFileSync(globalPath).equals(before), 'global.db is byte-identical');

    // The pid is the command that last asked for the block, which ends while its farm runs on.
    const asked = join(folder, 'asked');
    const asker = startScript('test/helpers/port-worker.ts', ['allocate', asked], {
      AF_GLOBAL_DIR: join(folder, 'home', '.agent-farm'),
      AF_BASE_PORT: '',
    });
    asker.stdin!.end();
    assert.is((await finished(asker)).code, 0);
    const human = (await runAf(['ports', 'list'], { cwd })).stdout.split('\n');
    assert.match(human[0]!, /^base +project +last used +last asked by$/);
    const row = (path: string) => human.find((line) => line.includes(path)) ?? '';
    assert.match(row(asked), new RegExp(` pid ${asker.pid} \\(ended\\)$`));
    assert.match(row(join(folder, 'elsewhere')), new RegExp(` pid ${process.pid} \\(running\\)$`));
    assert.equal(
      JSON.parse((await runAf(['ports', 'list', '--json'], { cwd })).stdout)
        .filter((entry: { path: string }) => entry.path === asked)
        .map(({ pid, pidAlive }: { pid: number; pidAlive: boolean }) => ({ pid, pidAlive })),
      [{ pid: asker.pid, pidAlive: false }],
      '--json keeps its fields',
    );
    const cleanup = await runAf(['ports', 'cleanup', '--json'], { cwd });
    assert.equal(
      JSON.parse(cleanup.stdout),
      { removed: [join(folder, 'elsewhere'), asked], remaining: 0 },
      'the folder does not exist',
    );
    const missing = await runAf(['ports', 'remove', join(folder, 'elsewhere')], { cwd });
    assert.is(missing.code, 1);
    assert.is(
      missing.stderr,
      `af: error: no port block is allocated to ${join(folder, 'elsewhere')}; "af ports list" lists the allocated ones. (E_PORT_BLOCK_NOT_FOUND)\n`,
    );
  }),
);

test(
  'the program: --version, --help with examples, unknown commands and bad files fail clearly',
  inFolder(async (folder) => {
    const cwd = join(folder, 'project');
    mkdirSync(join(cwd, '.agent-farm'), { recursive: true });
    const version = await runAf(['--version'], { cwd });
    assert.match(version.stdout, JSON.parse(readFileSync('package.json', 'utf8')).version);
    const help = await runAf(['db', 'query', '--help'], { cwd });
    assert.is(help.code, 0);
    assert.match(help.stdout, /Examples:/);
    const unknown = await runAf(['frobnicate'], { cwd });
    assert.is.not(unknown.code, 0);
    assert.match(unknown.stderr, /unknown command/);
    writeFileSync(
      join(cwd, '.agent-farm', 'state.db'),
      'not a database at all, just text that is long enough to be a header',
    );
    const corrupt = await runAf(['db', 'dump'], { cwd });
    assert.is.not(corrupt.code, 0);
    assert.match(corrupt.stderr, /state\.db is not an SQLite database.*E_NOT_SQLITE/);
  }),
);

test.run();
