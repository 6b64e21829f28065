// lib/state/records.ts: the record readers shared by the state API's arguments and
// state.json imports: the fields they keep, their defaults, and the path each
// refusal names (through both shapes: a call's argument and an imported file).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidInputError } from '../../lib/engine/errors.js';
import { InvalidJsonError } from '../../lib/shared/errors.js';
import { JsonFileValidator } from '../../lib/shared/json-import.js';
import { ArgumentValidator } from '../../lib/shared/validators.js';
import { validAnnotation, validArchitect, validBuilder, validState, validUtil } from '../../lib/state/records.js';
import { throwsWith } from '../helpers/expect-error.js';

const argument = new ArgumentValidator('upsertBuilder');
const file = new JsonFileValidator('/p/.agent-farm/state.json');

const BUILDER = { id: '0001', name: 'spec 1', port: 4210, pid: 321, worktree: '.builders/0001', branch: 'spec-1' };

test('validArchitect keeps the five fields; startedAt and tmuxSession may be missing', () => {
  assert.equal(validArchitect(argument, { port: 4201, pid: 10, cmd: 'claude', extra: true }, 'architect'), {
    port: 4201,
    pid: 10,
    cmd: 'claude',
    startedAt: undefined,
    tmuxSession: undefined,
  });
  assert.equal(
    validArchitect(
      argument,
      { port: 4201, pid: 10, cmd: 'claude', startedAt: '2024-01-01T00:00:00Z', tmuxSession: null },
      'architect',
    ),
    { port: 4201, pid: 10, cmd: 'claude', startedAt: '2024-01-01T00:00:00Z', tmuxSession: undefined },
  );
  throwsWith(
    () => validArchitect(argument, { port: 4201, pid: 10 }, 'architect'),
    InvalidInputError,
    'E_INVALID_INPUT',
    'upsertBuilder: architect.cmd should be a string, got nothing',
  );
  throwsWith(
    () => validArchitect(argument, { port: '4201', pid: 10, cmd: 'c' }, 'the architect'),
    InvalidInputError,
    'E_INVALID_INPUT',
    'the architect.port should be an integer, got "4201"',
  );
  throwsWith(
    () => validArchitect(argument, null, 'architect'),
    InvalidInputError,
    'E_INVALID_INPUT',
    'architect should be an object, got null',
  );
});

test('validBuilder fills the native defaults: status spawning, phase empty, type spec', () => {
  assert.equal(validBuilder(argument, BUILDER, 'builder'), {
    ...BUILDER,
    status: 'spawning',
    phase: '',
    tmuxSession: undefined,
    type: 'spec',
    taskText: undefined,
    protocolName: undefined,
  });
  const full = {
    ...BUILDER,
    status: 'blocked',
    phase: 'review',
    tmuxSession: 'af-1',
    type: 'protocol',
    taskText: 't',
    protocolName: 'spider',
  };
  assert.equal(validBuilder(argument, full, 'builder'), full);
  assert.equal(
    validBuilder(argument, { ...BUILDER, status: null, phase: null, type: null }, 'builder'),
    validBuilder(argument, BUILDER, 'builder'),
    'null is missing',
  );
});

test('validBuilder leaves allowed statuses and types to the schema', () => {
  // The CHECK constraints refuse these when the row is written, naming the column.
  const odd = validBuilder(argument, { ...BUILDER, status: 'sleeping', type: 'robot' }, 'builder');
  assert.equal([odd.status, odd.type], ['sleeping', 'robot']);
});

test('validBuilder names the field at fault', () => {
  for (const [field, value, expected] of [
    ['id', 1, 'a string'],
    ['name', undefined, 'a string'],
    ['port', 4210.5, 'an integer'],
    ['pid', '1', 'an integer'],
    ['worktree', null, 'a string'],
    ['branch', [], 'a string'],
    ['status', 3, 'a string'],
    ['phase', {}, 'a string'],
    ['type', false, 'a string'],
    ['tmuxSession', 1, 'a string'],
    ['taskText', 1, 'a string'],
    ['protocolName', 1, 'a string'],
  ] as const) {
    const got = JSON.stringify(value) ?? 'nothing';
    throwsWith(
      () => validBuilder(argument, { ...BUILDER, [field]: value }, 'builder'),
      InvalidInputError,
      'E_INVALID_INPUT',
      `upsertBuilder: builder.${field} should be ${expected}, got ${got}`,
    );
  }
});

test('validUtil and validAnnotation read their fields; an annotation needs a parent object', () => {
  assert.equal(validUtil(argument, { id: 'u1', name: 'shell', port: 4230, pid: 5 }, 'util'), {
    id: 'u1',
    name: 'shell',
    port: 4230,
    pid: 5,
    tmuxSession: undefined,
  });
  throwsWith(
    () => validUtil(argument, { id: 'u1', name: 'shell', port: 4230 }, 'util'),
    InvalidInputError,
    'E_INVALID_INPUT',
    'util.pid should be an integer, got nothing',
  );

  const annotation = { id: 'a1', file: 'README.md', port: 4250, pid: 6, parent: { type: 'builder', id: '0001' } };
  assert.equal(validAnnotation(argument, annotation, 'annotation'), annotation);
  assert.equal(validAnnotation(argument, { ...annotation, parent: { type: 'architect' } }, 'annotation').parent, {
    type: 'architect',
    id: undefined,
  });
  throwsWith(
    () => validAnnotation(argument, { ...annotation, parent: undefined }, 'annotation'),
    InvalidInputError,
    'E_INVALID_INPUT',
    'annotation.parent should be an object, got nothing',
  );
  throwsWith(
    () => validAnnotation(argument, { ...annotation, parent: { id: 'x' } }, 'annotation'),
    InvalidInputError,
    'E_INVALID_INPUT',
    'annotation.parent.type should be a string',
  );
  throwsWith(
    () => validAnnotation(argument, { ...annotation, parent: { type: 'util', id: 7 } }, 'annotation'),
    InvalidInputError,
    'E_INVALID_INPUT',
    'annotation.parent.id should be a string, got 7',
  );
});

test('validState reads a whole state.json; a missing architect is null, missing lists are empty', () => {
  assert.equal(validState(file, {}), { architect: null, builders: [], utils: [], annotations: [] });
  assert.equal(validState(file, { architect: null, builders: null }), {
    architect: null,
    builders: [],
    utils: [],
    annotations: [],
  });
  const state = validState(file, {
    architect: { port: 4201, pid: 1, cmd: 'claude', startedAt: '2024-01-01T00:00:00.000Z' },
    builders: [BUILDER, { ...BUILDER, id: '0002', port: 4211 }],
    utils: [{ id: 'u1', name: 'shell', port: 4230, pid: 2 }],
    annotations: [{ id: 'a1', file: 'f', port: 4250, pid: 3, parent: { type: 'architect' } }],
  });
  assert.is(state.architect?.cmd, 'claude');
  assert.equal(
    state.builders.map((builder) => builder.id),
    ['0001', '0002'],
  );
  assert.is(state.utils[0]?.name, 'shell');
  assert.is(state.annotations[0]?.parent.type, 'architect');
});

test('validState names the file and the entry at fault', () => {
  const path = '/p/.agent-farm/state.json';
  throwsWith(
    () => validState(file, [BUILDER]),
    InvalidJsonError,
    'E_INVALID_JSON',
    path,
    'the file should be an object, found [',
  );
  throwsWith(
    () => validState(file, { builders: [BUILDER, { ...BUILDER, port: 'x' }] }),
    InvalidJsonError,
    'E_INVALID_JSON',
    path,
    'builders[1].port should be an integer, found "x"',
  );
  throwsWith(
    () => validState(file, { builders: {} }),
    InvalidJsonError,
    'E_INVALID_JSON',
    'builders should be a list, found {}',
  );
  throwsWith(
    () => validState(file, { utils: [{ id: 'u', name: 'n', port: 1, pid: 1 }, 'u2'] }),
    InvalidJsonError,
    'E_INVALID_JSON',
    'utils[1] should be an object, found "u2"',
  );
  throwsWith(
    () => validState(file, { annotations: [{ id: 'a', file: 'f', port: 1, pid: 1, parent: { type: 2 } }] }),
    InvalidJsonError,
    'E_INVALID_JSON',
    'annotations[0].parent.type should be a string, found 2',
  );
  throwsWith(
    () => validState(file, { architect: { port: 1, pid: 1 } }),
    InvalidJsonError,
    'E_INVALID_JSON',
    'architect.cmd should be a string, found nothing',
  );
  throwsWith(
    () => validState(file, null),
    InvalidJsonError,
    'E_INVALID_JSON',
    'the file should be an object, found null',
  );
});

test.run();
