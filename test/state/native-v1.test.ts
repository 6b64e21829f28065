// Files the native version leaves behind when its own JSON import fails: its
// version-1 tables, no `_migrations` row, the JSON still beside them. Such a file
// is adopted (version 1 recorded, the JSON imported, `.bak` kept); any other layout
// is refused with E_UNKNOWN_SCHEMA and left byte for byte as it was. The fixtures
// are made by the sqlite3 shell from the native DDL, not by this package.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PortRegistry } from '../../lib/ports/registry.js';
import { StateStore } from '../../lib/state/store.js';
import { rejectsWith } from '../helpers/assertions.js';
import { inFolder } from '../helpers/processes.js';
import { MIGRATIONS_DDL, NATIVE_GLOBAL_DDL, NATIVE_LOCAL_DDL } from '../helpers/native-schema.js';
import { sqliteShell } from '../helpers/sqlite-shell.js';

const stateJson = JSON.stringify({
  architect: { port: 4201, pid: 4242, cmd: 'claude', startedAt: '2025-12-05T10:00:00.000Z' },
  builders: [
    {
      id: '0031',
      name: '0031-sqlite',
      port: 4210,
      pid: 5001,
      status: 'implementing',
      phase: 'implement',
      worktree: '/p/.builders/0031',
      branch: 'builder/0031',
      type: 'spec',
    },
  ],
  utils: [{ id: 'u1', name: 'logs', port: 4230, pid: 6001 }],
  annotations: [],
});
const portsJson = JSON.stringify({
  version: 1,
  entries: { '/projects/alpha': { basePort: 4300, registered: '2025-12-01T09:00:00.000Z', pid: 11 } },
});

/** A state folder with the native tables made by the sqlite3 shell (WAL mode, as the native version leaves it) and a JSON beside. */
function nativeLeftover(
  folder: string,
  dbName: string,
  ddl: string,
  jsonName: string,
  json: string,
): { dbPath: string; jsonPath: string } {
  mkdirSync(folder, { recursive: true });
  const dbPath = join(folder, dbName);
  sqliteShell(dbPath, `PRAGMA journal_mode = WAL; ${ddl}`);
  const jsonPath = join(folder, jsonName);
  writeFileSync(jsonPath, json);
  return { dbPath, jsonPath };
}

function fingerprint(folder: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(folder)
      .sort()
      .map((name) => [
        name,
        createHash('sha256')
          .update(readFileSync(join(folder, name)))
          .digest('hex'),
      ]),
  );
}

test(
  'native v1 tables without a _migrations row, beside state.json: adopted, version 1 recorded, the JSON imported, .bak kept',
  inFolder(async (folder) => {
    const { dbPath, jsonPath } = nativeLeftover(
      join(folder, '.agent-farm'),
      'state.db',
      NATIVE_LOCAL_DDL,
      'state.json',
      stateJson,
    );
    const store = await StateStore.open(dbPath);
    const state = await store.loadState();
    assert.is(state.architect?.cmd, 'claude');
    assert.equal(
      state.builders.map((builder) => builder.id),
      ['0031'],
    );
    assert.equal(
      state.utils.map((util) => util.id),
      ['u1'],
    );
    assert.is(await store.database.schemaVersion(), 2);
    await store.close();
    assert.not.ok(existsSync(jsonPath), 'state.json is gone');
    assert.is(readFileSync(`${jsonPath}.bak`, 'utf8'), stateJson);
    assert.is(sqliteShell(dbPath, 'SELECT group_concat(version) FROM _migrations'), '1,2');
    assert.is(
      sqliteShell(dbPath, "SELECT count(*) FROM sqlite_master WHERE name = 'builders_updated_at'"),
      '1',
      'the native trigger is kept',
    );
    assert.is(sqliteShell(dbPath, 'PRAGMA integrity_check'), 'ok');
  }),
);

test(
  'native v1 tables with an empty _migrations table: adopted too',
  inFolder(async (folder) => {
    const { dbPath, jsonPath } = nativeLeftover(
      folder,
      'state.db',
      `${NATIVE_LOCAL_DDL}${MIGRATIONS_DDL}`,
      'state.json',
      stateJson,
    );
    const store = await StateStore.open(dbPath);
    assert.is((await store.getBuilders()).length, 1);
    await store.close();
    assert.ok(existsSync(`${jsonPath}.bak`));
    assert.is(sqliteShell(dbPath, 'SELECT group_concat(version) FROM _migrations'), '1,2');
  }),
);

test(
  'native v1 tables missing their indexes and trigger: adopted, and what is missing is added',
  inFolder(async (folder) => {
    const tablesOnly = NATIVE_LOCAL_DDL.split('\n')
      .filter((line) => !/^CREATE (INDEX|TRIGGER)/.test(line))
      .join('\n');
    const { dbPath } = nativeLeftover(folder, 'state.db', tablesOnly, 'state.json', stateJson);
    const store = await StateStore.open(dbPath);
    await store.close();
    assert.is(
      sqliteShell(
        dbPath,
        "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger') AND name NOT LIKE 'sqlite_%' ORDER BY name)",
      ),
      'builders_updated_at,idx_builders_port,idx_builders_status',
    );
  }),
);

const unknownLayouts: Array<[string, string, string]> = [
  [
    'an extra table',
    `${NATIVE_LOCAL_DDL} CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);`,
    'an unknown table notes',
  ],
  [
    'a missing column',
    NATIVE_LOCAL_DDL.replace(' tmux_session TEXT);', ' tmux_session_x TEXT);'),
    'no column architect.tmux_session',
  ],
  [
    'a column of another type',
    NATIVE_LOCAL_DDL.replace('phase TEXT NOT NULL', 'phase INTEGER NOT NULL'),
    'builders.phase is INTEGER',
  ],
  [
    'a column that may be null',
    NATIVE_LOCAL_DDL.replace('worktree TEXT NOT NULL', 'worktree TEXT'),
    'builders.worktree is TEXT',
  ],
  ['a missing table', NATIVE_LOCAL_DDL.replace(/CREATE TABLE annotations[^;]*;/, ''), 'no table annotations'],
  [
    'another primary key',
    NATIVE_LOCAL_DDL.replace('CREATE TABLE utils (id TEXT PRIMARY KEY,', 'CREATE TABLE utils (id TEXT,'),
    'utils.id is TEXT',
  ],
];

for (const [what, ddl, mention] of unknownLayouts) {
  test(
    `a state.db of an unknown layout (${what}): refused with E_UNKNOWN_SCHEMA, every file byte-identical`,
    inFolder(async (folder) => {
      const { dbPath } = nativeLeftover(folder, 'state.db', ddl, 'state.json', stateJson);
      const before = fingerprint(folder);
      await rejectsWith(StateStore.open(dbPath), 'E_UNKNOWN_SCHEMA', dbPath, mention);
      assert.equal(fingerprint(folder), before);
    }),
  );
}

test(
  'native v1 tables beside a state.json that cannot be imported: E_INVALID_JSON, every file byte-identical',
  inFolder(async (folder) => {
    const { dbPath, jsonPath } = nativeLeftover(
      folder,
      'state.db',
      NATIVE_LOCAL_DDL,
      'state.json',
      '{"builders": [{"id": 1}]',
    );
    const before = fingerprint(folder);
    await rejectsWith(StateStore.open(dbPath), 'E_INVALID_JSON', jsonPath);
    assert.equal(fingerprint(folder), before);
  }),
);

test(
  'a global.db with the native port_allocations table and no _migrations row, beside ports.json: adopted',
  inFolder(async (folder) => {
    const { dbPath, jsonPath } = nativeLeftover(folder, 'global.db', NATIVE_GLOBAL_DDL, 'ports.json', portsJson);
    const registry = await PortRegistry.open(dbPath);
    assert.equal(
      (await registry.listAllocations()).map((allocation) => [allocation.path, allocation.basePort]),
      [['/projects/alpha', 4300]],
    );
    assert.is(await registry.database.schemaVersion(), 1);
    await registry.close();
    assert.is(readFileSync(`${jsonPath}.bak`, 'utf8'), portsJson);
    assert.not.ok(existsSync(jsonPath));
  }),
);

test(
  'a global.db of an unknown layout: refused with E_UNKNOWN_SCHEMA, every file byte-identical',
  inFolder(async (folder) => {
    const { dbPath } = nativeLeftover(
      folder,
      'global.db',
      NATIVE_GLOBAL_DDL.replace('pid INTEGER,', 'pid INTEGER, owner TEXT,'),
      'ports.json',
      portsJson,
    );
    const before = fingerprint(folder);
    await rejectsWith(
      PortRegistry.open(dbPath),
      'E_UNKNOWN_SCHEMA',
      dbPath,
      'an unknown column port_allocations.owner',
    );
    assert.equal(fingerprint(folder), before);
  }),
);

test.run();
