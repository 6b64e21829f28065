// `af start` keeps the farm's folders out of git through the repository's local
// info/exclude: `git add -A` takes neither the secret nor the worktrees; each line is
// added once; a worktree or a `.git` file leads to the real repository; a link planted
// for the exclude file is left alone, never followed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { excludeFarmFolders } from '../../lib/farm/git-exclude.js';
import { farmTest, testFarm } from '../helpers/farm.js';
import { inFolder } from '../helpers/processes.js';

/** A builder gets its prompt as its last argument: the stand-in takes it as its $0 and sleeps. */
const COMMANDS = ['--architect-cmd', 'sleep 600', '--builder-cmd', "sh -c 'exec sleep 600'", '--no-browser'];
const lines = (text: string) => text.split('\n');

farmTest(
  'af start adds .agent-farm/ and .builders/ to .git/info/exclude once; git status shows neither',
  { tmux: false },
  async (farm) => {
    const exclude = join(farm.project, '.git', 'info', 'exclude');
    writeFileSync(exclude, '# mine\n*.swp'); // the user's own lines, the last without a newline
    const first = await farm.af(['start', ...COMMANDS]);
    assert.is(first.code, 0, first.stderr);
    await farm.afJson(['spawn', '--task', 'a task', ...COMMANDS.slice(2, 4)]);
    assert.ok(existsSync(join(farm.project, '.agent-farm', 'secret')));
    assert.ok(existsSync(join(farm.project, '.builders')));
    assert.is(farm.git('status', '--porcelain', '--untracked-files=all'), '', 'git sees nothing of the farm');
    farm.git('add', '-A');
    assert.is(farm.git('diff', '--cached', '--name-only'), '', 'git add -A takes nothing of the farm');

    await farm.af(['stop']);
    const again = await farm.af(['start', ...COMMANDS]);
    assert.is(again.code, 0, again.stderr);
    const text = readFileSync(exclude, 'utf8');
    assert.ok(text.startsWith('# mine\n*.swp\n'), `the user's lines are kept as they were:\n${text}`);
    assert.equal(
      lines(text).filter((line) => line === '.agent-farm/' || line === '.builders/'),
      ['.agent-farm/', '.builders/'],
      `each line once after two starts:\n${text}`,
    );
    assert.is(farm.git('check-ignore', '.agent-farm/secret').trim(), '.agent-farm/secret');
  },
);

farmTest('a link planted as info/exclude is left alone, and af start says so', { tmux: false }, async (farm) => {
  const target = join(farm.folder, 'elsewhere.txt');
  writeFileSync(target, 'not git\n');
  const exclude = join(farm.project, '.git', 'info', 'exclude');
  rmSync(exclude, { force: true });
  symlinkSync(target, exclude);
  const start = await farm.af(['start', ...COMMANDS]);
  assert.is(start.code, 0, `the farm starts all the same: ${start.stderr}`);
  assert.match(start.stderr, /left \S+exclude alone \(it is a symbolic link\)/);
  assert.is(readFileSync(target, 'utf8'), 'not git\n', "the link's target is untouched");
  assert.ok(lstatSync(exclude).isSymbolicLink(), 'the link is left in place');
});

test(
  "a worktree or a .git file leads to the repository's own exclude; an info/ made when missing; no repository, nothing",
  inFolder(async (folder) => {
    const farm = testFarm(folder, { tmux: false });
    rmSync(join(farm.project, '.git', 'info'), { recursive: true, force: true });
    const worktree = join(folder, 'linked');
    farm.git('worktree', 'add', '-q', '-b', 'other', worktree);
    assert.is(await excludeFarmFolders(worktree), undefined);
    const exclude = join(farm.project, '.git', 'info', 'exclude');
    assert.ok(readFileSync(exclude, 'utf8').endsWith('.agent-farm/\n.builders/\n'), 'in the main repository');
    assert.not.ok(existsSync(join(worktree, '.git', 'info')), 'nothing beside the worktree');

    // A folder whose .git is a file pointing at a git dir elsewhere (git init --separate-git-dir).
    const separate = join(folder, 'separate');
    mkdirSync(separate);
    farm.git('init', '-q', '--separate-git-dir', join(folder, 'separate.git'), separate);
    await excludeFarmFolders(separate);
    assert.match(readFileSync(join(folder, 'separate.git', 'info', 'exclude'), 'utf8'), '.agent-farm/\n');

    const plain = join(folder, 'plain');
    mkdirSync(plain);
    assert.is(await excludeFarmFolders(plain), undefined);
    assert.not.ok(existsSync(join(plain, '.git')), 'outside a repository nothing is made');
  }),
);

test.run();
