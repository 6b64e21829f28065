// lib/farm/config.ts: which command each role launches (override, else
// codev/config.json, else the default), how a config is read and refused, and the
// program a command runs. Projects are temp folders; PATH points at a folder of
// stand-in programs so no real claude is needed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidInputError } from '../../lib/engine/errors.js';
import { configPath, farmCommand, programOf } from '../../lib/farm/config.js';
import { throwsWith } from '../helpers/expect-error.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'config-unit-'));
const bin = path.join(root, 'bin');
const saved = {
  PATH: process.env.PATH,
  SHELL: process.env.SHELL,
  AF_UNIT_MODEL: process.env.AF_UNIT_MODEL,
  AF_UNIT_UNSET: process.env.AF_UNIT_UNSET,
};
let projects = 0;

function executable(file: string, mode = 0o755): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode });
  fs.chmodSync(file, mode);
}

/** A project folder, with `config` (text or JSON value) as its codev/config.json when given. */
function project(config?: unknown): string {
  const folder = path.join(root, `project-${++projects}`);
  fs.mkdirSync(path.join(folder, 'codev'), { recursive: true });
  if (config !== undefined)
    fs.writeFileSync(configPath(folder), typeof config === 'string' ? config : JSON.stringify(config));
  return folder;
}

test.before(() => {
  for (const name of ['claude', 'my-shell', 'codex', 'my prog']) executable(path.join(bin, name));
  fs.writeFileSync(path.join(bin, 'not-executable'), 'plain text', { mode: 0o644 });
  process.env.PATH = bin;
  process.env.SHELL = '/bin/sh';
  process.env.AF_UNIT_MODEL = 'opus';
  delete process.env.AF_UNIT_UNSET;
});

test.after(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  fs.rmSync(root, { recursive: true, force: true });
});

test('configPath is codev/config.json under the root', () => {
  assert.is(configPath('/work/p'), path.join('/work/p', 'codev', 'config.json'));
});

test('without a config the defaults are claude, claude and $SHELL', () => {
  const folder = project();
  assert.is(farmCommand(folder, 'architect', {}), 'claude');
  assert.is(farmCommand(folder, 'builder', {}), 'claude');
  assert.is(farmCommand(folder, 'shell', {}), '/bin/sh');
  process.env.SHELL = '';
  try {
    // An empty SHELL falls back to bash, which the stand-in PATH does not have.
    throwsWith(
      () => farmCommand(folder, 'shell', {}),
      InvalidInputError,
      'E_INVALID_INPUT',
      'the shell command "bash" is not installed',
      '--shell-cmd',
    );
  } finally {
    process.env.SHELL = '/bin/sh';
  }
});

test('a config without shell.<role>, or with null, keeps the default', () => {
  for (const config of [{}, { shell: {} }, { shell: { architect: null } }, { other: 1 }, 'null', { shell: 'codex' }]) {
    assert.is(farmCommand(project(config), 'architect', {}), 'claude', JSON.stringify(config));
  }
});

test('shell.<role> as a string is the command, with $VAR and ${VAR} expanded, unset ones empty', () => {
  const folder = project({
    shell: {
      architect: 'codex --model $AF_UNIT_MODEL',
      builder: 'codex --model=${AF_UNIT_MODEL}x$AF_UNIT_UNSET',
      shell: 'my-shell -l',
    },
  });
  assert.is(farmCommand(folder, 'architect', {}), 'codex --model opus');
  assert.is(farmCommand(folder, 'builder', {}), 'codex --model=opusx');
  assert.is(farmCommand(folder, 'shell', {}), 'my-shell -l');
});

test('shell.<role> as a list of words is quoted for the shell word by word', () => {
  const folder = project({ shell: { builder: ['my prog', '--flag', "it's", '$AF_UNIT_MODEL', 'a b=c'] } });
  assert.is(farmCommand(folder, 'builder', {}), `'my prog' --flag 'it'\\''s' opus 'a b=c'`);
});

test('the command-line override wins and the config is not even read', () => {
  const broken = project('{ not json');
  assert.is(farmCommand(broken, 'architect', { architectCmd: 'codex -y' }), 'codex -y');
  assert.is(farmCommand(broken, 'builder', { builderCmd: '  claude  ' }), 'claude', 'trimmed');
  assert.is(farmCommand(broken, 'shell', { shellCmd: 'my-shell' }), 'my-shell');
  // Another role's override does not apply.
  throwsWith(
    () => farmCommand(broken, 'architect', { builderCmd: 'codex' }),
    InvalidInputError,
    'E_INVALID_INPUT',
    'not valid JSON',
  );
});

test('a config that is not JSON is refused, naming the file and the override', () => {
  const folder = project('{ "shell": ');
  throwsWith(
    () => farmCommand(folder, 'builder', {}),
    InvalidInputError,
    'E_INVALID_INPUT',
    configPath(folder),
    'is not valid JSON',
    '--builder-cmd',
  );
});

test('a config that cannot be read is refused, naming the file', () => {
  const folder = project();
  fs.mkdirSync(configPath(folder)); // a folder where the file should be
  throwsWith(
    () => farmCommand(folder, 'architect', {}),
    InvalidInputError,
    'E_INVALID_INPUT',
    `cannot read ${configPath(folder)}`,
  );
});

test('shell.<role> of another type is refused, naming the key and the value', () => {
  for (const value of [42, true, { cmd: 'claude' }, ['claude', 1]]) {
    const folder = project({ shell: { shell: value } });
    throwsWith(
      () => farmCommand(folder, 'shell', {}),
      InvalidInputError,
      'E_INVALID_INPUT',
      `shell.shell in ${configPath(folder)} should be a command (a string or a list of strings), got ${JSON.stringify(value)}.`,
    );
  }
});

test('an empty command is refused, naming the option and the config key', () => {
  const folder = project({ shell: { architect: '   ' } });
  throwsWith(
    () => farmCommand(folder, 'architect', {}),
    InvalidInputError,
    'E_INVALID_INPUT',
    'the architect command is empty',
    '--architect-cmd',
    'shell.architect',
  );
  throwsWith(
    () => farmCommand(project(), 'builder', { builderCmd: '' }),
    InvalidInputError,
    'E_INVALID_INPUT',
    'the builder command is empty',
    '--builder-cmd',
  );
  throwsWith(
    () => farmCommand(project({ shell: { builder: [] } }), 'builder', {}),
    InvalidInputError,
    'E_INVALID_INPUT',
    'the builder command is empty',
  );
});

test('a program that is not installed is refused; a path must be an executable file', () => {
  throwsWith(
    () => farmCommand(project(), 'architect', { architectCmd: 'aider --yes' }),
    InvalidInputError,
    'E_INVALID_INPUT',
    'the architect command "aider" is not installed (not found on PATH)',
    '--architect-cmd',
  );
  throwsWith(
    () => farmCommand(project(), 'builder', { builderCmd: 'not-executable' }),
    InvalidInputError,
    'E_INVALID_INPUT',
    '"not-executable" is not installed',
  );
  throwsWith(
    () => farmCommand(project(), 'builder', { builderCmd: path.join(bin, 'not-executable') }),
    InvalidInputError,
    'E_INVALID_INPUT',
    'not found or not executable',
  );
  throwsWith(
    () => farmCommand(project(), 'builder', { builderCmd: bin }),
    InvalidInputError,
    'E_INVALID_INPUT',
    'not found or not executable',
  );
});

test('a relative path is found from the project root, not the current folder', () => {
  const folder = project({ shell: { architect: './tools/arch --go' } });
  executable(path.join(folder, 'tools', 'arch'));
  assert.is(farmCommand(folder, 'architect', {}), './tools/arch --go');
  throwsWith(
    () => farmCommand(project({ shell: { architect: './tools/arch' } }), 'architect', {}),
    InvalidInputError,
    'E_INVALID_INPUT',
    '"./tools/arch" is not installed',
  );
});

test('leading NAME=value assignments are not the program', () => {
  assert.is(farmCommand(project(), 'builder', { builderCmd: 'FOO=1 BAR=two codex --x' }), 'FOO=1 BAR=two codex --x');
  throwsWith(
    () => farmCommand(project(), 'builder', { builderCmd: 'FOO=1 aider' }),
    InvalidInputError,
    'E_INVALID_INPUT',
    '"aider"',
  );
});

test('programOf: the first word that is not an assignment, without its quotes', () => {
  assert.is(programOf('claude --model opus'), 'claude');
  assert.is(programOf('  claude'), 'claude');
  assert.is(programOf('A=1 B=x claude'), 'claude');
  // An assignment's quoted value is part of the assignment, not the program.
  assert.is(programOf('A=1 B="x y" claude'), 'claude');
  assert.is(programOf("MODEL='opus 4' claude --x"), 'claude');
  assert.is(programOf('my" "prog --flag'), 'my prog');
  assert.is(programOf(`'my prog' --flag`), 'my prog');
  assert.is(programOf('"my prog" --flag'), 'my prog');
  assert.is(programOf('/usr/local/bin/claude -c'), '/usr/local/bin/claude');
  assert.is(programOf(''), undefined);
  assert.is(programOf('   '), undefined);
  assert.is(programOf('A=1 B=2'), undefined);
});

test.run();
