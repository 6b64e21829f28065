// One process, real files: rollback, refusal of foreign, damaged and newer files
// (left byte-identical), modes, and the WebAssembly location.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SharedDatabase, type DatabaseOptions } from '../../lib/engine/index.js';
import { rejectsWith } from '../helpers/assertions.js';
import { itemsMigrations } from '../helpers/items-schema.js';
import { inFolder } from '../helpers/processes.js';
import { killShellWhenReady, sqliteShell } from '../helpers/sqlite-shell.js';

const options: DatabaseOptions = { migrations: itemsMigrations };
const countItems = (db: SharedDatabase) =>
  db.read((sql) => Number(sql.exec('SELECT count(*) FROM items')[0]!.values[0]![0]));

test(
  'a throw inside a transaction rolls back and publishes nothing',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    const db = await SharedDatabase.open(dbPath, options);
    await db.transaction((sql) => sql.run("INSERT INTO items VALUES ('kept', 1)"));
    const before = statSync(dbPath, { bigint: true });
    try {
      await db.transaction((sql) => {
        sql.run("INSERT INTO items VALUES ('dropped', 1)");
        throw new Error('changed my mind');
      });
      assert.unreachable('the transaction should have thrown');
    } catch (error) {
      assert.is((error as Error).message, 'changed my mind');
    }
    const after = statSync(dbPath, { bigint: true });
    assert.is(after.ino, before.ino, 'the file was not replaced');
    assert.is(after.mtimeNs, before.mtimeNs);
    assert.is(await countItems(db), 1);
    assert.is(await db.transaction((sql) => sql.exec('SELECT writer FROM items')[0]!.values[0]![0]), 'kept');
    await db.close();
  }),
);

test(
  'a transaction that changes nothing does not rewrite the file, and returns its value',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    const db = await SharedDatabase.open(dbPath, options);
    const before = statSync(dbPath, { bigint: true });
    assert.is(await db.transaction((sql) => sql.exec('SELECT 41 + 1')[0]!.values[0]![0]), 42);
    assert.is(statSync(dbPath, { bigint: true }).ino, before.ino);
    await db.close();
  }),
);

test(
  'read() cannot change the database, not even by ending its own transaction',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    const db = await SharedDatabase.open(dbPath, options);
    await rejectsWith(
      db.read((sql) => sql.run("INSERT INTO items VALUES ('sneaky', 1)")),
      'E_READ_ONLY',
      'read()',
      dbPath,
    );
    assert.is(await countItems(db), 0, 'the refused write is gone from memory too');
    for (const end of ['COMMIT', 'ROLLBACK']) {
      await rejectsWith(
        db.read((sql) => {
          sql.run(end);
          sql.run("INSERT INTO items VALUES ('escaped', 1)");
        }),
        'E_READ_ONLY',
        end,
        dbPath,
      );
      assert.is(await countItems(db), 0, `a write after ${end} inside read() is gone too`);
    }
    await db.transaction((sql) => sql.run("INSERT INTO items VALUES ('real', 1)"));
    assert.is(await countItems(db), 1, 'the refused writes never reached a later publish');
    await db.close();
    assert.is(sqliteShell(dbPath, 'SELECT group_concat(writer) FROM items'), 'real', 'on disk too');
  }),
);

test(
  'files that are not SQLite, empty or truncated are refused and left byte-identical',
  inFolder(async (folder) => {
    const good = join(folder, 'good.db');
    const db = await SharedDatabase.open(good, options);
    await db.transaction((sql) => {
      for (let i = 0; i < 300; i++) sql.run('INSERT INTO items VALUES (?, ?)', ['padding'.repeat(20), i]);
    });
    await db.close();
    const image = readFileSync(good);
    const cases: Array<[string, Buffer, string]> = [
      ['text.db', Buffer.from('{"architect": null}\n'), 'E_NOT_SQLITE'],
      ['empty.db', Buffer.alloc(0), 'E_CORRUPT'],
      ['half-page.db', image.subarray(0, image.length - 100), 'E_CORRUPT'],
      ['missing-pages.db', image.subarray(0, 4096 * 2), 'E_CORRUPT'],
    ];
    for (const [name, bytes, code] of cases) {
      const path = join(folder, name);
      writeFileSync(path, bytes);
      await rejectsWith(SharedDatabase.open(path, options), code, path);
      assert.ok(readFileSync(path).equals(bytes), `${name} is unchanged`);
    }
  }),
);

test(
  'a file with a newer schema version than the code knows is refused and left untouched',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    const future = {
      migrations: [...itemsMigrations, { version: 3, description: 'from the future', up: () => undefined }],
    };
    await (await SharedDatabase.open(dbPath, future)).close();
    const before = readFileSync(dbPath);
    const error = await rejectsWith(SharedDatabase.open(dbPath, options), 'E_SCHEMA_TOO_NEW', dbPath);
    assert.match(error.message, /version 3/);
    assert.ok(readFileSync(dbPath).equals(before));
  }),
);

test(
  "a checkpoint moves the file's modification time forward even when the clock has not passed it (coarse clocks)",
  inFolder(async (folder) => {
    // Readers know the file by its size and modification time: two checkpoints within one tick
    // of a coarse clock, at the same size, must not look alike. A time in the future stands in for that tick.
    const dbPath = join(folder, 'state.db');
    const db = await SharedDatabase.open(dbPath, options);
    await db.transaction((sql) => sql.run("INSERT INTO items VALUES ('a', 1)"));
    await db.close();
    const future = new Date(Date.now() + 3_600_000);
    utimesSync(dbPath, future, future);
    const before = statSync(dbPath, { bigint: true }).mtimeNs;
    const again = await SharedDatabase.open(dbPath, options);
    await again.transaction((sql) => sql.run("UPDATE items SET seq = 2 WHERE writer = 'a'"));
    await again.close();
    assert.ok(!existsSync(`${dbPath}-wal`), 'the commit was checkpointed');
    assert.ok(statSync(dbPath, { bigint: true }).mtimeNs > before, 'the modification time moved forward');
    assert.is(sqliteShell(dbPath, 'SELECT seq FROM items'), '2');
  }),
);

test(
  'a new file gets the page size asked for (1024 by default), an existing file keeps its own, and a bad one is refused',
  inFolder(async (folder) => {
    const byDefault = join(folder, 'default.db');
    await (await SharedDatabase.open(byDefault, options)).close();
    assert.is(sqliteShell(byDefault, 'PRAGMA page_size'), '1024');
    const large = join(folder, 'large.db');
    await (await SharedDatabase.open(large, { ...options, pageSize: 4096 })).close();
    const reopened = await SharedDatabase.open(large, { ...options, pageSize: 512 });
    await reopened.transaction((sql) => sql.run("INSERT INTO items VALUES ('a', 1)"));
    await reopened.close();
    assert.is(
      sqliteShell(large, 'PRAGMA page_size; PRAGMA integrity_check; SELECT count(*) FROM items'),
      '4096\nok\n1',
    );
    for (const pageSize of [1000, 256, 131072, 1.5]) {
      const path = join(folder, `bad-${pageSize}.db`);
      await rejectsWith(
        SharedDatabase.open(path, { ...options, pageSize }),
        'E_INVALID_INPUT',
        'pageSize',
        String(pageSize),
      );
      assert.not.ok(existsSync(path), 'no file was made');
    }
  }),
);

test(
  'files and folders get the modes the caller asks for',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'home', '.agent-farm', 'global.db');
    const db = await SharedDatabase.open(dbPath, { ...options, fileMode: 0o600, folderMode: 0o700 });
    await db.transaction((sql) => sql.run("INSERT INTO items VALUES ('x', 1)"));
    assert.is(statSync(dbPath).mode & 0o777, 0o600);
    assert.is(statSync(join(folder, 'home', '.agent-farm')).mode & 0o777, 0o700);
    await db.close();
  }),
);

test(
  'a missing or damaged .wasm fails with an error naming its path',
  inFolder(async (folder) => {
    const missing = join(folder, 'nowhere', 'sql-wasm.wasm');
    await rejectsWith(
      SharedDatabase.open(join(folder, 'a.db'), { ...options, wasmPath: missing }),
      'E_WASM_LOAD',
      missing,
    );
    const damaged = join(folder, 'damaged.wasm');
    writeFileSync(damaged, Buffer.from('not webassembly at all'));
    await rejectsWith(
      SharedDatabase.open(join(folder, 'b.db'), { ...options, wasmPath: damaged }),
      'E_WASM_LOAD',
      damaged,
    );
  }),
);

test(
  'closed databases refuse further calls with a typed error',
  inFolder(async (folder) => {
    const db = await SharedDatabase.open(join(folder, 'state.db'), options);
    await db.close();
    await rejectsWith(
      db.transaction(() => undefined),
      'E_CLOSED',
      'state.db',
    );
  }),
);

test(
  'a native WAL-mode file opens with the rows still in its -wal and is left as a plain file',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    await killShellWhenReady(
      dbPath,
      [
        'PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;',
        "CREATE TABLE _migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT (datetime('now')));",
        'CREATE TABLE items (writer TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (writer, seq));',
        'INSERT INTO _migrations (version) VALUES (1);',
        "INSERT INTO items VALUES ('native', 1); INSERT INTO items VALUES ('native', 2);",
      ].join('\n'),
    );
    assert.ok(statSync(`${dbPath}-wal`).size > 0, 'the rows are only in the -wal file');
    const db = await SharedDatabase.open(dbPath, options);
    assert.is(await countItems(db), 2);
    await db.close();
    assert.not.ok(existsSync(`${dbPath}-wal`), 'the -wal file is gone');
    assert.not.ok(existsSync(`${dbPath}-shm`), 'the -shm file is gone');
    assert.is(sqliteShell(dbPath, 'PRAGMA journal_mode'), 'delete');
    assert.is(sqliteShell(dbPath, 'SELECT group_concat(writer || seq) FROM items'), 'native1,native2');
    assert.is(
      sqliteShell(dbPath, 'SELECT group_concat(version) FROM _migrations'),
      '1,2',
      'the remaining migration was applied on top',
    );
  }),
);

test(
  'a log a killed writer left without a whole header is ignored by reads and replaced by the next write',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    const db = await SharedDatabase.open(dbPath, options);
    await db.transaction((sql) => sql.run("INSERT INTO items VALUES ('before', 1)"));
    await db.close();
    for (const leftover of [Buffer.alloc(0), Buffer.from('half a header')]) {
      writeFileSync(`${dbPath}-wal`, leftover);
      const again = await SharedDatabase.open(dbPath, options);
      assert.is(await countItems(again), 1, 'the leftover log adds nothing');
      await again.transaction((sql) => sql.run('INSERT INTO items VALUES (?, ?)', ['after', leftover.length]));
      assert.is(await countItems(again), 2);
      await again.close();
      assert.not.ok(existsSync(`${dbPath}-wal`), 'checkpointed and gone');
      assert.is(
        sqliteShell(
          dbPath,
          "PRAGMA integrity_check; DELETE FROM items WHERE writer = 'after'; SELECT count(*) FROM items",
        ),
        'ok\n1',
      );
    }
  }),
);

test.run();
