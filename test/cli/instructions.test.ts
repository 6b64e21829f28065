// Each agent's instructions, as the user gives them: the architect's role, a builder's
// spec (and plan), task (with files) or protocol arrive as the command's last
// argument, byte for byte (a hostile task runs nothing), are kept with the builder,
// and come again, with a line saying so, when `af spawn --resume` starts it after its
// process ended. A spec or protocol that does not exist is refused before anything
// is made.
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import { RESUME_NOTE } from '../../lib/farm/instructions.js';
import type { Builder } from '../../lib/state/types.js';
import { isProcessAlive } from '../../lib/engine/io/process-alive.js';
import { recordingAgent } from '../helpers/agent.js';
import { eventually } from '../helpers/tmux-server.js';
import { farmTest, type TestFarm } from '../helpers/farm.js';

const BUILDER_ROLE = 'You are a Builder. Read codev/roles/builder.md for your full role definition. ';

function write(root: string, path: string, text = '# a file\n'): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

async function spawnWith(farm: TestFarm, agent: { command: string }, args: string[]): Promise<Builder> {
  return farm.afJson(['spawn', ...args, '--builder-cmd', agent.command]);
}

const promptOf = async (farm: TestFarm, id: string) =>
  JSON.parse(
    (await farm.af(['db', 'query', `SELECT prompt FROM builder_instructions WHERE builder_id = '${id}'`])).stdout,
  )[0]?.prompt;

farmTest("every mode's prompt reaches the agent as its last argument, byte for byte", { tmux: true }, async (farm) => {
  const root = farm.project;
  for (const path of [
    'codev/specs/0042-thing.md',
    'codev/plans/0042-thing.md',
    'codev/specs/0043-other.md',
    'codev/roles/builder.md',
    'codev/roles/architect.md',
    'codev/protocols/review/protocol.md',
    'codev/protocols/review/role.md',
  ])
    write(root, path);

  const architect = recordingAgent(farm.folder, 'architect');
  const start = await farm.af(['start', '--no-browser', '-c', architect.command]);
  assert.is(start.code, 0, start.stderr);
  assert.equal(await architect.args(), [
    'You are the architect. Your role and responsibilities are described in codev/roles/architect.md. Please read that file to understand your role.',
  ]);

  const spec = recordingAgent(farm.folder, 'spec');
  const specBuilder = await spawnWith(farm, spec, ['--project', 'thing']);
  assert.equal([specBuilder.id, specBuilder.name], ['0042', '0042-thing'], 'named by its number, whatever was typed');
  const specPrompt = `${BUILDER_ROLE}Implement the feature specified in codev/specs/0042-thing.md. Follow the implementation plan in codev/plans/0042-thing.md. Start by reading the spec and plan, then begin implementation.`;
  assert.equal(await spec.args(), [specPrompt]);
  assert.is(await promptOf(farm, '0042'), specPrompt, 'kept with the builder');

  const noPlan = recordingAgent(farm.folder, 'no-plan');
  await spawnWith(farm, noPlan, ['--project', '0043-other', '--no-role']);
  assert.equal(await noPlan.args(), [
    'Implement the feature specified in codev/specs/0043-other.md. Start by reading the spec, then begin implementation.',
  ]);

  const marker = join(farm.folder, 'ran');
  // Ends with ";", which tmux takes as the end of its command.
  const hostile = `Fix "it" and 'that': $(touch ${marker}-1) \`touch ${marker}-2\` $HOME \\n ;\nsecond line — ünïcödé ✓;`;
  const task = recordingAgent(farm.folder, 'task');
  const taskBuilder = await spawnWith(farm, task, ['--task', hostile]);
  assert.equal(await task.args(), [`${BUILDER_ROLE}${hostile}`]);
  assert.is(taskBuilder.taskText, hostile);
  assert.not.ok(existsSync(`${marker}-1`) || existsSync(`${marker}-2`), 'nothing in the task ran');
  const withFiles = recordingAgent(farm.folder, 'files');
  write(root, 'lib/a.ts');
  write(root, 'test/b.ts');
  await spawnWith(farm, withFiles, ['--task', 'Tidy up', '--files', 'lib/a.ts, test/b.ts']);
  assert.equal(await withFiles.args(), [
    `${BUILDER_ROLE}Tidy up\n\nRelevant files to consider:\n- lib/a.ts\n- test/b.ts`,
  ]);

  const protocol = recordingAgent(farm.folder, 'protocol');
  await spawnWith(farm, protocol, ['--protocol', 'review']);
  assert.equal(await protocol.args(), [
    'You are a Builder. Read codev/protocols/review/role.md for your full role definition. You are running the review protocol. Start by reading codev/protocols/review/protocol.md and follow its instructions.',
  ]);

  for (const mode of ['--shell', '--worktree']) {
    const bare = recordingAgent(farm.folder, mode.slice(2));
    await spawnWith(farm, bare, [mode]);
    assert.equal(await bare.args(), [], `${mode}: no prompt`);
  }

  const configured = recordingAgent(farm.folder, 'configured');
  write(root, 'codev/config.json', JSON.stringify({ shell: { builder: [...configuredWords(configured.command)] } }));
  const fromConfig: Builder = await farm.afJson(['spawn', '--task', 'from the config']);
  assert.equal(await configured.args(), [`${BUILDER_ROLE}from the config`], 'a list of words keeps its words');
  assert.is(fromConfig.type, 'task');
});

farmTest("a task's files must exist in the project: refused before anything is made", { tmux: false }, async (farm) => {
  write(farm.project, 'lib/a.ts');
  write(farm.project, '.agent-farm/secret');
  symlinkSync('/etc/passwd', join(farm.project, 'passwd.ts'));
  const refusals: Array<[files: string, problem: string]> = [
    ['nosuch.ts', '"nosuch.ts" does not exist in the project'],
    ['lib/a.ts, lib/b.ts', '"lib/b.ts" does not exist in the project'],
    ['../outside.ts', '"../outside.ts" is not inside the project'],
    ['/etc/passwd', '"/etc/passwd" is not inside the project'],
    ['passwd.ts', '"passwd.ts" leads outside the project'],
    ['.agent-farm/secret', `".agent-farm/secret" is in the project`],
  ];
  for (const [files, problem] of refusals) {
    const run = await farm.af(['spawn', '--task', 'x', '--files', files, '--builder-cmd', 'sleep 600']);
    assert.is(run.code, 1, files);
    assert.ok(run.stderr.startsWith(`af: error: the task's file ${problem} ${farm.project}`), run.stderr);
    assert.ok(run.stderr.endsWith('Nothing was made. (E_INVALID_INPUT)\n'), run.stderr);
  }
  assert.not.ok(existsSync(join(farm.project, '.builders')), 'no worktree');
  assert.is(farm.git('branch', '--list', 'builder/*'), '', 'no branch');
  assert.not.ok(existsSync(join(farm.project, '.agent-farm', 'state.db')), 'no state, no port block');
});

/** The agent command as a list of words, as codev/config.json may give it. */
function configuredWords(command: string): string[] {
  return [...command.matchAll(/'((?:[^']|'\\'')*)'/g)].map((match) => match[1]!.replace(/'\\''/g, "'"));
}

farmTest(
  'a missing or ambiguous spec, or a missing protocol, is refused before anything is made',
  { tmux: true },
  async (farm) => {
    write(farm.project, 'codev/specs/0001-alpha.md');
    write(farm.project, 'codev/specs/0001-beta.md');
    write(farm.project, 'codev/specs/v1.2.md');
    const agent = recordingAgent(farm.folder, 'agent');
    const cases: Array<[string[], string, RegExp]> = [
      [['--project', '9999'], 'E_SPEC_NOT_FOUND', /no spec "9999".*codev\/specs\/9999-\*\.md/],
      [['--project', '0001'], 'E_INVALID_INPUT', /names 2 specs \(0001-alpha, 0001-beta\)/],
      [['--protocol', 'nope'], 'E_PROTOCOL_NOT_FOUND', /codev\/protocols\/nope\/protocol\.md does not exist/],
      [['--protocol', '../specs'], 'E_INVALID_INPUT', /not a protocol name/],
      [['--project', 'v1.2'], 'E_INVALID_INPUT', /builder id "v1\.2", which is not usable/],
    ];
    for (const [args, code, message] of cases) {
      const refused = await farm.af(['spawn', ...args, '--builder-cmd', agent.command]);
      assert.is(refused.code, 1, args.join(' '));
      assert.match(refused.stderr, `(${code})`);
      assert.match(refused.stderr, message);
    }
    assert.not.ok(existsSync(join(farm.project, '.builders')), 'no worktree');
    assert.is(farm.git('branch', '--list', 'builder/*'), '', 'no branch');
    assert.not.ok(existsSync(join(farm.project, '.agent-farm', 'state.db')), 'no state, so no row');
    assert.equal(farm.tmuxSessions(), [], 'no process');
    assert.not.ok(existsSync(join(farm.folder, 'agent.args.json')), 'the agent never started');
  },
);

farmTest(
  "a spec or plan not committed is named on stderr: the builder's worktree, made from the current commit, lacks it",
  { tmux: true },
  async (farm) => {
    const agent = recordingAgent(farm.folder, 'agent');
    const spawn = async (what: string) => {
      const spawned = await farm.af(['spawn', '--project', '0007', '--builder-cmd', agent.command, '--json']);
      assert.is(spawned.code, 0, `${what}: ${spawned.stderr}`);
      assert.is(JSON.parse(spawned.stdout).id, '0007', `${what}: stdout is the builder's JSON alone`);
      return spawned.stderr;
    };
    const cleanup = async () => assert.is((await farm.af(['cleanup', '--project', '0007'])).code, 0);
    write(farm.project, 'codev/specs/0007-login.md');
    const untracked = await spawn('a new spec');
    assert.match(
      untracked,
      "codev/specs/0007-login.md is not committed, so builder 0007's worktree (made from the current commit) does not have it; commit it first",
    );
    assert.not.ok(existsSync(join(farm.project, '.builders', '0007', 'codev', 'specs', '0007-login.md')), 'as it says');
    await cleanup();

    farm.git('add', 'codev');
    farm.git('commit', '-q', '-m', 'the spec');
    write(farm.project, 'codev/specs/0007-login.md', '# changed since\n');
    write(farm.project, 'codev/plans/0007-login.md');
    const changed = await spawn('a changed spec and a new plan');
    assert.match(
      changed,
      "codev/specs/0007-login.md has changes that are not committed, so builder 0007's worktree has the committed version",
    );
    assert.match(changed, 'codev/plans/0007-login.md is not committed');
    await cleanup();

    farm.git('add', 'codev');
    farm.git('commit', '-q', '-m', 'the plan');
    assert.not.match(await spawn('all committed'), 'committed', 'no note');

    write(farm.project, 'src/na\u00efve.ts', 'export {};\n');
    farm.git('add', 'src');
    farm.git('commit', '-q', '-m', 'a committed folder, a name git would quote');
    const committed = await farm.af([
      'spawn',
      '--task',
      'Read',
      '--files',
      'src,src/na\u00efve.ts',
      '--builder-cmd',
      agent.command,
    ]);
    assert.is(committed.code, 0, committed.stderr);
    assert.not.match(committed.stderr, 'committed', 'a committed folder and file: no note');
    assert.is((await farm.af(['cleanup', '--project', 'task-1'])).code, 0);
    write(farm.project, 'src/new.ts', 'export {};\n');
    const task = await farm.af([
      'spawn',
      '--task',
      'Use it',
      '--files',
      './src/new.ts',
      '--builder-cmd',
      agent.command,
    ]);
    assert.is(task.code, 0, task.stderr);
    assert.match(
      task.stderr,
      "src/new.ts is not committed, so builder task-1's worktree",
      'a task file too, as git names it',
    );
  },
);

farmTest(
  'af spawn --resume starts an ended builder again: same id, port, branch and worktree, its instructions and a resume line',
  { tmux: true },
  async (farm) => {
    const first = recordingAgent(farm.folder, 'first');
    const builder = await spawnWith(farm, first, ['--task', 'Write the README']);
    const prompt = (await first.args())[0]!;

    const refused = await farm.af(['spawn', '--resume', builder.id, '--builder-cmd', first.command]);
    assert.is(refused.code, 1);
    assert.match(refused.stderr, `builder ${builder.id} is running`);

    // Every tmux session gone at once, as after a reboot.
    spawnSync('tmux', ['kill-server'], { env: { ...process.env, TMUX_TMPDIR: farm.folder, TMUX: '' } });
    const dead = await farm.afJson(['status']);
    assert.equal(
      dead.builders.map((entry: { id: string; alive: boolean }) => [entry.id, entry.alive]),
      [[builder.id, false]],
    );

    const second = recordingAgent(farm.folder, 'second');
    const resumed: Builder = await farm.afJson(['spawn', '--resume', builder.id, '--builder-cmd', second.command]);
    assert.equal(
      [resumed.id, resumed.port, resumed.branch, resumed.worktree, resumed.taskText],
      [builder.id, builder.port, builder.branch, builder.worktree, builder.taskText],
    );
    assert.is.not(resumed.pid, builder.pid);
    assert.equal(await second.args(), [`${prompt}\n\n${RESUME_NOTE}`]);
    const unknown = await farm.af(['spawn', '--resume', 'task-9', '--builder-cmd', second.command]);
    assert.match(unknown.stderr, '(E_BUILDER_NOT_FOUND)');

    // Resumed again without a command: the one it was last started with, not the project's default (claude).
    process.kill(-resumed.pid, 'SIGKILL');
    const third: Builder = await farm.afJson(['spawn', '--resume', builder.id]);
    assert.is.not(third.pid, resumed.pid);
    await eventually('the second agent started again', () => isProcessAlive(third.pid));
    assert.equal(await second.args(), [`${prompt}\n\n${RESUME_NOTE}`]);
  },
);

test.run();
