// lib/shared/paths.ts: the project root found from a folder (nearest .agent-farm/ or
// codev/, else the git root, else the folder itself) and where the files go, in
// temp folder trees with explicit environments.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  builderOfPath,
  findProjectRoot,
  globalDbPath,
  globalDir,
  portsJsonPath,
  stateDbPath,
  stateDir,
  stateJsonPath,
} from '../../lib/shared/paths.js';

// realpath: on some systems the temp folder is behind a symbolic link, and resolve() keeps the name given.
const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'paths-unit-')));
const ENV = { AF_GLOBAL_DIR: path.join(root, 'home', '.agent-farm') };
let trees = 0;

/** A fresh tree under the temp root; entries ending in / are folders, others empty files. */
function tree(...entries: string[]): string {
  const base = path.join(root, `tree-${++trees}`);
  fs.mkdirSync(base);
  for (const entry of entries) {
    const full = path.join(base, entry);
    if (entry.endsWith('/')) fs.mkdirSync(full, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, '');
    }
  }
  return base;
}

test.before(() => {
  // The walk goes up past the temp root; a marker above it would make the fallbacks untestable.
  for (let dir = path.dirname(root); ; dir = path.dirname(dir)) {
    for (const marker of ['.agent-farm', 'codev', '.git']) {
      if (fs.existsSync(path.join(dir, marker)))
        throw new Error(`${path.join(dir, marker)} exists above the temp folder; these tests need a clean ancestry`);
    }
    if (dir === path.dirname(dir)) break;
  }
});

test.after(() => fs.rmSync(root, { recursive: true, force: true }));

test('the nearest folder with .agent-farm/ or codev/ is the root', () => {
  const base = tree('a/.agent-farm/', 'a/b/c/d/', 'x/codev/', 'x/y/');
  assert.is(findProjectRoot(path.join(base, 'a/b/c/d'), ENV), path.join(base, 'a'));
  assert.is(findProjectRoot(path.join(base, 'a'), ENV), path.join(base, 'a'), 'the start folder itself');
  assert.is(findProjectRoot(path.join(base, 'x/y'), ENV), path.join(base, 'x'));
});

test('the nearest marker wins over one further up', () => {
  const base = tree('.agent-farm/', 'inner/codev/', 'inner/deeper/');
  assert.is(findProjectRoot(path.join(base, 'inner/deeper'), ENV), path.join(base, 'inner'));
});

test('a marker must be a folder: a file named codev or .agent-farm does not count', () => {
  const base = tree('codev/', 'p/codev', 'p/.agent-farm', 'p/q/');
  assert.is(findProjectRoot(path.join(base, 'p/q'), ENV), base);
});

test('a marker anywhere upward wins over a nearer git root', () => {
  const base = tree('codev/', 'repo/.git/', 'repo/src/');
  assert.is(findProjectRoot(path.join(base, 'repo/src'), ENV), base);
});

test('without markers the git root is the root; .git may be a file (a worktree)', () => {
  const base = tree('repo/.git/', 'repo/src/lib/', 'worktree/.git', 'worktree/src/');
  assert.is(findProjectRoot(path.join(base, 'repo/src/lib'), ENV), path.join(base, 'repo'));
  assert.is(findProjectRoot(path.join(base, 'worktree/src'), ENV), path.join(base, 'worktree'));
});

test('with neither, the start folder is the root, resolved', () => {
  const base = tree('plain/deep/');
  assert.is(findProjectRoot(path.join(base, 'plain/deep'), ENV), path.join(base, 'plain/deep'));
  assert.is(findProjectRoot(`${base}/plain/./deep/../deep/`, ENV), path.join(base, 'plain/deep'));
});

test('a relative start is taken from the current folder', () => {
  const base = tree('proj/codev/', 'proj/sub/');
  const cwd = process.cwd();
  process.chdir(path.join(base, 'proj'));
  try {
    assert.is(findProjectRoot('sub', ENV), path.join(base, 'proj'));
    assert.is(findProjectRoot(undefined, ENV), path.join(base, 'proj'), 'the current folder by default');
  } finally {
    process.chdir(cwd);
  }
});

test("the global folder's .agent-farm is not a project's state", () => {
  const base = tree('home/.agent-farm/', 'home/work/notes/');
  const env = { AF_GLOBAL_DIR: path.join(base, 'home', '.agent-farm') };
  assert.is(findProjectRoot(path.join(base, 'home/work/notes'), env), path.join(base, 'home/work/notes'));
  // The same folder is a project's when the registry lives elsewhere.
  assert.is(findProjectRoot(path.join(base, 'home/work/notes'), ENV), path.join(base, 'home'));
  // A codev/ in the home folder still makes it a project.
  fs.mkdirSync(path.join(base, 'home/codev'));
  assert.is(findProjectRoot(path.join(base, 'home/work/notes'), env), path.join(base, 'home'));
});

test("a builder's worktree (.builders/<id>, with its own codev/ and .git) belongs to the project's farm", () => {
  const base = tree(
    'p/.agent-farm/',
    'p/codev/',
    'p/.builders/0042/codev/',
    'p/.builders/0042/lib/',
    'q/.builders/x/codev/',
  );
  fs.writeFileSync(path.join(base, 'p/.builders/0042/.git'), 'gitdir: ../../.git/worktrees/0042\n');
  assert.is(findProjectRoot(path.join(base, 'p/.builders/0042/lib'), ENV), path.join(base, 'p'));
  assert.equal(builderOfPath(path.join(base, 'p'), path.join(base, 'p/.builders/0042/lib')), '0042');
  assert.is(builderOfPath(path.join(base, 'p'), path.join(base, 'p/lib')), undefined);
  // A .builders/ folder of a project with no farm state is not taken for a farm's.
  assert.is(findProjectRoot(path.join(base, 'q/.builders/x'), ENV), path.join(base, 'q/.builders/x'));
});

test('globalDir: AF_GLOBAL_DIR resolved, else ~/.agent-farm; the registry files are in it', () => {
  assert.is(globalDir({ AF_GLOBAL_DIR: '/srv/af/' }), '/srv/af');
  assert.is(globalDir({ AF_GLOBAL_DIR: 'rel' }), path.join(process.cwd(), 'rel'));
  assert.is(globalDir({}), path.join(os.homedir(), '.agent-farm'));
  assert.is(globalDir({ AF_GLOBAL_DIR: '' }), path.join(os.homedir(), '.agent-farm'), 'empty is unset');
  assert.is(globalDbPath({ AF_GLOBAL_DIR: '/srv/af' }), '/srv/af/global.db');
  assert.is(portsJsonPath({ AF_GLOBAL_DIR: '/srv/af' }), '/srv/af/ports.json');
});

test('stateDir: AF_STATE_DIR resolved, else <root>/.agent-farm; the state files are in it', () => {
  assert.is(stateDir('/p', {}), '/p/.agent-farm');
  assert.is(stateDir('/p', { AF_STATE_DIR: '/elsewhere/' }), '/elsewhere');
  assert.is(stateDir('/p', { AF_STATE_DIR: '' }), '/p/.agent-farm');
  assert.is(stateDbPath('/p', {}), '/p/.agent-farm/state.db');
  assert.is(stateJsonPath('/p', { AF_STATE_DIR: '/s' }), '/s/state.json');
});

test.run();
