// `af db stats` tells whether a writer would wait for the lock: the command's own
// lease of it (its open wrote to the file) makes no one wait.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runAf } from '../helpers/af.js';
import { NATIVE_LOCAL_DDL } from '../helpers/native-schema.js';
import { sqliteShell } from '../helpers/sqlite-shell.js';
import { inFolder } from '../helpers/processes.js';

test(
  'af db stats does not report its own lock as held after its open wrote (it adopted a native file)',
  inFolder(async (folder) => {
    const cwd = join(folder, 'project');
    mkdirSync(join(cwd, '.agent-farm'), { recursive: true });
    // The native version's tables without a _migrations row: opening it records version 1, under the lock.
    sqliteShell(join(cwd, '.agent-farm', 'state.db'), NATIVE_LOCAL_DDL);
    const run = await runAf(['db', 'stats', '--json'], { cwd });
    assert.is(run.code, 0, run.stderr);
    const stats = JSON.parse(run.stdout);
    assert.is(stats.schemaVersion, 2, 'the open wrote');
    assert.is(stats.lock.state, 'free');
  }),
);

test.run();
