// The library leaves V8's process-wide flags to its host; `af` chooses the baseline compiler.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { inFolder } from '../helpers/processes.js';

const ROOT = process.cwd();

/** Runs `body` in a child whose node:v8 setFlagsFromString records its calls, and returns them. */
function flagsSetBy(body: string, folder: string): string[] {
  const script = `
    const v8 = require('node:v8');
    const calls = [];
    const original = v8.setFlagsFromString;
    v8.setFlagsFromString = (flags) => { calls.push(flags); return original(flags); };
    require('node:module').syncBuiltinESMExports();
    process.on('exit', () => console.log('flags set: ' + JSON.stringify(calls)));
    (async () => { ${body} })().catch((error) => { console.error(error); process.exit(1); });`;
  const run = spawnSync(process.execPath, ['-e', script], {
    cwd: folder,
    encoding: 'utf8',
    env: { ...process.env, AF_GLOBAL_DIR: join(folder, 'global') },
  });
  assert.is(run.status, 0, run.stderr);
  const line = run.stdout.split('\n').find((text) => text.startsWith('flags set: '));
  assert.ok(line, run.stdout);
  return JSON.parse(line.slice('flags set: '.length)) as string[];
}

test(
  'opening a database through the library sets no V8 flag',
  inFolder(async (folder) => {
    const calls = flagsSetBy(
      `
    const { SharedDatabase } = await import(${JSON.stringify(join(ROOT, 'dist', 'index.js'))});
    const db = await SharedDatabase.open('x.db');
    await db.transaction((sql) => sql.run('CREATE TABLE t (x)'));
    await db.close();`,
      folder,
    );
    assert.equal(calls, []);
  }),
);

test(
  'preferBaselineWasmCompiler() asks V8 for its baseline compiler, before the first open',
  inFolder(async (folder) => {
    const calls = flagsSetBy(
      `
    const { preferBaselineWasmCompiler, SharedDatabase } = await import(${JSON.stringify(join(ROOT, 'dist', 'index.js'))});
    if (preferBaselineWasmCompiler() !== true) throw new Error('not applied');
    const db = await SharedDatabase.open('x.db');
    await db.close();`,
      folder,
    );
    assert.equal(calls, ['--liftoff-only']);
  }),
);

test(
  'af chooses the baseline compiler for itself',
  inFolder(async (folder) => {
    const calls = flagsSetBy(
      `
    process.argv = [process.argv[0], 'af', 'db', 'dump'];
    await import(${JSON.stringify(join(ROOT, 'dist', 'af.js'))});`,
      folder,
    );
    assert.equal(calls, ['--liftoff-only']);
  }),
);

test.run();
