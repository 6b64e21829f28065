// `af db query` cannot run away: signals end it at once, limits on time, rows and
// bytes stop it with a typed error naming the option, rows stream out and memory
// stays bounded. Through the built bin, in real child processes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { SharedDatabase } from '../../lib/engine/database.js';
import { afEnvironment, AF_BIN, runAf } from '../helpers/af.js';
import { finished, inFolder, type Finished } from '../helpers/processes.js';
import { peakRss, readProject, sha256 } from '../helpers/read-project.js';

const COUNTER = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c)';
/** Prints its first row at once, then counts for ever without printing another. */
const SILENT_RUNAWAY = `${COUNTER} SELECT x FROM c WHERE x = 1`;

function startAf(args: string[], cwd: string): { child: ChildProcess; done: Promise<Finished> } {
  const child = spawn(process.execPath, [AF_BIN, ...args], {
    cwd,
    env: afEnvironment({ cwd }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { child, done: finished(child) };
}

/** Resolves once af printed something; fails (and kills it) when it prints nothing for 20 s. */
function firstOutput(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('af printed nothing within 20 s'));
    }, 20_000);
    child.stdout!.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('close', (code) => reject(new Error(`af ended (${code}) before printing anything`)));
  });
}

for (const [signal, status] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  test(
    `${signal} ends a runaway recursive query within a second, exit ${status}, the file untouched`,
    inFolder(async (folder) => {
      const { cwd, dbPath } = await readProject(folder);
      const before = sha256(dbPath);
      const { child, done } = startAf(['db', 'query', '--timeout', '0', SILENT_RUNAWAY], cwd);
      await firstOutput(child); // the query runs: its first row is out, the rest never comes
      await new Promise((resolve) => setTimeout(resolve, 300));
      const sent = Date.now();
      child.kill(signal);
      const run = await done;
      const took = Date.now() - sent;
      assert.ok(took < 2500, `${signal} took ${took} ms to end the query`);
      assert.is(run.code, status, run.stderr);
      assert.match(run.stderr, `interrupted by ${signal}`);
      assert.match(run.stderr, 'E_INTERRUPTED');
      assert.not.match(run.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(JSON.parse(run.stdout), [{ x: 1 }], 'the rows printed before stay a JSON array');
      assert.is(sha256(dbPath), before);
    }),
  );
}

test(
  'the time limit stops a query that prints nothing, naming --timeout',
  inFolder(async (folder) => {
    const { cwd, dbPath } = await readProject(folder);
    const before = sha256(dbPath);
    const started = Date.now();
    const run = await runAf(['db', 'query', '--timeout', '300', `${COUNTER} SELECT count(*) FROM c`], { cwd });
    assert.ok(Date.now() - started < 8000, 'stopped long before its end');
    assert.is(run.code, 1, run.stderr);
    assert.match(run.stderr, 'time limit of 300 ms');
    assert.match(run.stderr, '--timeout');
    assert.match(run.stderr, 'E_QUERY_LIMIT');
    assert.is(run.stdout, '');
    assert.is(sha256(dbPath), before);
  }),
);

test(
  'row limits: the default 10 000 and --max-rows stop after that many rows, printed as a JSON array',
  inFolder(async (folder) => {
    const { cwd } = await readProject(folder);
    const limited = await runAf(['db', 'query', '--max-rows', '5', `${COUNTER} SELECT x FROM c`], { cwd });
    assert.is(limited.code, 1);
    assert.equal(
      JSON.parse(limited.stdout),
      [1, 2, 3, 4, 5].map((x) => ({ x })),
    );
    assert.match(limited.stderr, 'output limit of 5 rows');
    assert.match(limited.stderr, '--max-rows');
    assert.match(limited.stderr, 'E_QUERY_LIMIT');
    const byDefault = await runAf(['db', 'query', `${COUNTER} SELECT x FROM c`], { cwd });
    assert.is(byDefault.code, 1);
    assert.is(JSON.parse(byDefault.stdout).length, 10_000);
    assert.match(byDefault.stderr, 'output limit of 10000 rows');
    // Exactly at the limit is not over it.
    const exact = await runAf(['db', 'query', '--max-rows', '3', `${COUNTER} SELECT x FROM c LIMIT 3`], { cwd });
    assert.is(exact.code, 0, exact.stderr);
    assert.is(JSON.parse(exact.stdout).length, 3);
  }),
);

test(
  '--max-bytes stops before the output would pass it; 0 lifts every limit',
  inFolder(async (folder) => {
    const { cwd } = await readProject(folder);
    const run = await runAf(['db', 'query', '--max-bytes', '200', `${COUNTER} SELECT x FROM c`], { cwd });
    assert.is(run.code, 1);
    assert.ok(Buffer.byteLength(run.stdout) <= 200, `${Buffer.byteLength(run.stdout)} bytes printed`);
    assert.ok(JSON.parse(run.stdout).length > 3);
    assert.match(run.stderr, 'output limit of 200 bytes');
    assert.match(run.stderr, '--max-bytes');
    const unlimited = await runAf(
      [
        'db',
        'query',
        '--max-rows',
        '0',
        '--max-bytes',
        '0',
        '--timeout',
        '0',
        `${COUNTER} SELECT x FROM c LIMIT 25000`,
      ],
      { cwd },
    );
    assert.is(unlimited.code, 0, unlimited.stderr);
    const rows = JSON.parse(unlimited.stdout) as Array<{ x: number }>;
    assert.is(rows.length, 25_000);
    assert.is(rows[24_999]!.x, 25_000);
    for (const value of ['--max-rows=-1', '--max-rows=abc', '--timeout=1.5']) {
      const invalid = await runAf(['db', 'query', value, 'SELECT 1'], { cwd });
      assert.is(invalid.code, 1, value);
      assert.match(invalid.stderr, /takes a whole number from 0 \(no limit\) up.*E_INVALID_INPUT/);
    }
  }),
);

test(
  'memory stays bounded while a query streams far more rows than it could hold',
  inFolder(async (folder) => {
    const { cwd } = await readProject(folder);
    // About 78 MB of JSON: collected as rows and then as one string, it would take several times that.
    const { child, done } = startAf(
      [
        'db',
        'query',
        '--max-rows',
        '0',
        '--max-bytes',
        '0',
        '--timeout',
        '0',
        `${COUNTER} SELECT x, 'some text to make every row longer' AS padding FROM c LIMIT 1000000`,
      ],
      cwd,
    );
    let bytes = 0;
    let peak = 0;
    let tail = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      tail = (tail + chunk.toString()).slice(-200);
    });
    const poll = setInterval(() => {
      peak = Math.max(peak, peakRss(child.pid!) ?? 0);
    }, 50);
    const run = await done;
    clearInterval(poll);
    assert.is(run.code, 0, run.stderr);
    assert.ok(bytes > 70_000_000, `${bytes} bytes streamed`);
    assert.match(tail, /"x": 1000000,\n\s+"padding": "some text to make every row longer"\n {2}}\n]\n$/);
    assert.ok(peak > 0 && peak < 200 * 1024 * 1024, `peak RSS ${Math.round(peak / 1048576)} MB`);
  }),
);

test(
  'a sort too big for the memory a query may use fails with a typed error, not an abort',
  inFolder(async (folder) => {
    const { cwd } = await readProject(folder);
    const run = await runAf(
      [
        'db',
        'query',
        '--timeout',
        '60000',
        `${COUNTER} SELECT count(*) FROM (SELECT x, randomblob(200) FROM c ORDER BY random())`,
      ],
      { cwd },
    );
    assert.is(run.code, 1, run.stderr);
    assert.match(run.stderr, 'more memory than a query may use');
    assert.match(run.stderr, 'E_QUERY_LIMIT');
  }),
);

test(
  'af db query --help names the limits, their defaults and the -- separator',
  inFolder(async (folder) => {
    const { cwd } = await readProject(folder);
    const run = await runAf(['db', 'query', '--help'], { cwd });
    assert.is(run.code, 0);
    for (const text of [
      '--timeout <ms>',
      '(default 10000)',
      '--max-rows <n>',
      '--max-bytes <n>',
      '(default 16777216)',
      '0 for no limit',
      'af db query -- ',
    ])
      assert.match(run.stdout, text);
  }),
);

test(
  'the library: query() returns the rows; query(sql, onRow) streams them, and a throw in onRow stops it',
  inFolder(async (folder) => {
    const { dbPath } = await readProject(folder, 50);
    const database = await SharedDatabase.open(dbPath);
    try {
      assert.equal(await database.query('SELECT count(*) AS n FROM builders'), [{ n: 50 }]);
      const seen: unknown[] = [];
      await database.query('SELECT id FROM builders ORDER BY id LIMIT 3', (row) => seen.push(row.id));
      assert.equal(seen, ['b-00000', 'b-00001', 'b-00002']);
      let count = 0;
      const stop = new Error('enough');
      try {
        await database.query(`${COUNTER} SELECT x FROM c`, () => {
          if (++count === 1000) throw stop;
        });
        assert.unreachable('a runaway ended');
      } catch (error) {
        assert.is(error, stop);
      }
      assert.is(count, 1000);
      assert.equal(await database.query('SELECT 1 AS one'), [{ one: 1 }], 'usable after a stopped query');
    } finally {
      await database.close();
    }
  }),
);

test.run();
