// Bringing old state in: state.json (once, all or nothing, .bak kept), files left
// by the native version in WAL mode, and files that the sqlite3 shell reads back
// with the native column layout.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_SCHEMA_V1 } from '../../lib/state/schema.js';
import { StateStore } from '../../lib/state/store.js';
import type { DashboardState } from '../../lib/state/types.js';
import { rejectsWith } from '../helpers/assertions.js';
import { finished, inFolder, startScript } from '../helpers/processes.js';
import { killShellWhenReady, sqliteShell } from '../helpers/sqlite-shell.js';

const fullState: DashboardState = {
  architect: {
    port: 4201,
    pid: 4242,
    cmd: 'claude --model opus',
    startedAt: '2025-12-05T10:00:00.000Z',
    tmuxSession: 'af-architect',
  },
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
      tmuxSession: 'af-0031',
      type: 'spec',
    },
    {
      id: 'task-x1',
      name: 'fix tests',
      port: 4211,
      pid: 5002,
      status: 'pr-ready',
      phase: '',
      worktree: '/p/.builders/task-x1',
      branch: 'builder/task-x1',
      type: 'task',
      taskText: 'fix the flaky test',
    },
    {
      id: 'spir-1',
      name: 'spir',
      port: 4212,
      pid: 5003,
      status: 'blocked',
      phase: 'specify',
      worktree: '/p/.builders/spir-1',
      branch: 'builder/spir-1',
      type: 'protocol',
      protocolName: 'spir',
    },
  ],
  utils: [
    { id: 'u1', name: 'logs', port: 4230, pid: 6001, tmuxSession: 'af-u1' },
    { id: 'u2', name: 'shell', port: 4231, pid: 6002 },
  ],
  annotations: [
    { id: 'a1', file: 'src/state.ts', port: 4250, pid: 7001, parent: { type: 'builder', id: '0031' } },
    { id: 'a2', file: 'README.md', port: 4251, pid: 7002, parent: { type: 'architect' } },
  ],
};

function projectWithJson(folder: string, json: string): { dbPath: string; jsonPath: string } {
  const stateFolder = join(folder, '.agent-farm');
  mkdirSync(stateFolder, { recursive: true });
  const jsonPath = join(stateFolder, 'state.json');
  writeFileSync(jsonPath, json);
  return { dbPath: join(stateFolder, 'state.db'), jsonPath };
}

test(
  'a full state.json is imported on first open, kept as .bak and removed',
  inFolder(async (folder) => {
    const json = JSON.stringify(fullState, null, 2);
    const { dbPath, jsonPath } = projectWithJson(folder, json);
    const store = await StateStore.open(dbPath);
    const state = await store.loadState();
    assert.equal(state.builders, fullState.builders);
    assert.equal(state.utils, fullState.utils);
    assert.equal(state.annotations, fullState.annotations);
    assert.equal(state.architect, fullState.architect);
    assert.not.ok(existsSync(jsonPath), 'state.json is gone');
    assert.is(readFileSync(`${jsonPath}.bak`, 'utf8'), json, 'the .bak is the original, byte for byte');
    assert.is(sqliteShell(dbPath, 'SELECT group_concat(version) FROM _migrations'), '1,2');
    await store.close();
    // A second open imports nothing more, even if a new state.json appears.
    writeFileSync(jsonPath, JSON.stringify({ builders: [] }));
    const again = await StateStore.open(dbPath);
    assert.is((await again.getBuilders()).length, 3);
    assert.ok(existsSync(jsonPath));
    await again.close();
  }),
);

test(
  'missing lists in state.json count as empty',
  inFolder(async (folder) => {
    const { dbPath } = projectWithJson(folder, JSON.stringify({ architect: null, builders: [fullState.builders[0]] }));
    const store = await StateStore.open(dbPath);
    const state = await store.loadState();
    assert.equal([state.architect, state.builders.length, state.utils, state.annotations], [null, 1, [], []]);
    await store.close();
  }),
);

test(
  'corrupt or invalid state.json fails naming the file and the problem; JSON kept, nothing imported',
  inFolder(async (folder) => {
    const cases: Array<[string, string, string]> = [
      ['corrupt', '{"architect": null, "builders": [', 'not valid JSON'],
      ['wrong-type', JSON.stringify({ builders: [{ ...fullState.builders[0], port: 'many' }] }), 'builders[0].port'],
      [
        'bad-status',
        JSON.stringify({ builders: [{ ...fullState.builders[0], status: 'sleeping' }] }),
        'builders.status',
      ],
      [
        'duplicate-port',
        JSON.stringify({ builders: [fullState.builders[0], { ...fullState.builders[1], port: 4210 }] }),
        'builders.port',
      ],
    ];
    for (const [name, json, problem] of cases) {
      const project = join(folder, name);
      const { dbPath, jsonPath } = projectWithJson(project, json);
      await rejectsWith(StateStore.open(dbPath), 'E_INVALID_JSON', jsonPath, problem);
      assert.is(readFileSync(jsonPath, 'utf8'), json, `${name}: state.json is unchanged`);
      assert.not.ok(existsSync(`${jsonPath}.bak`), `${name}: no .bak`);
      assert.not.ok(existsSync(dbPath), `${name}: the database got none of it`);
    }
  }),
);

test(
  'many processes opening a project with a state.json at once import it exactly once',
  inFolder(async (folder) => {
    const { dbPath, jsonPath } = projectWithJson(folder, JSON.stringify(fullState));
    const runs = await Promise.all(
      Array.from({ length: 6 }, () => finished(startScript('test/helpers/state-worker.ts', ['open', dbPath]))),
    );
    for (const run of runs) {
      assert.is(run.code, 0, run.stderr);
      assert.is(run.stdout.trim(), '3', 'every process sees the imported builders');
    }
    assert.not.ok(existsSync(jsonPath));
    assert.equal(
      readdirSync(join(folder, '.agent-farm')).filter((name) => name.includes('.bak')),
      ['state.json.bak'],
    );
    assert.is(sqliteShell(dbPath, 'SELECT count(*) FROM builders'), '3');
  }),
);

test(
  '10 processes reserving a builder port at once get 10 distinct ports and ids inside the range',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    const runs = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        finished(startScript('test/helpers/state-worker.ts', ['reserve', dbPath, `worker-${i}`])),
      ),
    );
    const reserved = runs.map((run) => {
      assert.is(run.code, 0, run.stderr);
      return JSON.parse(run.stdout) as { id: string; port: number };
    });
    const ports = reserved.map((b) => b.port);
    assert.is(new Set(ports).size, 10, `distinct ports: ${ports}`);
    assert.is(new Set(reserved.map((b) => b.id)).size, 10);
    assert.ok(ports.every((port) => port >= 4210 && port <= 4229));
    assert.is(sqliteShell(dbPath, 'SELECT count(*), min(port), max(port) FROM builders'), '10|4210|4219');
  }),
);

test(
  'a native state.db in WAL mode with rows only in its -wal opens with every committed row',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    await killShellWhenReady(
      dbPath,
      [
        'PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;',
        "CREATE TABLE _migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT (datetime('now')));",
        LOCAL_SCHEMA_V1,
        'INSERT INTO _migrations (version) VALUES (1);',
        "INSERT INTO builders (id, name, port, pid, worktree, branch) VALUES ('0001', 'one', 4210, 1, '/w1', 'b1');",
        "INSERT INTO builders (id, name, port, pid, worktree, branch, status) VALUES ('0002', 'two', 4211, 2, '/w2', 'b2', 'blocked');",
        "INSERT INTO architect (id, pid, port, cmd) VALUES (1, 3, 4201, 'claude');",
      ].join('\n'),
    );
    assert.ok(readFileSync(`${dbPath}-wal`).length > 0);
    const store = await StateStore.open(dbPath);
    const state = await store.loadState();
    assert.equal(
      state.builders.map((b) => [b.id, b.status]),
      [
        ['0001', 'spawning'],
        ['0002', 'blocked'],
      ],
    );
    assert.is(state.architect?.cmd, 'claude');
    await store.close();
    assert.not.ok(existsSync(`${dbPath}-wal`) || existsSync(`${dbPath}-shm`), 'side files removed');
    assert.is(
      sqliteShell(dbPath, 'PRAGMA journal_mode; PRAGMA integrity_check; SELECT count(*) FROM builders'),
      'delete\nok\n2',
    );
  }),
);

test(
  'a file we wrote opens in the sqlite3 shell with the native column layout',
  inFolder(async (folder) => {
    const dbPath = join(folder, 'state.db');
    const store = await StateStore.open(dbPath);
    await store.upsertBuilder(fullState.builders[1]!);
    await store.close();
    // cid|name|type|notnull|default|pk, as the native version 1 schema defines them.
    assert.is(
      sqliteShell(dbPath, 'PRAGMA table_info(builders)'),
      [
        '0|id|TEXT|0||1',
        '1|name|TEXT|1||0',
        '2|port|INTEGER|1||0',
        '3|pid|INTEGER|1||0',
        "4|status|TEXT|1|'spawning'|0",
        "5|phase|TEXT|1|''|0",
        '6|worktree|TEXT|1||0',
        '7|branch|TEXT|1||0',
        '8|tmux_session|TEXT|0||0',
        "9|type|TEXT|1|'spec'|0",
        '10|task_text|TEXT|0||0',
        '11|protocol_name|TEXT|0||0',
        "12|started_at|TEXT|1|datetime('now')|0",
        "13|updated_at|TEXT|1|datetime('now')|0",
      ].join('\n'),
    );
    assert.is(
      sqliteShell(dbPath, 'PRAGMA table_info(architect)'),
      "0|id|INTEGER|0||1\n1|pid|INTEGER|1||0\n2|port|INTEGER|1||0\n3|cmd|TEXT|1||0\n4|started_at|TEXT|1|datetime('now')|0\n5|tmux_session|TEXT|0||0",
    );
    assert.is(
      sqliteShell(dbPath, 'PRAGMA table_info(utils)'),
      "0|id|TEXT|0||1\n1|name|TEXT|1||0\n2|port|INTEGER|1||0\n3|pid|INTEGER|1||0\n4|tmux_session|TEXT|0||0\n5|started_at|TEXT|1|datetime('now')|0",
    );
    assert.is(
      sqliteShell(dbPath, 'PRAGMA table_info(annotations)'),
      "0|id|TEXT|0||1\n1|file|TEXT|1||0\n2|port|INTEGER|1||0\n3|pid|INTEGER|1||0\n4|parent_type|TEXT|1||0\n5|parent_id|TEXT|0||0\n6|started_at|TEXT|1|datetime('now')|0",
    );
    assert.is(
      sqliteShell(
        dbPath,
        "SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY name",
      ),
      'builders_updated_at\nidx_builders_port\nidx_builders_status',
    );
    assert.is(sqliteShell(dbPath, 'SELECT id, type, task_text FROM builders'), 'task-x1|task|fix the flaky test');
    // And the other way: the shell changes the file, we read the change.
    sqliteShell(dbPath, "UPDATE builders SET status = 'complete'");
    const reopened = await StateStore.open(dbPath);
    assert.is((await reopened.getBuilder('task-x1'))?.status, 'complete');
    await reopened.close();
  }),
);

test.run();
