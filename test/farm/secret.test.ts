// The tower's secret made by several `af tower start` at the same moment: one process
// makes it and says so (it alone may stop a tower that holds an older secret); the
// others read the same one and say they found it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { finished, inFolder, startScript, waitForLine } from '../helpers/processes.js';

const STARTS = 8;

test(
  'eight processes making the tower secret at once: one made it, all hold the same',
  inFolder(async (folder) => {
    const workers = Array.from({ length: STARTS }, () =>
      startScript('test/helpers/secret-worker.ts', [], { AF_GLOBAL_DIR: folder }),
    );
    const done = workers.map(finished);
    await Promise.all(workers.map((worker) => waitForLine(worker, 'ready')));
    for (const worker of workers) worker.stdin!.end('go\n');
    const results = await Promise.all(done);
    for (const result of results) assert.is(result.code, 0, result.stderr);
    const said = results.map((result) => result.stdout.trim().split('\n').at(-1)!.split(' '));
    assert.is(said.filter(([word]) => word === 'created').length, 1, said.map(([word]) => word).join(' '));
    assert.is(new Set(said.map(([, secret]) => secret)).size, 1, 'one secret');
  }),
);

test.run();
