// `af db stats` tells whether a writer would wait for the lock: the command's own
// lease of it (it applied the schema to a new file) makes no one wait.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runAf } from './helpers/af.js';
import { inFolder } from './helpers/processes.js';

test('af db stats in a fresh project does not report its own lock as held', inFolder(async (folder) => {
  const cwd = join(folder, 'project');
  mkdirSync(join(cwd, 'codev'), { recursive: true });
  const run = await runAf(['db', 'stats', '--json'], { cwd });
  assert.is(run.code, 0, run.stderr);
  const stats = JSON.parse(run.stdout);
  assert.is(stats.lock.state, 'free');
}));

test.run();
