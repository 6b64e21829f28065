// Damaged state files: copies of a real state.db and of the -wal a killed writer
// left (this package's, and the native SQLite's in WAL mode), with bytes flipped, cut short or followed by junk, are opened and read by
// worker processes. Every case either works (and SQLite's integrity_check is ok)
// or fails with a typed AgentFarmStateError, within a bound, leaving the files as
// they were. The seed is printed; FUZZ_SEED=<n> runs the same cases again.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Damage, FuzzCase, FuzzResult } from '../helpers/fuzz-worker.js';
import { NATIVE_LOCAL_DDL, MIGRATIONS_DDL } from '../helpers/native-schema.js';
import { finished, inFolder, startScript, waitForLine } from '../helpers/processes.js';
import { killShellWhenReady, sqliteShell } from '../helpers/sqlite-shell.js';

const CASES = Number(process.env.FUZZ_CASES ?? 400);
const WORKERS = 2;
/** Far above what a case takes (milliseconds), far below "hangs". */
const CASE_TIMEOUT_MS = 20_000;
const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

function nativeRows(from: number, to: number): string {
  return Array.from({ length: to - from }, (_, i) => {
    const n = from + i;
    return `INSERT INTO builders (id, name, port, pid, worktree, branch, type, task_text) VALUES ('n${n}', 'native ${n}', ${4210 + n}, ${1000 + n}, '/w/n${n}', 'b/n${n}', 'task', '${'y'.repeat(300 + n * 40)}');`;
  }).join(' ');
}

/** mulberry32: small, seeded, good enough to spread damage around. */
function prng(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

type Sizes = Record<Damage['file'], number>;

/** Cases that found faults once, run every time after the random ones. */
const REGRESSIONS: Array<Pick<FuzzCase, 'phase' | 'damage'> & { fixture: 0 | 1 }> = [
  // (seed 13) A read's COMMIT met a page damaged under the open process: raw "malformed".
  {
    fixture: 0,
    phase: 'while-open',
    damage: [
      {
        file: 'state.db',
        kind: 'flip',
        offsets: [5103, 55, 16296, 12914, 21660, 4109],
        masks: [254, 51, 44, 175, 35, 209],
      },
      {
        file: 'state.db-wal',
        kind: 'flip',
        offsets: [65087, 46, 55142, 67355, 14, 42043, 54465],
        masks: [210, 170, 153, 27, 255, 130, 249],
      },
    ],
  },
  {
    fixture: 1,
    phase: 'while-open',
    damage: [{ file: 'state.db', kind: 'flip', offsets: [16987, 43172, 48943, 20453], masks: [141, 43, 75, 234] }],
  },
  // (seed 23) The _migrations table's column renamed by a flip: raw "no such column: version".
  {
    fixture: 0,
    phase: 'fresh',
    damage: [
      { file: 'state.db', kind: 'flip', offsets: [5301, 7086], masks: [247, 158] },
      { file: 'state.db-wal', kind: 'flip', offsets: [54, 69685, 28136, 64925], masks: [65, 241, 63, 252] },
    ],
  },
  // (seed 34) The text encoding in the header changed under an open process: raw "same text encoding".
  {
    fixture: 1,
    phase: 'while-open',
    damage: [
      {
        file: 'state.db',
        kind: 'flip',
        offsets: [37, 52690, 28598, 41, 59, 23830, 51],
        masks: [188, 254, 5, 227, 70, 232, 11],
      },
    ],
  },
  // (seed 33) A damaged native WAL-mode file was checkpointed by the open before a read found the damage.
  {
    fixture: 1,
    phase: 'fresh',
    damage: [{ file: 'state.db', kind: 'flip', offsets: [5471, 40960, 35545, 54768], masks: [35, 178, 51, 16] }],
  },
  // (seed 1307500251) A page of bytes appended to the file under an open process, past the page count its
  // header states: the copy took it as a page of the database, which integrity_check found never used.
  {
    fixture: 1,
    phase: 'while-open',
    damage: [{ file: 'state.db', kind: 'append', junk: Array.from({ length: 4096 }, (_, index) => index % 251) }],
  },
  // (seed 1865511292) A column's name in the schema damaged under an open process: raw "no such column: started_at".
  {
    fixture: 0,
    phase: 'while-open',
    damage: [
      { file: 'state.db', kind: 'flip', offsets: [25101, 8086], masks: [112, 209] },
      { file: 'state.db-wal', kind: 'flip', offsets: [43887], masks: [14] },
    ],
  },
];

function makeCases(fixtures: Array<{ folder: string; sizes: Sizes }>, folder: string): FuzzCase[] {
  const random = prng(seed);
  const below = (n: number) => Math.floor(random() * n);
  const damageOf = (file: Damage['file'], sizes: Sizes): Damage => {
    const size = sizes[file];
    const roll = random();
    if (roll < 0.5) {
      // Headers (the database's first 100 bytes, the log's 32 and its first frame header) get a third of the flips.
      const headerEnd = file === 'state.db' ? 100 : 56;
      const count = 1 + below(8);
      return {
        file,
        kind: 'flip',
        offsets: Array.from({ length: count }, () => (random() < 0.33 ? below(headerEnd) : below(size))),
        masks: Array.from({ length: count }, () => 1 + below(255)),
      };
    }
    if (roll < 0.75) return { file, kind: 'truncate', fraction: random() };
    return {
      file,
      kind: 'append',
      junk: Array.from({ length: 1 + below(random() < 0.5 ? 64 : 4096) }, () => (random() < 0.3 ? 0 : below(256))),
    };
  };
  const regressions = REGRESSIONS.map(
    (known, index): FuzzCase => ({
      ...known,
      id: CASES + index,
      fixture: fixtures[known.fixture]!.folder,
      folder: join(folder, `regression-${index}`),
    }),
  );
  return [
    ...Array.from({ length: CASES }, (_, id): FuzzCase => {
      const roll = random();
      const files: Damage['file'][] =
        roll < 0.45 ? ['state.db'] : roll < 0.9 ? ['state.db-wal'] : ['state.db', 'state.db-wal'];
      const fixture = fixtures[below(fixtures.length)]!;
      return {
        id,
        fixture: fixture.folder,
        folder: join(folder, `case-${id}`),
        phase: random() < 0.25 ? 'while-open' : 'fresh',
        damage: files.map((file) => damageOf(file, fixture.sizes)),
      };
    }),
    ...regressions,
  ];
}

/** Runs the cases on a worker, one at a time; a case that takes longer than CASE_TIMEOUT_MS ends the worker and is reported as a hang. */
function runOn(worker: ChildProcess, queue: FuzzCase[], results: Map<number, FuzzResult | 'hang'>): Promise<void> {
  return new Promise((resolve) => {
    let current: FuzzCase | undefined;
    let timer: NodeJS.Timeout | undefined;
    const next = () => {
      clearTimeout(timer);
      current = queue.shift();
      if (!current) {
        worker.stdin!.end();
        resolve();
        return;
      }
      const running = current;
      timer = setTimeout(() => {
        results.set(running.id, 'hang');
        worker.kill('SIGKILL');
        resolve();
      }, CASE_TIMEOUT_MS);
      worker.stdin!.write(`${JSON.stringify(running)}\n`);
    };
    createInterface({ input: worker.stdout! }).on('line', (line) => {
      const result = JSON.parse(line) as FuzzResult;
      results.set(result.id, result);
      next();
    });
    worker.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    next();
  });
}

test(
  'damaged copies of a real state.db and -wal: each opens and reads whole, or fails with a typed error in bounded time, the files untouched',
  inFolder(async (folder) => {
    console.log(
      `fuzz seed ${seed} (FUZZ_SEED=${seed} repeats these ${CASES} cases, then ${REGRESSIONS.length} known ones)`,
    );
    const ours = join(folder, 'fixture');
    const maker = startScript('test/helpers/fuzz-worker.ts', ['make', join(ours, 'state.db')]);
    const made = finished(maker);
    await waitForLine(maker, 'ready');
    maker.kill('SIGKILL');
    await made;
    // The native version's file: WAL mode, some rows checkpointed, more left in the -wal by a killed sqlite3.
    const native = join(folder, 'native');
    mkdirSync(native);
    sqliteShell(
      join(native, 'state.db'),
      `PRAGMA journal_mode = WAL; ${NATIVE_LOCAL_DDL} ${MIGRATIONS_DDL} INSERT INTO _migrations (version) VALUES (1); ${nativeRows(0, 6)}`,
    );
    await killShellWhenReady(join(native, 'state.db'), nativeRows(6, 12));
    const fixtures = [ours, native].map((fixture) => {
      const sizes = {
        'state.db': statSync(join(fixture, 'state.db')).size,
        'state.db-wal': statSync(join(fixture, 'state.db-wal')).size,
      };
      assert.ok(sizes['state.db'] >= 4 * 1024, `${fixture}: the file holds the checkpointed rows`);
      assert.ok(sizes['state.db-wal'] > 32, `${fixture}: the killed writer left committed frames in its -wal`);
      return { folder: fixture, sizes };
    });

    const cases = makeCases(fixtures, join(folder, 'cases'));
    const queue = [...cases];
    const results = new Map<number, FuzzResult | 'hang'>();
    const startedAt = Date.now();
    const workers = Array.from({ length: WORKERS }, () => startScript('test/helpers/fuzz-worker.ts', ['serve']));
    const stderr = workers.map(finished);
    await Promise.all(workers.map((worker) => runOn(worker, queue, results)));
    for (const worker of workers) worker.kill('SIGKILL');
    const elapsed = Date.now() - startedAt;

    const problems: string[] = [];
    const byOutcome: Record<string, number> = {};
    for (const [id, result] of results) {
      const tag =
        result === 'hang'
          ? 'hang'
          : result.outcome === 'typed'
            ? result.code!
            : result.outcome === 'ok' && result.integrity !== 'ok'
              ? 'ok, contents damaged as SQLite sees them'
              : result.outcome;
      byOutcome[tag] = (byOutcome[tag] ?? 0) + 1;
      const fuzzCase = cases.find((c) => c.id === id)!;
      const what = `${fuzzCase.phase} ${fuzzCase.fixture.endsWith('native') ? 'native' : 'ours'} ${JSON.stringify(fuzzCase.damage.map(({ junk, ...rest }) => (junk ? { ...rest, junk: `${junk.length} bytes` } : rest)))}`;
      if (result === 'hang') problems.push(`case ${id} (${what}): no answer within ${CASE_TIMEOUT_MS} ms`);
      else if (result.outcome === 'raw') problems.push(`case ${id} (${what}): raw error ${result.error}`);
      else if (result.outcome === 'typed' && !result.unchanged)
        problems.push(
          `case ${id} (${what}): a failed open (${result.code}: ${result.error?.split('\n')[0]}) changed the files`,
        );
      // A read that works on a file with damaged contents must see what SQLite itself sees: the shell finds the same file damaged.
      else if (result.outcome === 'ok' && result.integrity !== 'ok' && (result.shellIntegrity ?? 'ok') === 'ok')
        problems.push(
          `case ${id} (${what}): read worked, integrity_check says ${result.integrity}, the sqlite3 shell says ok`,
        );
    }
    console.log(`fuzz: ${results.size} cases in ${elapsed} ms: ${JSON.stringify(byOutcome)}`);
    if (results.size < cases.length)
      problems.push(
        `only ${results.size} of ${cases.length} cases answered; worker stderr: ${(await Promise.race([Promise.all(stderr), new Promise<[]>((resolve) => setTimeout(() => resolve([]), 1000))])).map((f) => f.stderr).join('\n')}`,
      );
    assert.equal(problems, [], `seed ${seed}:\n${problems.slice(0, 20).join('\n')}`);
  }),
);

test.run();
