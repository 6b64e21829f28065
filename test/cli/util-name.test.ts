// `af util --name`: a name the farm records and shows is a plain word, checked by
// the same code as the dashboard's New shell; anything else is refused, nothing recorded.
// A name another tool wrote into the state (the native version checks none) is shown
// by `af status` with its control characters escaped.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { join } from 'node:path';
import { StateStore } from '../../lib/state/store.js';
import { deadPid, farmTest } from '../helpers/farm.js';

const REFUSED: Array<[what: string, name: string, shown: string]> = [
  ['an escape sequence and a new line', 'evil\x1b[31mRED\nline', '"evil\\u001b[31mRED\\nline"'],
  ['5000 characters', 'x'.repeat(5000), `"${'x'.repeat(79)}`],
  ['a space', 'my shell', '"my shell"'],
];

for (const [what, name, shown] of REFUSED)
  farmTest(`af util --name with ${what} is refused`, { tmux: false }, async (farm) => {
    const run = await farm.af(['util', '--name', name, '--shell-cmd', 'sleep 600']);
    assert.is(run.code, 1, run.stderr);
    assert.is(
      run.stderr,
      `af: error: a utility terminal's name must be 1 to 64 letters, digits, "_" or "-"; got ${shown}. (E_INVALID_INPUT)\n`,
    );
    assert.equal((await farm.afJson(['status'])).utils, [], 'nothing recorded');
  });

farmTest(
  'names with escape sequences and bidirectional controls written by another tool: af status shows them escaped',
  { tmux: false },
  async (farm) => {
    const store = await StateStore.open(join(farm.project, '.agent-farm', 'state.db'));
    try {
      await store.addUtil({
        id: 'util-1',
        name: 'evil\x1b[2J\x1b[31mRED\nline\u202e',
        port: farm.basePort + 40,
        pid: deadPid(),
      });
      await store.upsertBuilder({
        id: 'x\x1b[2J',
        name: 'b',
        port: farm.basePort + 10,
        pid: deadPid(),
        status: 'implementing',
        phase: '',
        worktree: '',
        branch: '',
        type: 'task',
      });
    } finally {
      await store.close();
    }
    const status = await farm.af(['status']);
    assert.is(status.code, 0, status.stderr);
    assert.not.match(status.stdout, '\x1b', 'no escape sequence reaches the terminal');
    const row = status.stdout.split('\n').find((line) => line.startsWith('util-1'));
    assert.match(row ?? '', 'evil\\u001b[2J\\u001b[31mRED\\u000aline\\u202e', 'the name on its row, escaped');
    assert.match(status.stdout, '  builder x\\u001b[2J is not running: ', "an ended builder's line too");
  },
);

test.run();
