// `af start` when it cannot finish, through the built `af` with real tmux: what the
// dashboard needs and a cloned repository can plant (a link as the farm's secret, as
// the dashboard's record, as the logs folder) is refused before the architect is
// launched; `af db reset` names the farm's processes it leaves unrecorded, and a
// session of the architect's name that the state no longer records is reported and
// left running, never ended by the start that failed on it, and `af stop` ends it; one
// whose program ended (its pane kept) is a leftover the start ends and makes again.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '../../lib/engine/io/process-alive.js';
import { farmTest } from '../helpers/farm.js';
import { eventually } from '../helpers/tmux-server.js';

const START = ['start', '--no-browser', '--architect-cmd', 'sleep 600'];

farmTest(
  'a link planted as the secret, the dashboard record or the logs folder: af start refuses before launching anything',
  { tmux: true },
  async (farm) => {
    const state = join(farm.project, '.agent-farm');
    mkdirSync(state);
    const victim = join(farm.folder, 'victim.txt');
    writeFileSync(victim, 'keep me\n');
    const outside = join(farm.folder, 'outside');
    mkdirSync(outside);
    for (const [name, target] of [
      ['secret', victim],
      ['dashboard.json', victim],
      ['logs', outside],
    ] as const) {
      rmSync(join(state, name), { recursive: true, force: true }); // the logs of the start before
      symlinkSync(target, join(state, name));
      const refused = await farm.af(START);
      assert.is(refused.code, 1, `${name}: ${refused.stdout}`);
      assert.match(refused.stderr, 'E_UNSAFE_PATH', name);
      assert.match(refused.stderr, join(state, name));
      assert.not.match(refused.stdout, 'architect started', `${name}: nothing said started`);
      assert.equal(farm.tmuxSessions(), [], `${name}: no architect was launched`);
      assert.is(readFileSync(victim, 'utf8'), 'keep me\n', `${name}: not a byte through the link`);

      rmSync(join(state, name));
      assert.is((await farm.afJson(['status'])).architect, null, `${name}: none recorded`);
      const started = await farm.af(START);
      assert.is(started.code, 0, `${name} removed, the start works: ${started.stderr}`);
      assert.is((await farm.af(['stop'])).code, 0);
    }
  },
);

farmTest(
  'the state reset while the architect ran: af start reports its session and leaves it running; af stop ends it; an ended one is made again',
  { tmux: true },
  async (farm) => {
    assert.is((await farm.af(START)).code, 0);
    const [session] = farm.tmuxSessions();
    assert.ok(session, 'the architect runs in tmux');
    const reset = await farm.af(['db', 'reset', '--force']);
    assert.is(reset.code, 0);
    assert.match(
      reset.stderr,
      /the farm's processes still run, no longer recorded \(pid [\d, ]+\): "af stop" ends them/,
    );

    const again = await farm.af(START);
    assert.is(again.code, 1);
    assert.match(again.stderr, `the tmux session ${session} already exists`);
    assert.match(again.stderr, '(E_LAUNCH)');
    assert.equal(farm.tmuxSessions(), [session], 'the session is still running: the failed start did not end it');
    assert.is((await farm.afJson(['status'])).architect, null, 'the failed start recorded nothing');

    const stopped = await farm.af(['stop']);
    assert.is(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stdout, 'not recorded');
    assert.equal(farm.tmuxSessions(), []);
    assert.is((await farm.af(START)).code, 0, 'then the farm starts');

    // An architect that ended (its pane kept for its last screen) when the state is reset: a leftover, made again.
    const ended = (await farm.afJson(['status'])).architect.pid;
    process.kill(ended, 'SIGKILL');
    await eventually('the pane is dead', () => !isProcessAlive(ended));
    assert.equal(farm.tmuxSessions(), [session], 'its session is kept');
    assert.is((await farm.af(['db', 'reset', '--force'])).code, 0);
    const restarted = await farm.af(START);
    assert.is(restarted.code, 0, restarted.stderr);
    assert.ok((await farm.afJson(['status'])).architect.alive, 'a new architect runs in that session');
  },
);

test.run();
