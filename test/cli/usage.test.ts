// A command line typed wrong, through the built bin: each mistake is one typed
// error (E_INVALID_INPUT) naming the problem and the help to read, a failed exit, and
// nothing made.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runAf } from '../helpers/af.js';
import { inFolder } from '../helpers/processes.js';

const MISTAKES: Array<[args: string[], problem: string, help: string]> = [
  [['annotate'], 'af annotate needs <file>', 'af annotate'],
  [['ports', 'remove'], 'af ports remove needs <path>', 'af ports remove'],
  [['spawn', '--task'], 'option --task <text> needs a value', 'af spawn'],
  [['util', '--name'], 'option --name <name> needs a value', 'af util'],
  [['spawn', '--bogus'], 'unknown option --bogus', 'af spawn'],
  [['status', '--bogus'], 'unknown option --bogus', 'af status'],
  [['spawn', '--files-x', 'a'], 'unknown option --files-x', 'af spawn'],
  [['status', '--no-such-thing'], 'unknown option --no-such-thing', 'af status'],
  [['--bogus'], 'unknown option --bogus', 'af'],
  [['bogus'], 'unknown command "bogus"', 'af'],
  [['tower', 'bogus'], 'unknown command "bogus"', 'af tower'],
  [['status', 'extra-arg'], 'unexpected argument "extra-arg": af status takes none', 'af status'],
  [['status', '--', 'extra-arg'], 'unexpected argument "extra-arg": af status takes none', 'af status'],
  [['db', 'dump', 'builders'], 'unexpected argument "builders": af db dump takes none', 'af db dump'],
  [['annotate', 'a.ts', 'b.ts'], 'unexpected argument "b.ts": af annotate takes <file>', 'af annotate'],
];

for (const [args, problem, help] of MISTAKES)
  test(
    `af ${args.join(' ')}: ${problem}`,
    inFolder(async (folder) => {
      const cwd = join(folder, 'project');
      mkdirSync(cwd);
      const run = await runAf(args, { cwd });
      assert.is(run.code, 1, run.stderr);
      assert.is(run.stdout, '');
      const line = run.stderr.trimEnd();
      assert.ok(line.startsWith(`af: error: ${problem}`), line);
      assert.ok(line.endsWith(`; see "${help} --help". (E_INVALID_INPUT)`), line);
      assert.not.ok(existsSync(join(cwd, '.agent-farm')), 'nothing was made');
    }),
  );

test.run();
