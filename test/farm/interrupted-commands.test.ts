// Interrupted and overlapping farm commands, through the built `af` with real tmux,
// real git and real signals: whatever moment a signal comes, the farm either
// records what runs or leaves nothing; `af stop` ends what the farm started,
// recorded or not; logs are never written through a planted link; a failed start
// takes no port block; a start that loses a race names the architect.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { isProcessAlive } from '../../lib/engine/io/process-alive.js';
import { findExecutable } from '../../lib/farm/find-executable.js';
import { farmIdentity } from '../../lib/farm/project-farm.js';
import { StateStore } from '../../lib/state/store.js';
import type { Builder } from '../../lib/state/types.js';
import { AF_BIN, afEnvironment } from '../helpers/af.js';
import { farmTest, type TestFarm } from '../helpers/farm.js';
import { finished, type Finished } from '../helpers/processes.js';

const LONG = 'sleep 600';
/** A builder gets its prompt as its last argument: the stand-in takes it as its $0 and sleeps. */
const COMMANDS = ['--architect-cmd', LONG, '--builder-cmd', `sh -c 'exec ${LONG}'`, '--shell-cmd', LONG];

/** `af` started in the test's project, to be signalled while it works. */
function startAf(farm: TestFarm, args: string[]): { child: ChildProcess; done: Promise<Finished> } {
  const child = spawn(process.execPath, [AF_BIN, ...args], {
    cwd: farm.project,
    env: afEnvironment({ cwd: farm.project, home: join(farm.folder, 'home'), env: farm.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { child, done: finished(child) };
}

async function waitUntil(condition: () => boolean, what: string, withinMs = 15_000): Promise<void> {
  for (const deadline = Date.now() + withinMs; !condition(); await delay(5)) {
    if (Date.now() > deadline) assert.unreachable(`${what} within ${withinMs} ms`);
  }
}

/** Live processes the farm launched in the project: the `sleep 600` of its terminals (tmux panes or detached). */
function farmProcesses(farm: TestFarm): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        // Not `af` itself, whose own command line names the commands it launches.
        return (
          !argv.includes(AF_BIN) &&
          argv.join(' ').includes(LONG) &&
          readlinkSync(`/proc/${pid}/cwd`).startsWith(farm.project) &&
          isProcessAlive(pid)
        );
      } catch {
        return false;
      }
    });
}

/** Live annotation viewers (`af _serve`) working in the project. */
function viewerProcesses(farm: TestFarm): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return (
          readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[2] === '_serve' &&
          readlinkSync(`/proc/${pid}/cwd`).startsWith(farm.project) &&
          isProcessAlive(pid)
        );
      } catch {
        return false;
      }
    });
}

/** How many builders the project's state records, read with the sqlite3-free `af status`. */
function spawnRows(farm: TestFarm): number {
  const { stdout } = spawnSync(process.execPath, [AF_BIN, 'status', '--json'], {
    cwd: farm.project,
    env: afEnvironment({ cwd: farm.project, home: join(farm.folder, 'home'), env: farm.env }),
    encoding: 'utf8',
  });
  try {
    return JSON.parse(stdout).builders.length;
  } catch {
    return 0;
  }
}

const builderSessions = (farm: TestFarm) => farm.tmuxSessions().filter((name) => name.includes('-builder-'));

/** The farm after a spawn ended: either the builder recorded and running, or nothing of it anywhere. */
async function assertConsistent(farm: TestFarm, context: string): Promise<'recorded' | 'nothing'> {
  const { builders } = await farm.afJson(['status']);
  const sessions = builderSessions(farm);
  const marked = farmProcesses(farm);
  if (builders.length === 0) {
    assert.equal(sessions, [], `${context}: no tmux session without a row`);
    assert.equal(marked, [], `${context}: no farm process without a row`);
    assert.not.ok(existsSync(join(farm.project, '.builders', 'task-1')), `${context}: no worktree without a row`);
    assert.is(farm.git('branch', '--list', 'builder/*'), '', `${context}: no branch without a row`);
    return 'nothing';
  }
  const [builder] = builders as Array<Builder & { alive: boolean }>;
  assert.is(builders.length, 1, context);
  assert.is(builder!.status, 'implementing', `${context}: the row is complete`);
  assert.ok(builder!.alive, `${context}: the recorded process runs`);
  assert.equal(sessions, [builder!.tmuxSession], `${context}: its session, and only it`);
  return 'recorded';
}

farmTest(
  'SIGINT to af spawn once its builder runs in tmux (before it is recorded): everything it started is undone',
  { tmux: true },
  async (farm) => {
    const { child, done } = startAf(farm, ['spawn', '--task', 'interrupted', ...COMMANDS]);
    await waitUntil(() => builderSessions(farm).length > 0, 'the builder session appears');
    child.kill('SIGINT');
    const result = await done;
    assert.is(result.code, 130, result.stderr);
    assert.match(result.stderr, 'E_INTERRUPTED');
    assert.is(await assertConsistent(farm, 'after SIGINT in the settle'), 'nothing');
  },
);

farmTest(
  'SIGTERM to af spawn once its worktree exists: the worktree, branch and row are removed',
  { tmux: true },
  async (farm) => {
    const { child, done } = startAf(farm, ['spawn', '--task', 'interrupted', ...COMMANDS]);
    await waitUntil(() => existsSync(join(farm.project, '.builders', 'task-1')), 'the worktree appears');
    child.kill('SIGTERM');
    const result = await done;
    assert.is(result.code, 143, result.stderr);
    assert.is(await assertConsistent(farm, 'after SIGTERM in the checkout'), 'nothing');
  },
);

farmTest(
  'SIGINT to af spawn at many moments: a complete row whose process runs, or nothing at all',
  { tmux: true },
  async (farm) => {
    for (const atMs of [50, 150, 250, 350, 450, 600, 800, 1200, 2500]) {
      const { child, done } = startAf(farm, ['spawn', '--task', `at ${atMs} ms`, ...COMMANDS]);
      await delay(atMs);
      child.kill('SIGINT');
      await done;
      await assertConsistent(farm, `SIGINT at ${atMs} ms`);
      await farm.af(['stop']);
      await farm.af(['cleanup', '--project', 'task-1', '--force']);
    }
  },
);

farmTest(
  'Ctrl-C (SIGINT to af and the programs it runs: git, tmux) at many moments: a complete row whose process runs, or nothing at all',
  { tmux: true },
  async (farm) => {
    for (const atMs of [100, 200, 300, 400, 500, 700, 1000]) {
      // Its own process group, as a shell's job: a terminal's Ctrl-C signals the whole group.
      const child = spawn(process.execPath, [AF_BIN, 'spawn', '--task', `at ${atMs} ms`, ...COMMANDS], {
        cwd: farm.project,
        env: afEnvironment({ cwd: farm.project, home: join(farm.folder, 'home'), env: farm.env }),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      const done = finished(child);
      await delay(atMs);
      try {
        process.kill(-child.pid!, 'SIGINT');
      } catch {
        // It ended already.
      }
      const result = await done;
      assert.not.match(result.stderr, 'failed too', `SIGINT at ${atMs} ms: the undo worked: ${result.stderr}`);
      await assertConsistent(farm, `Ctrl-C at ${atMs} ms`);
      await farm.af(['stop']);
      // Whatever a finished spawn left for the next (af stop keeps checkouts).
      await farm.af(['cleanup', '--project', 'task-1', '--force']);
    }
  },
);

farmTest(
  'a git killed by Ctrl-C while af spawn checks the reserved id for an old branch: the reservation is removed',
  { tmux: false },
  async (farm) => {
    // The farm's git, which dies of SIGINT on the branch check alone, as a Ctrl-C to the process group would kill it.
    const wrapper = join(farm.env.PATH!, 'git');
    rmSync(wrapper);
    writeFileSync(
      wrapper,
      `#!/bin/sh\ncase "$*" in *"--verify --quiet refs/heads/builder/"*) kill -INT $$ ;; esac\nexec ${findExecutable('git')} "$@"\n`,
      { mode: 0o755 },
    );
    const result = await farm.af(['spawn', '--task', 'checked', ...COMMANDS]);
    assert.is.not(result.code, 0, result.stderr);
    assert.is(await assertConsistent(farm, 'after the killed branch check'), 'nothing');
  },
);

farmTest(
  'without tmux: SIGINT to af spawn while its detached builder settles undoes it',
  { tmux: false },
  async (farm) => {
    const log = join(farm.project, '.agent-farm', 'logs', 'builder-task-1.log');
    const { child, done } = startAf(farm, ['spawn', '--task', 'detached', ...COMMANDS]);
    await waitUntil(() => existsSync(log) && farmProcesses(farm).length > 0, 'the detached builder starts');
    child.kill('SIGINT');
    const result = await done;
    assert.is(result.code, 130, result.stderr);
    assert.is(await assertConsistent(farm, 'after SIGINT, detached'), 'nothing');
  },
);

farmTest(
  'SIGINT to af start, af util and af annotate once their process runs (before the record): each is undone',
  { tmux: true },
  async (farm) => {
    const start = startAf(farm, ['start', ...COMMANDS]);
    await waitUntil(
      () => farm.tmuxSessions().some((name) => name.endsWith('-architect')),
      'the architect session appears',
    );
    start.child.kill('SIGINT');
    const started = await start.done;
    assert.is(started.code, 130, started.stderr);
    assert.equal(farm.tmuxSessions(), [], 'no architect session left');
    assert.is((await farm.afJson(['status'])).architect, null, 'no architect row left');

    const util = startAf(farm, ['util', ...COMMANDS]);
    await waitUntil(() => farm.tmuxSessions().some((name) => name.includes('-util-')), 'the util session appears');
    util.child.kill('SIGHUP');
    const opened = await util.done;
    assert.is(opened.code, 129, opened.stderr);
    assert.equal(farm.tmuxSessions(), [], 'no util session left');
    assert.equal((await farm.afJson(['status'])).utils, [], 'no util row left');
    assert.equal(farmProcesses(farm), []);

    writeFileSync(join(farm.project, 'notes.md'), 'notes\n');
    const annotate = startAf(farm, ['annotate', 'notes.md']);
    await waitUntil(() => viewerProcesses(farm).length > 0, 'the viewer starts');
    annotate.child.kill('SIGINT');
    const annotated = await annotate.done;
    assert.is(annotated.code, 130, annotated.stderr);
    await waitUntil(() => viewerProcesses(farm).length === 0, 'the viewer ends', 5000);
    assert.equal((await farm.afJson(['status'])).annotations, [], 'no annotation row left');
  },
);

farmTest(
  'af stop while three spawns wait on git: it interrupts them, each undoes its work, and it names them',
  { tmux: true },
  async (farm) => {
    await farm.afJson(['start', ...COMMANDS]);
    // Another git's locks on the three branches keep the spawns retrying for seconds.
    const locks = join(farm.project, '.git', 'refs', 'heads', 'builder');
    mkdirSync(locks, { recursive: true });
    for (const n of [1, 2, 3]) writeFileSync(join(locks, `task-${n}.lock`), '');
    const spawns = [1, 2, 3].map((n) => startAf(farm, ['spawn', '--task', `racing ${n}`, ...COMMANDS]));
    await waitUntil(
      () => readdirSync(locks).length === 3 && spawnRows(farm) === 3,
      'the three spawns reserve their builders',
    );
    const stop = await farm.af(['stop']);
    assert.is(stop.code, 0, stop.stderr);
    const results = await Promise.all(spawns.map((entry) => entry.done));
    for (const result of results) assert.is(result.code, 143, result.stderr);
    assert.match(stop.stdout, /architect \(pid \d+\): stopped/);
    for (const n of [1, 2, 3])
      assert.match(
        stop.stdout,
        new RegExp(`af spawn --task racing ${n} .*\\(under way\\) \\(pid \\d+\\): interrupted`),
        stop.stdout,
      );
    assert.equal(farm.tmuxSessions(), [], 'no tmux session left');
    assert.equal(farmProcesses(farm), [], 'no farm process left');
    const status = await farm.afJson(['status']);
    assert.equal([status.architect, status.builders], [null, []]);
    assert.not.ok(
      existsSync(join(farm.project, '.builders', 'task-1')),
      'the interrupted spawns removed their worktrees',
    );
    const again = await farm.af(['stop']);
    assert.match(again.stdout, 'nothing was running or recorded');
  },
);

farmTest(
  'af stop as three spawns launch: nothing of the farm is left running, and each spawn is named',
  { tmux: true },
  async (farm) => {
    await farm.afJson(['start', ...COMMANDS]);
    const spawns = [1, 2, 3].map((n) => startAf(farm, ['spawn', '--task', `racing ${n}`, ...COMMANDS]));
    await waitUntil(() => existsSync(join(farm.project, '.builders')), 'a worktree appears');
    const stop = await farm.af(['stop']);
    assert.is(stop.code, 0, stop.stderr);
    await Promise.all(spawns.map((entry) => entry.done));
    // However the spawns and the stop interleave, each spawn is named: interrupted under way, or by the builder it recorded.
    const notUnderWay = [1, 2, 3].filter(
      (n) => !new RegExp(`af spawn --task racing ${n} .*\\(under way\\) \\(pid \\d+\\): interrupted`).test(stop.stdout),
    );
    const recorded = stop.stdout.split('\n').filter((line) => /^builder task-\d \(pid \d+\): stopped$/.test(line));
    assert.ok(recorded.length >= notUnderWay.length, `every spawn is named: ${stop.stdout}`);
    assert.equal(farm.tmuxSessions(), [], 'no tmux session left');
    assert.equal(farmProcesses(farm), [], 'no farm process left');
    const status = await farm.afJson(['status']);
    assert.equal([status.architect, status.builders], [null, []]);
  },
);

farmTest(
  'a spawn killed with SIGKILL half-way: af stop ends its unrecorded session and says so; af cleanup ends a session too',
  { tmux: true },
  async (farm) => {
    const first = startAf(farm, ['spawn', '--task', 'killed', ...COMMANDS]);
    await waitUntil(() => builderSessions(farm).length > 0, 'the builder session appears');
    first.child.kill('SIGKILL');
    await first.done;
    const [session] = builderSessions(farm);
    const stop = await farm.af(['stop']);
    assert.is(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, `tmux session ${session}, not recorded (pid `);
    assert.equal(farm.tmuxSessions(), []);
    assert.equal(farmProcesses(farm), []);

    const second = startAf(farm, ['spawn', '--task', 'killed again', ...COMMANDS]);
    await waitUntil(() => builderSessions(farm).length > 0, 'the builder session appears');
    second.child.kill('SIGKILL');
    await second.done;
    // The first spawn's checkout is still there (af stop keeps worktrees), so this one is task-2.
    const id = builderSessions(farm)[0]!.replace(/.*-builder-/, '');
    const cleanup = await farm.af(['cleanup', '--project', id, '--force']);
    assert.is(cleanup.code, 0, cleanup.stderr);
    assert.equal(builderSessions(farm), [], 'cleanup ended the builder session');
    assert.not.ok(existsSync(join(farm.project, '.builders', id)), 'and removed its worktree');
  },
);

farmTest(
  'without tmux: a detached builder whose spawn was killed is found by its mark and ended by af stop',
  { tmux: false },
  async (farm) => {
    const log = join(farm.project, '.agent-farm', 'logs', 'builder-task-1.log');
    const { child, done } = startAf(farm, ['spawn', '--task', 'orphan', ...COMMANDS]);
    await waitUntil(() => existsSync(log) && farmProcesses(farm).length > 0, 'the detached builder starts');
    child.kill('SIGKILL');
    await done;
    const [orphan] = farmProcesses(farm);
    const stop = await farm.af(['stop']);
    assert.match(
      stop.stdout,
      new RegExp(`process group ${orphan} \\([^)]*${LONG}[^)]*\\), not recorded \\(pid ${orphan}\\): stopped`),
    );
    assert.equal(farmProcesses(farm), []);
  },
);

farmTest(
  'logs: a planted symlink for the logs folder or a log file is refused, nothing written through it',
  { tmux: false },
  async (farm) => {
    const outside = join(farm.folder, 'outside');
    mkdirSync(outside);
    const victim = join(outside, 'victim.txt');
    writeFileSync(victim, 'keep me\n');
    const logs = join(farm.project, '.agent-farm', 'logs');
    mkdirSync(join(farm.project, '.agent-farm'));
    symlinkSync(outside, logs);
    const folderLink = await farm.af(['spawn', '--task', 'logged', ...COMMANDS]);
    assert.is(folderLink.code, 1);
    assert.match(folderLink.stderr, 'E_UNSAFE_PATH');
    assert.match(folderLink.stderr, logs);
    assert.equal(readdirSync(outside), ['victim.txt'], 'no log was made in the linked folder');
    assert.ok(lstatSync(logs).isSymbolicLink(), 'the link is left in place');

    rmSync(logs);
    mkdirSync(logs);
    symlinkSync(victim, join(logs, 'builder-task-1.log'));
    const fileLink = await farm.af(['spawn', '--task', 'logged', ...COMMANDS]);
    assert.is(fileLink.code, 1);
    assert.match(fileLink.stderr, 'E_UNSAFE_PATH');
    assert.is(readFileSync(victim, 'utf8'), 'keep me\n', 'not a byte through the link');
    assert.is(readlinkSync(join(logs, 'builder-task-1.log')), victim);
    const status = await farm.afJson(['status']);
    assert.equal(status.builders, [], 'the refused spawn left no row');
    assert.equal(farmProcesses(farm), []);
  },
);

farmTest('a failed af start on a corrupt state.db takes no port block', { tmux: false }, async (farm) => {
  mkdirSync(join(farm.project, '.agent-farm'));
  writeFileSync(join(farm.project, '.agent-farm', 'state.db'), Buffer.alloc(4096, 0x41));
  const start = await farm.af(['start', ...COMMANDS]);
  assert.is(start.code, 1);
  assert.match(start.stderr, 'E_NOT_SQLITE');
  const blocks = await farm.afJson(['ports', 'list']);
  assert.equal(
    blocks.filter((block: { path: string }) => block.path === farm.project),
    [],
    'no block for the project',
  );
});

farmTest('a failed af start (architect exits at once) gives back the block it took', { tmux: false }, async (farm) => {
  const start = await farm.af(['start', '--architect-cmd', 'sh -c "exit 4"']);
  assert.is(start.code, 1);
  assert.match(start.stderr, 'exited at once');
  const blocks = await farm.afJson(['ports', 'list']);
  assert.equal(
    blocks.filter((block: { path: string }) => block.path === farm.project),
    [],
  );
});

farmTest('two af start at once: one architect, and the other names its pid', { tmux: true }, async (farm) => {
  const [a, b] = await Promise.all([farm.af(['start', ...COMMANDS]), farm.af(['start', ...COMMANDS])]);
  assert.is(a!.code, 0, a!.stderr);
  assert.is(b!.code, 0, b!.stderr);
  const status = await farm.afJson(['status']);
  const loser = [a!, b!].find((result) => result.stderr.includes('already running'));
  assert.ok(loser, `one start says the architect is already running: ${a!.stderr} | ${b!.stderr}`);
  assert.match(loser!.stderr, `already running (pid ${status.architect.pid},`);
  assert.is(farm.tmuxSessions().length, 1, 'one architect session');
});

farmTest(
  "a planted row naming the user's own tmux session and process group: af stop ends neither",
  { tmux: true },
  async (farm) => {
    const tmuxEnv = { ...process.env, TMUX_TMPDIR: farm.folder, TMUX: '' };
    const id = farmIdentity(realpathSync(farm.project)).id;
    // The user's own: a tmux session, a process group leader, and a session of another farm whose name continues this one's prefix.
    spawnSync('tmux', ['new-session', '-d', '-s', 'users-session', 'sleep 600'], { env: tmuxEnv });
    spawnSync(
      'tmux',
      ['new-session', '-d', '-s', `${id}-x-123456-architect`, '-e', `AF_FARM=${id}-x-123456`, 'sleep 600'],
      { env: tmuxEnv },
    );
    const leader = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
    try {
      const store = await StateStore.open(join(farm.project, '.agent-farm', 'state.db'));
      await store.addUtil({
        id: 'planted',
        name: 'planted',
        port: farm.basePort + 30,
        pid: leader.pid!,
        tmuxSession: 'users-session',
      });
      await store.close();
      const stop = await farm.af(['stop']);
      assert.is(stop.code, 0, stop.stderr);
      assert.match(stop.stdout, 'not a farm process');
      assert.ok(isProcessAlive(leader.pid!), "the user's process group is left running");
      assert.ok(farm.tmuxSessions().includes('users-session'), "the user's tmux session is left open");
      assert.ok(farm.tmuxSessions().includes(`${id}-x-123456-architect`), "another farm's session is left open");
    } finally {
      leader.kill('SIGKILL');
    }
  },
);

test.run();
