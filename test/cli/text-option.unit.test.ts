// lib/cli/text-option.ts: an option's text as typed, where cac turned it into a
// number ("--project 0042" arrives as 42); a repeated option is refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidInputError } from '../../lib/engine/errors.js';
import { textOption } from '../../lib/cli/text-option.js';
import { throwsWith } from '../helpers/expect-error.js';

const FLAGS = ['--project', '-p'];

test('an option not given is undefined; a string is returned as cac gave it', () => {
  assert.is(textOption(undefined, FLAGS, ['spawn']), undefined);
  assert.is(textOption('0042', FLAGS, ['spawn', '--project', 'other']), '0042', 'a string is not looked up again');
  assert.is(textOption('', FLAGS, []), '');
});

test('a number is read back from the arguments as typed, in each spelling', () => {
  assert.is(textOption(42, FLAGS, ['spawn', '--project', '0042']), '0042');
  assert.is(textOption(42, FLAGS, ['spawn', '--project=0042']), '0042');
  assert.is(textOption(42, FLAGS, ['spawn', '-p', '0042']), '0042');
  assert.is(textOption(42, FLAGS, ['spawn', '-p=0042']), '0042');
  assert.is(textOption(1000, FLAGS, ['spawn', '--project', '1e3']), '1e3');
  assert.is(textOption(16, FLAGS, ['spawn', '--project=0x10', '--shell']), '0x10');
});

test("only the option's own flags count, not ones that start the same", () => {
  assert.is(textOption(7, FLAGS, ['spawn', '--projects', '007', '--project', '07']), '07');
  assert.is(textOption(7, FLAGS, ['spawn', '--project-id=007', '--project=07']), '07');
});

test('arguments after -- are not options', () => {
  assert.is(textOption(42, FLAGS, ['spawn', '--', '--project', '0042']), '42');
  assert.is(textOption(42, FLAGS, ['spawn', '--project', '042', '--', '--project', '0042']), '042');
});

test('without the flag in the arguments it falls back to the value as text', () => {
  assert.is(textOption(42, FLAGS, []), '42');
  assert.is(textOption(42, FLAGS, ['spawn', '--project']), '42', 'a flag with nothing after it');
});

test('an option given twice is refused, naming its first spelling', () => {
  throwsWith(
    () => textOption(['1', 2], FLAGS, ['--project', '1', '-p', '2']),
    InvalidInputError,
    'E_INVALID_INPUT',
    '--project was given 2 times; give it once.',
  );
  throwsWith(
    () => textOption([1, 2, 3], ['--name'], []),
    InvalidInputError,
    'E_INVALID_INPUT',
    '--name was given 3 times',
  );
});

test('reads process.argv when no arguments are passed', () => {
  const saved = process.argv;
  process.argv = [saved[0]!, 'af', 'spawn', '--project', '0007'];
  try {
    assert.is(textOption(7, FLAGS), '0007');
  } finally {
    process.argv = saved;
  }
});

test.run();
