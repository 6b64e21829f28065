// The reads a user reaches for with `af db query`: SQLite's checks, the temp
// schema, SQL that starts with a comment. They run and never write (the file stays
// byte-identical); on a damaged file the checks report what SQLite reports.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { runAf } from '../helpers/af.js';
import { inFolder } from '../helpers/processes.js';
import { readProject, sha256 } from '../helpers/read-project.js';
import { sqliteShell } from '../helpers/sqlite-shell.js';

type Rows = Array<Record<string, unknown>>;

test(
  'checks and the temp schema run, and the file stays byte-identical',
  inFolder(async (folder) => {
    const { cwd, dbPath } = await readProject(folder);
    const before = sha256(dbPath);
    const cases: Array<[string, Rows]> = [
      ['PRAGMA integrity_check', [{ integrity_check: 'ok' }]],
      ['PRAGMA quick_check', [{ quick_check: 'ok' }]],
      ['PRAGMA integrity_check(builders)', [{ integrity_check: 'ok' }]],
      ['PRAGMA main.quick_check(5)', [{ quick_check: 'ok' }]],
      ['SELECT * FROM pragma_quick_check()', [{ quick_check: 'ok' }]],
      ['SELECT * FROM pragma_integrity_check', [{ integrity_check: 'ok' }]],
      ['SELECT * FROM temp.sqlite_master', []],
      ['PRAGMA foreign_key_check', []],
    ];
    for (const [sql, expected] of cases) {
      const run = await runAf(['db', 'query', sql], { cwd });
      assert.is(run.code, 0, `${sql}: ${run.stderr}`);
      assert.equal(JSON.parse(run.stdout), expected, sql);
      assert.is(sha256(dbPath), before, `${sql} left the file as it was`);
    }
  }),
);

test(
  'ATTACH, a second statement and a changed setting stay refused',
  inFolder(async (folder) => {
    const { cwd, dbPath } = await readProject(folder);
    const before = sha256(dbPath);
    const cases: Array<[string, string]> = [
      [`ATTACH '${folder}/other.db' AS other`, 'the attached databases'],
      ["ATTACH ':memory:' AS other", 'the attached databases'],
      ['SELECT 1; SELECT 2', 'only one statement'],
      ['PRAGMA cache_size = 7', 'a connection setting'],
      ['PRAGMA query_only = 0', 'the read-only setting'],
      ["UPDATE builders SET status = 'complete'", 'would write'],
      ['CREATE TEMP TABLE t (x)', 'would write'],
    ];
    for (const [sql, reason] of cases) {
      const run = await runAf(['db', 'query', sql], { cwd });
      assert.is(run.code, 1, sql);
      assert.match(run.stderr, reason, sql);
      assert.match(run.stderr, 'E_READ_ONLY', sql);
      assert.is(run.stdout, '', `${sql}: nothing on stdout`);
      assert.is(sha256(dbPath), before, sql);
    }
  }),
);

test(
  'SQL that starts with a -- comment is given after the -- separator',
  inFolder(async (folder) => {
    const { cwd } = await readProject(folder);
    const run = await runAf(['db', 'query', '--', '-- how many builders?\nSELECT count(*) AS n FROM builders'], {
      cwd,
    });
    assert.is(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout), [{ n: 3 }]);
    const withOption = await runAf(
      ['db', 'query', '--max-rows', '1', '--', '-- two rows\nSELECT 1 AS x UNION ALL SELECT 2'],
      { cwd },
    );
    assert.is(withOption.code, 1);
    assert.equal(JSON.parse(withOption.stdout), [{ x: 1 }]);
    const both = await runAf(['db', 'query', 'SELECT 1', '--', 'SELECT 2'], { cwd });
    assert.is(both.code, 1);
    assert.match(both.stderr, 'give the SQL once');
    const none = await runAf(['db', 'query'], { cwd });
    assert.is(none.code, 1);
    assert.match(none.stderr, 'no SQL given');
  }),
);

test(
  'an empty query says so once, clearly',
  inFolder(async (folder) => {
    const { cwd } = await readProject(folder);
    for (const sql of ['', '   ', '-- only a comment']) {
      const run = await runAf(['db', 'query', '--', sql], { cwd });
      assert.is(run.code, 1, JSON.stringify(sql));
      assert.match(run.stderr, 'the query is empty');
      assert.ok((run.stderr.match(/refused/g) ?? []).length <= 1, run.stderr);
      assert.match(run.stderr, 'E_INVALID_INPUT');
    }
  }),
);

/** Damages a leaf page of the builders table (not the header): a cell pointer out of range, bytes flipped. */
function damageBuildersLeaf(dbPath: string): number {
  const pageSize = Number(sqliteShell(dbPath, 'PRAGMA page_size'));
  const root = Number(sqliteShell(dbPath, "SELECT rootpage FROM sqlite_master WHERE name = 'builders'"));
  const fd = openSync(dbPath, 'r+');
  try {
    const page = (number: number) => {
      const bytes = Buffer.alloc(pageSize);
      readSync(fd, bytes, 0, pageSize, (number - 1) * pageSize);
      return bytes;
    };
    const rootPage = page(root);
    assert.is(rootPage[0], 0x05, 'the builders root is an interior page: the table spans several');
    // The first cell of an interior table page starts with its child's page number.
    const leaf = rootPage.readUInt32BE(rootPage.readUInt16BE(12));
    assert.is(page(leaf)[0], 0x0d, 'a leaf table page');
    const at = (leaf - 1) * pageSize;
    writeSync(fd, Buffer.from([0xff, 0xf0]), 0, 2, at + 10); // the second cell's pointer
    const flipped = page(leaf)
      .subarray(700, 708)
      .map((byte) => byte ^ 0xff);
    writeSync(fd, flipped, 0, flipped.length, at + 700);
    return leaf;
  } finally {
    closeSync(fd);
  }
}

/** SQLite's report without what differs between versions ("On tree page 7" / "Tree 4 page 7"). */
function problems(report: string): string[] {
  return report
    .split('\n')
    .filter((line) => !line.startsWith('***') && !line.startsWith('Error:'))
    .map((line) => line.replace(/^(?:On tree|Tree \d+) page/, 'page').trim())
    .filter(Boolean);
}

/** The shell's report; it exits non-zero, with "Error: stepping … malformed" on stderr, after a check that found damage. */
function shellReport(dbPath: string, sql: string): string {
  return spawnSync('sqlite3', [dbPath, sql], { encoding: 'utf8' }).stdout.trim();
}

test(
  'on a damaged file, the checks report what SQLite reports, and the file stays as it was',
  inFolder(async (folder) => {
    const { cwd, dbPath } = await readProject(folder, 400);
    const leaf = damageBuildersLeaf(dbPath);
    const before = sha256(dbPath);
    for (const [sql, column] of [
      ['PRAGMA integrity_check', 'integrity_check'],
      ['PRAGMA quick_check', 'quick_check'],
      ['SELECT * FROM pragma_quick_check()', 'quick_check'],
      ['PRAGMA integrity_check(builders)', 'integrity_check'],
    ] as const) {
      const expected = problems(shellReport(dbPath, sql));
      assert.ok(
        expected.some((line) => line.includes(`page ${leaf} cell 1`)),
        `the shell sees the damage: ${expected.join(' | ')}`,
      );
      const run = await runAf(['db', 'query', sql], { cwd });
      assert.is(run.code, 0, `${sql}: ${run.stderr}`);
      const rows = JSON.parse(run.stdout) as Rows;
      assert.equal(problems(rows.map((row) => String(row[column])).join('\n')), expected, sql);
      assert.is(sha256(dbPath), before, sql);
    }
    // A plain read that meets the damage fails as damaged, with the rows before it printed.
    const read = await runAf(['db', 'query', 'SELECT * FROM builders'], { cwd });
    assert.is(read.code, 1);
    assert.match(read.stderr, 'E_CORRUPT');
    assert.is(sha256(dbPath), before);
  }),
);

test.run();
