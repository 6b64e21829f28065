// The damage the fuzz test (fuzz-files.test.ts) found, each made on purpose: every
// one fails with a typed error and leaves the file as it was.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PortRegistry } from '../../lib/ports/registry.js';
import { StateStore } from '../../lib/state/store.js';
import { rejectsWith } from '../helpers/assertions.js';
import { inFolder } from '../helpers/processes.js';
import { MIGRATIONS_DDL, NATIVE_LOCAL_DDL } from '../helpers/native-schema.js';
import { killShellWhenReady, sqliteShell } from '../helpers/sqlite-shell.js';

const PAGE = 1024;

async function stateFile(folder: string): Promise<string> {
  const dbPath = join(folder, 'state.db');
  const store = await StateStore.open(dbPath);
  await store.addUtil({ id: 'u1', name: 'logs', port: 4230, pid: 6001 });
  await store.close();
  return dbPath;
}

test(
  'a header whose schema format byte is out of range ("unsupported file format"): E_CORRUPT, file untouched',
  inFolder(async (folder) => {
    const dbPath = await stateFile(folder);
    const bytes = readFileSync(dbPath);
    bytes[47] = 9; // the low byte of the schema format number: SQLite knows 1 to 4
    writeFileSync(dbPath, bytes);
    await rejectsWith(StateStore.open(dbPath), 'E_CORRUPT', dbPath, 'unsupported file format');
    assert.ok(readFileSync(dbPath).equals(bytes));
  }),
);

test(
  'a schema damaged into another (a column renamed in sqlite_master): E_UNKNOWN_SCHEMA at open, not a raw "no such column" at the first read',
  inFolder(async (folder) => {
    const dbPath = await stateFile(folder);
    sqliteShell(
      dbPath,
      "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = replace(sql, 'parent_id TEXT', 'parent_ix TEXT') WHERE name = 'annotations';",
    );
    const before = readFileSync(dbPath);
    await rejectsWith(
      StateStore.open(dbPath),
      'E_UNKNOWN_SCHEMA',
      dbPath,
      'no column annotations.parent_id',
      'an unknown column annotations.parent_ix',
    );
    assert.ok(readFileSync(dbPath).equals(before));
  }),
);

test(
  'a _migrations table whose version column was renamed: E_CORRUPT naming the file, not a raw "no such column"',
  inFolder(async (folder) => {
    const dbPath = await stateFile(folder);
    sqliteShell(
      dbPath,
      "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = replace(sql, 'version INTEGER', 'versioX INTEGER') WHERE name = '_migrations';",
    );
    const before = readFileSync(dbPath);
    await rejectsWith(StateStore.open(dbPath), 'E_CORRUPT', dbPath, '_migrations has no version column');
    assert.ok(readFileSync(dbPath).equals(before));
  }),
);

test(
  'the same for the registry: a renamed column of port_allocations is refused at open',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'global.db');
    await (await PortRegistry.open(dbPath)).close();
    sqliteShell(
      dbPath,
      "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = replace(sql, 'pid INTEGER,', 'pix INTEGER,') WHERE name = 'port_allocations';",
    );
    await rejectsWith(PortRegistry.open(dbPath), 'E_UNKNOWN_SCHEMA', dbPath, 'no column port_allocations.pid');
  }),
);

test(
  'pages damaged on disk while a process holds the file open: its next read fails with E_CORRUPT, the file untouched',
  inFolder(async (folder) => {
    const dbPath = await stateFile(folder);
    const holder = await StateStore.open(dbPath);
    await holder.loadState();
    const bytes = readFileSync(dbPath);
    bytes.fill(0xa5, PAGE); // every page but the first (the header and sqlite_master) is junk now
    writeFileSync(dbPath, bytes);
    await rejectsWith(holder.loadState(), 'E_CORRUPT', dbPath);
    await holder.close();
    assert.ok(readFileSync(dbPath).equals(bytes));
  }),
);

test(
  "a table of the user's own added beside ours still opens (only the tables the package reads are checked)",
  inFolder(async (folder) => {
    const dbPath = await stateFile(folder);
    sqliteShell(dbPath, 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);');
    const store = await StateStore.open(dbPath);
    assert.is((await store.getUtils()).length, 1);
    await store.close();
  }),
);

test(
  'a native WAL-mode file whose schema is not ours, its -wal left by a killed sqlite3: refused before the checkpoint that open would write, both files byte-identical',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    const otherLayout = NATIVE_LOCAL_DDL.replace('worktree TEXT NOT NULL', 'worktree TEXT');
    sqliteShell(
      dbPath,
      `PRAGMA journal_mode = WAL; ${otherLayout} ${MIGRATIONS_DDL} INSERT INTO _migrations (version) VALUES (1);`,
    );
    await killShellWhenReady(dbPath, "INSERT INTO utils (id, name, port, pid) VALUES ('u1', 'logs', 4230, 1);");
    const before = [readFileSync(dbPath), readFileSync(`${dbPath}-wal`)];
    await rejectsWith(StateStore.open(dbPath), 'E_UNKNOWN_SCHEMA', dbPath, 'builders.worktree is TEXT');
    assert.ok(existsSync(`${dbPath}-wal`), 'the -wal is still there');
    assert.ok(
      readFileSync(dbPath).equals(before[0]!) && readFileSync(`${dbPath}-wal`).equals(before[1]!),
      'neither file was rewritten',
    );
  }),
);

test.run();
