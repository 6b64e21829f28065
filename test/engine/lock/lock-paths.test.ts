// What sits at the lock's paths beside a database is ours only when it is a plain
// folder: a symbolic link or a file planted there is refused with E_UNSAFE_PATH,
// left in place, and nothing is created or deleted through it. A folder the process
// cannot write gives a typed E_PERMISSION naming it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentFarmStateError, SharedDatabase } from '../../../lib/engine/index.js';
import { itemsMigrations } from '../../helpers/items-schema.js';
import { finished, inFolder, startWorker, waitForLine } from '../../helpers/processes.js';

const options = { migrations: itemsMigrations, busyTimeout: 5000 };

async function refusal(body: () => Promise<unknown>): Promise<AgentFarmStateError> {
  try {
    await body();
  } catch (error) {
    assert.instance(error, AgentFarmStateError, String(error));
    return error as AgentFarmStateError;
  }
  throw new Error('expected a refusal');
}

/** A database with its schema, written and closed: the next open takes no lock. */
async function existingDatabase(dbPath: string): Promise<void> {
  const db = await SharedDatabase.open(dbPath, options);
  await db.close();
}

const plants: {
  name: string;
  plant: (path: string, folder: string) => void;
  check: (path: string, folder: string) => void;
}[] = [
  {
    name: 'a symbolic link to a folder elsewhere',
    plant: (path, folder) => {
      mkdirSync(join(folder, 'elsewhere'));
      symlinkSync(join(folder, 'elsewhere'), path);
    },
    check: (path, folder) => {
      assert.ok(lstatSync(path).isSymbolicLink(), 'the link is left in place');
      assert.equal(readdirSync(join(folder, 'elsewhere')), [], 'nothing was created through it');
    },
  },
  {
    name: 'a dangling symbolic link',
    plant: (path, folder) => symlinkSync(join(folder, 'nowhere'), path),
    check: (path, folder) => {
      assert.is(readlinkSync(path), join(folder, 'nowhere'), 'the link is left in place');
      assert.not.ok(existsSync(join(folder, 'nowhere')), 'nothing was created through it');
    },
  },
  {
    name: 'a regular file',
    plant: (path) => writeFileSync(path, 'not a lock'),
    check: (path) => assert.is(readFileSync(path, 'utf8'), 'not a lock', 'the file is left as it was'),
  },
];

for (const { name, plant, check } of plants) {
  test(
    `state.db.lock planted as ${name}: a write is refused with E_UNSAFE_PATH naming it`,
    inFolder(async (folder) => {
      const dbPath = join(folder, 'state.db');
      await existingDatabase(dbPath);
      plant(`${dbPath}.lock`, folder);
      const db = await SharedDatabase.open(dbPath, options);
      try {
        const error = await refusal(() =>
          db.transaction((sql) => sql.run("INSERT INTO items (writer, seq) VALUES ('w', 1)")),
        );
        assert.is(error.code, 'E_UNSAFE_PATH');
        assert.ok(error.message.includes(`${dbPath}.lock`), error.message);
      } finally {
        await db.close();
      }
      check(`${dbPath}.lock`, folder);
    }),
  );

  test(
    `state.db.lock.waiting planted as ${name}: a waiting writer is refused with E_UNSAFE_PATH naming it`,
    inFolder(async (folder) => {
      const dbPath = join(folder, 'state.db');
      await existingDatabase(dbPath);
      plant(`${dbPath}.lock.waiting`, folder);
      const holder = startWorker(['hold', dbPath, '1500']);
      const holderDone = finished(holder);
      await waitForLine(holder, 'holding');
      const db = await SharedDatabase.open(dbPath, options);
      try {
        // It waits, so it announces itself at the mark.
        const error = await refusal(() =>
          db.transaction((sql) => sql.run("INSERT INTO items (writer, seq) VALUES ('w', 1)")),
        );
        assert.is(error.code, 'E_UNSAFE_PATH');
        assert.ok(error.message.includes(`${dbPath}.lock.waiting`), error.message);
      } finally {
        await db.close();
        await holderDone;
      }
      check(`${dbPath}.lock.waiting`, folder);
    }),
  );
}

test(
  'a lock folder whose holder record is a symbolic link is refused, and the link left in place',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    await existingDatabase(dbPath);
    const target = join(folder, 'target');
    writeFileSync(target, 'precious');
    mkdirSync(`${dbPath}.lock`);
    symlinkSync(target, `${dbPath}.lock/holder`);
    const db = await SharedDatabase.open(dbPath, options);
    try {
      const error = await refusal(() =>
        db.transaction((sql) => sql.run("INSERT INTO items (writer, seq) VALUES ('w', 1)")),
      );
      assert.is(error.code, 'E_UNSAFE_PATH');
      assert.ok(error.message.includes(`${dbPath}.lock/holder`), error.message);
    } finally {
      await db.close();
    }
    assert.ok(lstatSync(`${dbPath}.lock/holder`).isSymbolicLink());
    assert.is(readFileSync(target, 'utf8'), 'precious');
  }),
);

const root = fileURLToPath(new URL('../../../', import.meta.url));
const asNobody = process.getuid?.() === 0;

test(
  `a folder the writer cannot write: E_PERMISSION naming the folder${asNobody ? '' : ' (skipped: needs root to run the child as nobody)'}`,
  inFolder(async (folder) => {
    if (!asNobody) return;
    const projectFolder = join(folder, 'project');
    mkdirSync(projectFolder);
    const dbPath = join(projectFolder, 'state.db');
    await existingDatabase(dbPath);
    chmodSync(folder, 0o755);
    chmodSync(projectFolder, 0o555);
    const script = `
    const { acquireLock, DEFAULT_LOCK_TIMING } = await import(${JSON.stringify(join(root, 'lib/engine/lock/lock.ts'))});
    // The lock itself, not a transaction: that checks the folder before it ever reaches the lock.
    try {
      await acquireLock(${JSON.stringify(dbPath)}, DEFAULT_LOCK_TIMING);
      console.log('locked');
    } catch (error) {
      console.log(JSON.stringify({ code: error.code, message: error.message, name: error.constructor.name }));
    }`;
    const child = spawn(
      'setpriv',
      [
        '--reuid=nobody',
        '--regid=nogroup',
        '--clear-groups',
        process.execPath,
        '--import',
        join(root, 'test/helpers/register.mjs'),
        '--input-type=module',
        '-e',
        script,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const run = await finished(child);
    assert.is(run.code, 0, run.stderr);
    const outcome = JSON.parse(run.stdout.trim().split('\n').pop()!);
    assert.is(outcome.code, 'E_PERMISSION', run.stdout);
    assert.ok(outcome.message.includes(projectFolder), outcome.message);
    assert.ok(outcome.message.includes('state.db.lock'), outcome.message);
    assert.match(outcome.message, /EACCES/);
    assert.equal(readdirSync(projectFolder), ['state.db']);
  }),
);

test.run();
