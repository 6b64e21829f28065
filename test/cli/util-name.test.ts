// `af util --name`: a name the farm records and shows is a plain word, checked by
// the same code as the dashboard's New shell; anything else is refused, nothing recorded.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { farmTest } from '../helpers/farm.js';

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

test.run();
