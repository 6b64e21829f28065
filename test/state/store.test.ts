// The local state API on real files: every operation, its data shapes, constraint
// errors that write nothing, the atomic reservations, and the default-bound functions.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateStore } from '../../lib/state/store.js';
import * as defaultState from '../../lib/state/current-project.js';
import type { Builder } from '../../lib/state/types.js';
import { rejectsWith } from '../helpers/assertions.js';
import { inFolder } from '../helpers/processes.js';

const builder = (id: string, port: number, extra: Partial<Builder> = {}): Builder => ({
  id,
  name: `builder ${id}`,
  port,
  pid: 1000 + port,
  status: 'implementing',
  phase: 'plan',
  worktree: `/p/.builders/${id}`,
  branch: `builder/${id}`,
  type: 'spec',
  ...extra,
});
const openIn = (folder: string) => StateStore.open(join(folder, '.agent-farm', 'state.db'));

test(
  "a fresh store is empty and records schema version 2 (the native schema, then the builders' instructions)",
  inFolder(async (folder) => {
    const store = await openIn(folder);
    assert.equal(await store.loadState(), { architect: null, builders: [], utils: [], annotations: [] });
    assert.is(await store.database.schemaVersion(), 2);
    await store.close();
  }),
);

test(
  'the architect is a singleton; null deletes it; absent fields stay absent',
  inFolder(async (folder) => {
    const store = await openIn(folder);
    await store.setArchitect({
      port: 4201,
      pid: 11,
      cmd: 'claude',
      startedAt: '2025-01-01T00:00:00.000Z',
      tmuxSession: 'af-arch',
    });
    await store.setArchitect({ port: 4201, pid: 12, cmd: 'claude --resume' });
    const architect = await store.getArchitect();
    assert.is(architect?.pid, 12);
    assert.is(architect?.cmd, 'claude --resume');
    assert.match(architect!.startedAt, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, 'a missing start time defaults to now');
    assert.not.ok('tmuxSession' in architect!, 'no tmuxSession key when the column is null');
    assert.is(await store.database.read((db) => db.exec('SELECT count(*) FROM architect')[0]!.values[0]![0]), 1);
    await store.setArchitect(null);
    assert.is(await store.getArchitect(), null);
    await store.close();
  }),
);

test(
  'builders: insert, update every field, get, absent ids, by status, ordered by started_at',
  inFolder(async (folder) => {
    const store = await openIn(folder);
    await store.upsertBuilder(builder('0001', 4210, { tmuxSession: 'af-1', taskText: 'fix it' }));
    await store.upsertBuilder(builder('0002', 4211, { status: 'blocked' }));
    const updated = builder('0001', 4212, {
      name: 'renamed',
      pid: 77,
      status: 'pr-ready',
      phase: 'review',
      worktree: '/w',
      branch: 'b',
      type: 'task',
      protocolName: 'spir',
    });
    await store.upsertBuilder(updated);
    assert.equal(await store.getBuilder('0001'), updated, 'every field replaced; tmuxSession and taskText cleared');
    assert.is(await store.getBuilder('nope'), null);
    assert.equal(
      (await store.getBuildersByStatus('blocked')).map((b) => b.id),
      ['0002'],
    );
    assert.equal(await store.getBuildersByStatus('complete'), []);
    // Make 0002 the older one: lists follow started_at, not insertion order.
    await store.database.transaction((db) =>
      db.run("UPDATE builders SET started_at = '2000-01-01 00:00:00' WHERE id = '0002'"),
    );
    assert.equal(
      (await store.getBuilders()).map((b) => b.id),
      ['0002', '0001'],
    );
    await store.removeBuilder('0002');
    await store.removeBuilder('never-existed');
    assert.equal(
      (await store.getBuilders()).map((b) => b.id),
      ['0001'],
    );
    await store.close();
  }),
);

test(
  'the updated_at trigger stamps every update of a builder',
  inFolder(async (folder) => {
    const store = await openIn(folder);
    await store.upsertBuilder(builder('0001', 4210));
    await store.database.transaction((db) => db.run("UPDATE builders SET updated_at = '2000-01-01 00:00:00'"));
    await store.upsertBuilder(builder('0001', 4210, { status: 'complete' }));
    const updatedAt = await store.database.read((db) => db.exec('SELECT updated_at FROM builders')[0]!.values[0]![0]);
    assert.is.not(updatedAt, '2000-01-01 00:00:00');
    await store.close();
  }),
);

test(
  'utils and annotations: add, list in start order, remove; clearState empties all four tables',
  inFolder(async (folder) => {
    const store = await openIn(folder);
    await store.addUtil({ id: 'u1', name: 'shell', port: 4230, pid: 5, tmuxSession: 'af-u1' });
    await store.addUtil({ id: 'u2', name: 'logs', port: 4231, pid: 6 });
    await store.addAnnotation({
      id: 'a1',
      file: 'src/x.ts',
      port: 4250,
      pid: 7,
      parent: { type: 'builder', id: '0001' },
    });
    await store.addAnnotation({ id: 'a2', file: 'README.md', port: 4251, pid: 8, parent: { type: 'architect' } });
    assert.equal(await store.getUtils(), [
      { id: 'u1', name: 'shell', port: 4230, pid: 5, tmuxSession: 'af-u1' },
      { id: 'u2', name: 'logs', port: 4231, pid: 6 },
    ]);
    assert.equal(await store.getAnnotations(), [
      { id: 'a1', file: 'src/x.ts', port: 4250, pid: 7, parent: { type: 'builder', id: '0001' } },
      { id: 'a2', file: 'README.md', port: 4251, pid: 8, parent: { type: 'architect' } },
    ]);
    await store.removeUtil('u1');
    await store.removeAnnotation('a2');
    assert.equal(
      (await store.getUtils()).map((u) => u.id),
      ['u2'],
    );
    assert.equal(
      (await store.getAnnotations()).map((a) => a.id),
      ['a1'],
    );
    await store.setArchitect({ port: 4201, pid: 1, cmd: 'claude' });
    await store.upsertBuilder(builder('0001', 4210));
    await store.clearState();
    assert.equal(await store.loadState(), { architect: null, builders: [], utils: [], annotations: [] });
    await store.close();
  }),
);

test(
  'constraint failures name the field and value, and write nothing',
  inFolder(async (folder) => {
    const store = await openIn(folder);
    await store.upsertBuilder(builder('0001', 4210));
    await store.addUtil({ id: 'u1', name: 'shell', port: 4230, pid: 5 });
    const before = readFileSync(store.path);
    const failures: Array<[() => Promise<unknown>, string, string]> = [
      [() => store.upsertBuilder(builder('0002', 4210)), 'builders.port', '4210'],
      [
        () => store.upsertBuilder(builder('0003', 4213, { status: 'sleeping' as never })),
        'builders.status',
        'sleeping',
      ],
      [() => store.upsertBuilder(builder('0004', 4214, { type: 'robot' as never })), 'builders.type', 'robot'],
      [() => store.addUtil({ id: 'u2', name: 'again', port: 4230, pid: 6 }), 'utils.port', '4230'],
      [() => store.addUtil({ id: 'u1', name: 'same id', port: 4231, pid: 6 }), 'utils.id', 'u1'],
      [
        () => store.addAnnotation({ id: 'a1', file: 'f', port: 4250, pid: 1, parent: { type: 'dashboard' as never } }),
        'annotations.parent_type',
        'dashboard',
      ],
    ];
    for (const [call, field, value] of failures) {
      const error = await rejectsWith(call(), 'E_CONSTRAINT', field, value);
      assert.ok(error.message.includes('nothing was written'));
    }
    assert.ok(readFileSync(store.path).equals(before), 'the file is byte-identical');
    assert.equal(
      (await store.getBuilders()).map((b) => b.id),
      ['0001'],
    );
    await store.close();
  }),
);

test(
  'arguments of the wrong type are refused before anything is written',
  inFolder(async (folder) => {
    const store = await openIn(folder);
    await rejectsWith(
      store.upsertBuilder({ ...builder('0001', 4210), port: '4210' as never }),
      'E_INVALID_INPUT',
      'upsertBuilder',
      'builder.port',
    );
    await rejectsWith(
      store.addAnnotation({ id: 'a', file: 'f', port: 1, pid: 1 } as never),
      'E_INVALID_INPUT',
      'annotation.parent',
    );
    assert.equal(await store.getBuilders(), []);
    await store.close();
  }),
);

test(
  'reservations take the lowest free port and the next free id, and fail clearly when the range is full',
  inFolder(async (folder) => {
    const store = await openIn(folder);
    const range = { first: 4210, last: 4212 };
    await store.upsertBuilder(builder('0001', 4210));
    const draft = {
      name: 'task',
      pid: 0,
      status: 'spawning',
      phase: '',
      worktree: '/w',
      branch: 'b',
      type: 'task',
    } as const;
    const first = await store.reserveBuilder(draft, range);
    const second = await store.reserveBuilder(draft, range);
    assert.equal([first.id, first.port, second.id, second.port], ['task-1', 4211, 'task-2', 4212]);
    await rejectsWith(store.reserveBuilder(draft, range), 'E_PORTS_EXHAUSTED', '4210-4212');
    await store.removeBuilder('task-1');
    const third = await store.reserveBuilder(draft, range);
    assert.equal([third.id, third.port], ['task-1', 4211], 'a freed port and id are reused');
    await rejectsWith(
      store.reserveBuilder({ ...draft, id: '0001' }, { first: 4210, last: 4229 }),
      'E_CONSTRAINT',
      'builders.id',
    );
    const util = await store.reserveUtil({ id: 'u1', name: 'shell', pid: 0 }, { first: 4230, last: 4249 });
    const annotation = await store.reserveAnnotation(
      { id: 'a1', file: 'x', pid: 0, parent: { type: 'util', id: 'u1' } },
      { first: 4250, last: 4269 },
    );
    assert.equal([util.port, annotation.port], [4230, 4250]);
    await store.close();
  }),
);

test(
  'the native module functions work on the project found from the current folder',
  inFolder(async (folder) => {
    const project = join(folder, 'project');
    mkdirSync(join(project, 'codev', 'nested'), { recursive: true });
    const previous = process.cwd();
    process.chdir(join(project, 'codev', 'nested'));
    try {
      await defaultState.upsertBuilder(builder('0001', 4210));
      await defaultState.setArchitect({ port: 4201, pid: 1, cmd: 'claude' });
      await defaultState.addUtil({ id: 'u1', name: 'shell', port: 4230, pid: 2 });
      await defaultState.addAnnotation({ id: 'a1', file: 'f', port: 4250, pid: 3, parent: { type: 'architect' } });
      const state = await defaultState.loadState();
      assert.equal(
        [state.architect?.cmd, state.builders.length, state.utils.length, state.annotations.length],
        ['claude', 1, 1, 1],
      );
      assert.equal(
        (await defaultState.getBuildersByStatus('implementing')).map((b) => b.id),
        ['0001'],
      );
      await defaultState.closeDb();
      // Reopens on the next call, from the same file.
      assert.is((await defaultState.getBuilder('0001'))?.port, 4210);
      await defaultState.removeBuilder('0001');
      await defaultState.removeUtil('u1');
      await defaultState.removeAnnotation('a1');
      assert.equal(
        [await defaultState.getBuilders(), await defaultState.getUtils(), await defaultState.getAnnotations()],
        [[], [], []],
      );
      await defaultState.clearState();
      assert.is(await defaultState.getArchitect(), null);
      await defaultState.closeDb();
      assert.ok(
        readFileSync(join(project, '.agent-farm', 'state.db')).length > 0,
        'the state lives at <root>/.agent-farm/state.db',
      );
    } finally {
      process.chdir(previous);
    }
  }),
);

test(
  'loadState() of an unchanged file gives a copy of the last read: changing it changes nothing the next call sees',
  inFolder(async (folder) => {
    const store = await openIn(folder);
    await store.setArchitect({ port: 4201, pid: 11, cmd: 'claude', startedAt: '2025-01-01T00:00:00.000Z' });
    await store.upsertBuilder(builder('b1', 4210));
    await store.addAnnotation({
      id: 'a1',
      file: 'notes.md',
      port: 4250,
      pid: 7,
      parent: { type: 'builder', id: 'b1' },
    });
    const first = await store.loadState();
    const expected = structuredClone(first);
    first.architect!.pid = 0;
    first.builders[0]!.status = 'complete';
    first.builders.push(builder('b2', 4211));
    first.annotations[0]!.parent.id = 'changed';
    first.utils.push({ id: 'u1', name: 'shell', port: 4230, pid: 8 });
    assert.equal(await store.loadState(), expected);
    await store.close();
  }),
);

test.run();
