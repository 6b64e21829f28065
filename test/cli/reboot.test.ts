// A reboot, as a user meets it: every tmux session and the dashboard gone at once,
// the rows still there. `af status` says each builder ended and how to resume it,
// `af start` brings back the architect and the dashboard and names the builders to
// resume, and `af spawn --resume` starts each again where it was, with its
// instructions.
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import { RESUME_NOTE } from '../../lib/farm/instructions.js';
import type { Builder } from '../../lib/state/types.js';
import { recordingAgent } from '../helpers/agent.js';
import { farmTest } from '../helpers/farm.js';
import { eventually } from '../helpers/tmux-server.js';
import { isProcessAlive } from '../../lib/engine/io/process-alive.js';

farmTest(
  'after a reboot: af start names the ended builders, af spawn --resume brings each back as it was',
  { tmux: true },
  async (farm) => {
    mkdirSync(join(farm.project, 'codev', 'specs'), { recursive: true });
    writeFileSync(join(farm.project, 'codev', 'specs', '0007-search.md'), '# Search\n');
    const [spec, task] = [recordingAgent(farm.folder, 'spec'), recordingAgent(farm.folder, 'task')];
    const started = await farm.afJson(['start', '--no-browser', '--architect-cmd', 'sleep 600']);
    const before: Builder[] = [
      await farm.afJson(['spawn', '--project', '0007', '--builder-cmd', spec.command]),
      await farm.afJson(['spawn', '--task', 'Make search fast', '--builder-cmd', task.command]),
    ];
    const prompts = [(await spec.args())[0]!, (await task.args())[0]!];

    // The reboot: the tmux server and the dashboard end at once.
    spawnSync('tmux', ['kill-server'], { env: { ...process.env, TMUX_TMPDIR: farm.folder, TMUX: '' } });
    process.kill(started.dashboard.pid, 'SIGKILL');
    await eventually('the dashboard to end', () => !isProcessAlive(started.dashboard.pid));

    const status = await farm.af(['status']);
    for (const builder of before)
      assert.match(
        status.stdout,
        `builder ${builder.id} is not running: "af spawn --resume ${builder.id}" starts it again`,
      );

    const start = await farm.af(['start', '--no-browser', '--architect-cmd', 'sleep 600']);
    assert.is(start.code, 0, start.stderr);
    assert.match(start.stdout, /^http:\/\/127\.0\.0\.1:\d+\/\?token=/m, 'the dashboard is back');
    for (const builder of before)
      assert.match(start.stderr, `builder ${builder.id} is not running: "af spawn --resume ${builder.id}"`);

    const resumedAgents = [recordingAgent(farm.folder, 'spec-again'), recordingAgent(farm.folder, 'task-again')];
    for (const [n, builder] of before.entries()) {
      const resumed: Builder = await farm.afJson([
        'spawn',
        '--resume',
        builder.id,
        '--builder-cmd',
        resumedAgents[n]!.command,
      ]);
      assert.equal(
        [resumed.id, resumed.port, resumed.branch, resumed.worktree, resumed.type],
        [builder.id, builder.port, builder.branch, builder.worktree, builder.type],
      );
      assert.equal(
        await resumedAgents[n]!.args(),
        [`${prompts[n]}\n\n${RESUME_NOTE}`],
        'its instructions, and that it resumes',
      );
    }
    const after = await farm.afJson(['status']);
    assert.ok(
      after.builders.every((builder: { alive: boolean }) => builder.alive),
      'both run again',
    );
    assert.not.match((await farm.af(['start', '--no-browser'])).stderr, 'is not running', 'nothing left to resume');
  },
);

test.run();
