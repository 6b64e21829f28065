// The farm's lifecycle through the built `af`, as a user runs it: real processes in
// tmux sessions and detached, real git worktrees, real HTTP. Every test ends what
// it started, even when it fails.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { isProcessAlive } from '../../lib/engine/io/process-alive.js';
import type { farmStatus } from '../../lib/cli/status.js';
import { StateStore } from '../../lib/state/store.js';
import type { Annotation, Builder, UtilTerminal } from '../../lib/state/types.js';
import { runAf } from '../helpers/af.js';
import { deadPid, farmTest, type TestFarm } from '../helpers/farm.js';
import { inFolder } from '../helpers/processes.js';

const LONG = 'sleep 600';
/** A builder gets its prompt as its last argument: the stand-in takes it as its $0 and sleeps. */
const AGENT = `sh -c 'exec ${LONG}'`;
const COMMANDS = ['--architect-cmd', LONG, '--builder-cmd', AGENT, '--shell-cmd', LONG];

/** What `af status --json` prints. */
type Status = Awaited<ReturnType<typeof farmStatus>>;

async function succeeds(farm: TestFarm, args: string[]): Promise<string> {
  const result = await farm.af(args);
  assert.is(result.code, 0, `af ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** The viewer's page, with the farm's secret from the URL af annotate printed. */
function httpGet(annotation: Annotation & { url?: string }): Promise<string> {
  const token = new URL(annotation.url!).searchParams.get('token');
  return new Promise((resolve, reject) => {
    get(
      { host: '127.0.0.1', port: annotation.port, path: '/', headers: { Authorization: `Bearer ${token}` } },
      (response) => {
        let body = '';
        response.on('data', (chunk) => {
          body += chunk;
        });
        response.on('end', () => resolve(body));
      },
    ).on('error', reject);
  });
}

async function waitUntil(condition: () => boolean, what: string, withinMs = 3000): Promise<void> {
  for (const deadline = Date.now() + withinMs; !condition(); await delay(20)) {
    if (Date.now() > deadline) assert.unreachable(`${what} within ${withinMs} ms`);
  }
}

const inRange = (port: number, first: number, last: number) => port >= first && port <= last;

const pidsOf = (status: Status) => [
  status.architect!.pid,
  ...status.builders.map((b) => b.pid),
  ...status.utils.map((u) => u.pid),
  ...status.annotations.map((a) => a.pid),
];

farmTest(
  'with tmux: start, spawn in three modes, util, annotate, status, cleanup, stop',
  { tmux: true },
  async (farm) => {
    const architect = await farm.afJson(['start', ...COMMANDS]);
    assert.is(architect.cmd, LONG);
    const again = await farm.af(['start', ...COMMANDS]);
    assert.is(again.code, 0);
    assert.match(again.stderr, `already running (pid ${architect.pid}`);

    mkdirSync(join(farm.project, 'codev', 'specs'), { recursive: true });
    writeFileSync(join(farm.project, 'codev', 'specs', '0042-thing.md'), '# thing\n');
    const spec: Builder = await farm.afJson(['spawn', '--project', '0042', ...COMMANDS]);
    const task: Builder = await farm.afJson(['spawn', '--task', 'Fix the flaky test', ...COMMANDS]);
    const shell: Builder = await farm.afJson(['spawn', '--shell', ...COMMANDS]);
    assert.equal(
      [spec.id, spec.type, spec.branch, spec.worktree],
      ['0042', 'spec', 'builder/0042', join(farm.project, '.builders', '0042')],
      'the id keeps its leading zeros',
    );
    assert.equal(
      [task.id, task.type, task.taskText, task.status],
      ['task-1', 'task', 'Fix the flaky test', 'implementing'],
    );
    assert.equal([shell.id, shell.type, shell.worktree], ['shell-1', 'shell', '']);
    assert.ok(existsSync(join(task.worktree, 'README.md')), 'the worktree is a checkout of the project');
    assert.match(farm.git('branch', '--list', 'builder/*'), 'builder/task-1');

    const util: UtilTerminal = await farm.afJson(['util', '--name', 'logs', ...COMMANDS]);
    const annotation: Annotation = await farm.afJson(['annotate', 'README.md', '--builder', '0042']);
    assert.equal(annotation.parent, { type: 'builder', id: '0042' });
    assert.ok(
      inRange(annotation.port, farm.basePort + 50, farm.basePort + 69),
      `annotation port ${annotation.port} in its range`,
    );
    assert.is(await httpGet(annotation), '# the project\n', 'the viewer serves the file');

    const status: Status = await farm.afJson(['status']);
    assert.is(status.architect!.port, farm.basePort + 1);
    assert.equal(
      status.builders.map((b) => b.id),
      ['0042', 'task-1', 'shell-1'],
    );
    assert.ok(status.builders.every((b) => inRange(b.port, farm.basePort + 10, farm.basePort + 29) && b.alive));
    assert.ok(pidsOf(status).every(isProcessAlive), 'every recorded process runs');
    const sessions = farm.tmuxSessions();
    for (const entry of [status.architect!, ...status.builders, ...status.utils])
      assert.ok(sessions.includes(entry.tmuxSession!), `${entry.tmuxSession} exists`);
    assert.is(util.name, 'logs');

    assert.match(await succeeds(farm, ['cleanup', '--project', '0042']), 'removed worktree');
    assert.not.ok(isProcessAlive(spec.pid), 'the cleaned-up builder ended');
    assert.not.ok(isProcessAlive(annotation.pid), 'its annotation ended with it');
    assert.not.ok(existsSync(spec.worktree));
    assert.not.match(farm.git('branch', '--list'), 'builder/0042');
    assert.not.ok(farm.tmuxSessions().includes(spec.tmuxSession!));

    await succeeds(farm, ['stop']);
    assert.ok(
      pidsOf(status).every((pid) => !isProcessAlive(pid)),
      'every process ended',
    );
    assert.equal(farm.tmuxSessions(), [], 'every tmux session is gone');
    const after: Status = await farm.afJson(['status']);
    assert.equal([after.architect, after.builders, after.utils, after.annotations], [null, [], [], []]);
    assert.ok(existsSync(task.worktree), 'stop keeps the worktrees and their work');
  },
);

farmTest(
  'without tmux: processes run detached with logs under .agent-farm, and stop ends them',
  { tmux: false },
  async (farm) => {
    const architect = await farm.afJson(['start', ...COMMANDS]);
    const builder: Builder = await farm.afJson(['spawn', '--worktree', ...COMMANDS]);
    const util: UtilTerminal = await farm.afJson(['util', ...COMMANDS]);
    const annotation: Annotation = await farm.afJson(['annotate', 'README.md']);
    assert.equal([builder.id, builder.type], ['worktree-1', 'worktree']);
    for (const entry of [architect, builder, util]) {
      assert.is(entry.tmuxSession, undefined);
      assert.ok(isProcessAlive(entry.pid));
    }
    assert.ok(existsSync(join(farm.project, '.agent-farm', 'logs', 'builder-worktree-1.log')));
    assert.is(await httpGet(annotation), '# the project\n');

    const stopped = await farm.afJson(['stop']);
    assert.equal(
      stopped.map((entry: { what: string; outcome: string }) => `${entry.what.split(' ')[0]} ${entry.outcome}`),
      ['architect stopped', 'builder stopped', 'utility stopped', 'annotation stopped', 'dashboard stopped'],
    );
    for (const pid of [architect.pid, builder.pid, util.pid, annotation.pid])
      assert.not.ok(isProcessAlive(pid), `pid ${pid} ended`);
  },
);

farmTest(
  '10 spawns at once: 10 builders, distinct ids and ports in the builder range, all running',
  { tmux: true },
  async (farm) => {
    await succeeds(farm, ['start', ...COMMANDS]);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, n) => farm.af(['spawn', '--task', `task number ${n}`, '--json', ...COMMANDS])),
    );
    for (const result of results) assert.is(result.code, 0, result.stderr);
    const builders: Builder[] = results.map((result) => JSON.parse(result.stdout));
    assert.is(new Set(builders.map((b) => b.id)).size, 10, 'distinct ids');
    assert.is(new Set(builders.map((b) => b.port)).size, 10, 'distinct ports');
    assert.ok(builders.every((b) => inRange(b.port, farm.basePort + 10, farm.basePort + 29)));
    assert.ok(
      builders.every((b) => isProcessAlive(b.pid)),
      'all running',
    );
    const status: Status = await farm.afJson(['status']);
    assert.equal(status.builders.map((b) => b.id).sort(), builders.map((b) => b.id).sort());
    assert.is(farm.git('worktree', 'list').trim().split('\n').length, 11, 'ten worktrees beside the project');
  },
);

farmTest('a spawn waits out another git holding the lock of its branch', { tmux: false }, async (farm) => {
  // What a concurrent git leaves while it writes the ref: git itself fails at once on it.
  const lock = join(farm.project, '.git', 'refs', 'heads', 'builder', 'task-1.lock');
  mkdirSync(join(lock, '..'), { recursive: true });
  writeFileSync(lock, '');
  const spawn = farm.af(['spawn', '--task', 'patient', '--json', ...COMMANDS]);
  await delay(700);
  rmSync(lock);
  const result = await spawn;
  assert.is(result.code, 0, result.stderr);
  const builder: Builder = JSON.parse(result.stdout);
  assert.equal([builder.id, builder.branch], ['task-1', 'builder/task-1']);
  assert.ok(isProcessAlive(builder.pid));
});

farmTest(
  'a spawn passes over an id a stopped builder left a branch under without ever recording it (no tab flashes on the dashboard)',
  { tmux: false },
  async (farm) => {
    await succeeds(farm, ['start', ...COMMANDS]);
    farm.git('branch', 'builder/task-1');
    // The git that af runs holds the question "does builder/task-1 exist?" until the test says go.
    const asked = join(farm.folder, 'asked');
    const go = join(farm.folder, 'go');
    const gitPath = join(farm.folder, 'bin', 'git');
    const realGit = readlinkSync(gitPath);
    rmSync(gitPath);
    writeFileSync(
      gitPath,
      `#!/bin/sh\ncase "$*" in *refs/heads/builder/task-1*) : > '${asked}'; while [ ! -e '${go}' ]; do sleep 0.02; done;; esac\nexec '${realGit}' "$@"\n`,
      { mode: 0o755 },
    );
    const spawn = farm.af(['spawn', '--task', 'the next one', '--json', ...COMMANDS]);
    for (const deadline = Date.now() + 15_000; !existsSync(asked); await delay(5))
      if (Date.now() > deadline) assert.unreachable('af asked git about builder/task-1');
    const store = await StateStore.open(join(farm.project, '.agent-farm', 'state.db'));
    const whileChecking = (await store.getBuilders()).map((b) => b.id);
    await store.close();
    writeFileSync(go, '');
    const result = await spawn;
    assert.is(result.code, 0, result.stderr);
    assert.equal(whileChecking, [], 'no builder recorded while its id was checked');
    const builder: Builder = JSON.parse(result.stdout);
    assert.equal([builder.id, builder.branch], ['task-2', 'builder/task-2']);
    const status: Status = await farm.afJson(['status']);
    assert.equal(
      status.builders.map((b) => b.id),
      ['task-2'],
    );
  },
);

farmTest('af start in a project with a state.json migrates it and keeps the .bak', { tmux: true }, async (farm) => {
  const stateFolder = join(farm.project, '.agent-farm');
  mkdirSync(stateFolder);
  const old = {
    architect: { port: farm.basePort + 1, pid: deadPid(), cmd: 'claude', startedAt: '2025-01-01T00:00:00.000Z' },
    builders: [
      {
        id: '0007',
        name: '0007-old',
        port: farm.basePort + 10,
        pid: deadPid(),
        status: 'blocked',
        phase: 'plan',
        worktree: join(farm.project, '.builders', '0007'),
        branch: 'builder/0007',
        type: 'spec',
      },
    ],
  };
  writeFileSync(join(stateFolder, 'state.json'), JSON.stringify(old));
  const start = await farm.af(['start', ...COMMANDS]);
  assert.is(start.code, 0, start.stderr);
  assert.match(start.stderr, `replaced the recorded architect (pid ${old.architect.pid})`);
  assert.not.ok(existsSync(join(stateFolder, 'state.json')));
  assert.equal(JSON.parse(readFileSync(join(stateFolder, 'state.json.bak'), 'utf8')), old);
  const status: Status = await farm.afJson(['status']);
  assert.ok(status.architect!.alive);
  assert.equal(
    status.builders.map((b) => [b.id, b.status, b.alive]),
    [['0007', 'blocked', false]],
  );
});

farmTest('an architect killed with SIGKILL shows as dead, and the state stays', { tmux: true }, async (farm) => {
  const architect = await farm.afJson(['start', ...COMMANDS]);
  const builder: Builder = await farm.afJson(['spawn', '--task', 'keep going', ...COMMANDS]);
  process.kill(architect.pid, 'SIGKILL');
  await waitUntil(() => !isProcessAlive(architect.pid), 'tmux reaps the killed architect');
  const status = await farm.af(['status']);
  assert.is(status.code, 0);
  assert.match(status.stdout, new RegExp(`architect\\s+port ${architect.port}\\s+pid ${architect.pid} dead`));
  const json: Status = await farm.afJson(['status']);
  assert.equal([json.architect!.pid, json.architect!.alive], [architect.pid, false]);
  assert.equal(
    json.builders.map((b) => [b.id, b.alive]),
    [[builder.id, true]],
  );
});

farmTest(
  'a command that is not installed: a clear error naming it and its option, and nothing recorded',
  { tmux: false },
  async (farm) => {
    const start = await farm.af(['start', '--architect-cmd', 'no-such-architect --model x']);
    assert.is.not(start.code, 0);
    assert.match(start.stderr, '"no-such-architect" is not installed');
    assert.match(start.stderr, '--architect-cmd');
    const spawn = await farm.af(['spawn', '--task', 'x', '--builder-cmd', 'no-such-builder']);
    assert.is.not(spawn.code, 0);
    assert.match(spawn.stderr, '"no-such-builder" is not installed');
    assert.match(spawn.stderr, '--builder-cmd');
    mkdirSync(join(farm.project, 'codev'));
    writeFileSync(
      join(farm.project, 'codev', 'config.json'),
      JSON.stringify({ shell: { shell: ['no-such-shell', '-l'] } }),
    );
    const util = await farm.af(['util']);
    assert.match(util.stderr, '"no-such-shell" is not installed');
    assert.match(util.stderr, '--shell-cmd');
    const status: Status = await farm.afJson(['status']);
    assert.equal([status.architect, status.builders, status.utils], [null, [], []]);
    assert.not.ok(existsSync(join(farm.project, '.builders')), 'no worktree was made');
  },
);

farmTest(
  'a builder that fails at launch leaves nothing behind; a spawn needs exactly one mode',
  { tmux: false },
  async (farm) => {
    const failed = await farm.af(['spawn', '--task', 'doomed', '--builder-cmd', 'sh -c "echo cannot start; exit 3"']);
    assert.is(failed.code, 1);
    assert.match(failed.stderr, 'exited at once (exit code 3)');
    assert.match(failed.stderr, 'cannot start', 'the log is quoted');
    const status: Status = await farm.afJson(['status']);
    assert.equal(status.builders, [], 'the reservation is gone');
    assert.not.ok(existsSync(join(farm.project, '.builders', 'task-1')), 'the worktree is gone');
    assert.is(farm.git('branch', '--list', 'builder/*'), '', 'the branch is gone');
    for (const modes of [[], ['--shell', '--worktree']]) {
      const result = await farm.af(['spawn', ...modes, ...COMMANDS]);
      assert.is(result.code, 1);
      assert.match(result.stderr, 'exactly one of --project <id>, --task <text>');
    }
  },
);

test(
  'a spawn refused for want of a commit (or of a builder to resume) leaves the folder as it was: no .agent-farm, no block',
  inFolder(async (folder) => {
    const cwd = join(folder, 'plain');
    mkdirSync(cwd);
    const run = (args: string[]) => runAf(['spawn', ...args, '--builder-cmd', LONG], { cwd });
    const task = await run(['--task', 'hi']);
    assert.is(task.code, 1);
    assert.match(task.stderr, /is not a git repository with a commit.*\(E_INVALID_INPUT\)/);
    const resume = await run(['--resume', 'task-1']);
    assert.is(resume.code, 1);
    assert.match(resume.stderr, /there is no builder task-1 to resume.*\(E_BUILDER_NOT_FOUND\)/);
    assert.equal(readdirSync(cwd), [], 'nothing was made');
    execFileSync('git', ['init', '-q'], { cwd });
    const worktree = await run(['--worktree']);
    assert.is(worktree.code, 1);
    assert.match(worktree.stderr, 'is not a git repository with a commit');
    assert.equal(readdirSync(cwd), ['.git'], 'a repository without a commit: nothing was made');
    const blocks = await runAf(['ports', 'list', '--json'], { cwd });
    assert.equal(JSON.parse(blocks.stdout), [], 'no port block was taken');
  }),
);

farmTest('af cleanup refuses to lose uncommitted or unmerged work without --force', { tmux: false }, async (farm) => {
  const dirty: Builder = await farm.afJson(['spawn', '--task', 'edit', ...COMMANDS]);
  const committed: Builder = await farm.afJson(['spawn', '--task', 'commit', ...COMMANDS]);
  writeFileSync(join(dirty.worktree, 'notes.txt'), 'work in progress\n');
  writeFileSync(join(committed.worktree, 'done.txt'), 'done\n');
  farm.git('-C', committed.worktree, 'add', 'done.txt');
  farm.git('-C', committed.worktree, 'commit', '-q', '-m', 'done');

  const refusedDirty = await farm.af(['cleanup', '--project', dirty.id]);
  assert.is(refusedDirty.code, 1);
  assert.match(refusedDirty.stderr, '1 uncommitted change');
  assert.match(refusedDirty.stderr, '--force');
  const refusedCommitted = await farm.af(['cleanup', '--project', committed.id]);
  assert.match(refusedCommitted.stderr, '1 commit on builder/task-2 not merged into main');
  assert.ok(isProcessAlive(dirty.pid) && existsSync(dirty.worktree), 'a refusal changes nothing');

  await succeeds(farm, ['cleanup', '--project', dirty.id, '--force']);
  assert.not.ok(existsSync(dirty.worktree));
  assert.not.ok(isProcessAlive(dirty.pid));
  farm.git('merge', '-q', '--ff-only', committed.branch);
  await succeeds(farm, ['cleanup', '--project', committed.id]);
  assert.is(farm.git('branch', '--list', 'builder/*'), '', 'both branches deleted: one forced, one merged');
  const status: Status = await farm.afJson(['status']);
  assert.equal(status.builders, []);

  const unknown = await farm.af(['cleanup', '--project', 'nosuch']);
  assert.is(unknown.code, 1);
  assert.is(
    unknown.stderr,
    'af: error: there is no builder nosuch: none is recorded and it left no branch or worktree. See "af status". (E_BUILDER_NOT_FOUND)\n',
    'as af send and af spawn --resume name an unknown builder',
  );
});

test.run();
