// lib/ports (layout.ts, base-port.ts), the parts that need no database: the layout of a project's block,
// and the basePort option, which is checked before anything is opened.
// (AF_BASE_PORT and ports.json are read only with a registry open: test/ports.test.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidInputError } from '../../lib/engine/errors.js';
import { portLayout } from '../../lib/ports/layout.js';
import { PortRegistry } from '../../lib/ports/registry.js';

test('portLayout: dashboard and architect first, then 20 ports each for builders, utils, annotations', () => {
  assert.equal(portLayout(4200), {
    basePort: 4200,
    dashboard: 4200,
    architect: 4201,
    builders: { first: 4210, last: 4229 },
    utils: { first: 4230, last: 4249 },
    annotations: { first: 4250, last: 4269 },
  });
});

test('portLayout keeps every range inside the block of 100, without overlaps', () => {
  for (const base of [4200, 5100, 59700]) {
    const layout = portLayout(base);
    const ranges = [layout.builders, layout.utils, layout.annotations];
    for (const range of ranges) {
      assert.is(range.last - range.first + 1, 20);
      assert.ok(range.first > layout.architect && range.last < base + 100, `${base}: inside the block`);
    }
    for (let i = 1; i < ranges.length; i++)
      assert.ok(ranges[i]!.first > ranges[i - 1]!.last, `${base}: ranges in order, apart`);
  }
});

test('the basePort option is checked before anything is opened: only a block start from 4200 to 59700 passes', async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ports-unit-'));
  try {
    const dbPath = path.join(folder, 'registry', 'global.db');
    // 59700 is the highest base whose 58 blocks end below 65536: (65536 - 58 * 100) rounded down to 100.
    for (const bad of [4100, 4250, 4200.5, 59800, 65500, -4200, Number.NaN]) {
      let caught: unknown;
      try {
        await PortRegistry.open(dbPath, { basePort: bad, wasmPath: path.join(folder, 'no.wasm') });
      } catch (error) {
        caught = error;
      }
      assert.instance(caught, InvalidInputError, `${bad} is refused`);
      const message = (caught as InvalidInputError).message;
      assert.is((caught as InvalidInputError).code, 'E_INVALID_INPUT');
      assert.ok(
        message.includes(`the basePort option (${bad})`) && message.includes('multiple of 100 from 4200 to 59700'),
        message,
      );
    }
    assert.not.ok(fs.existsSync(path.join(folder, 'registry')), 'nothing was created');
    // The first and the last good base pass the check and go on to load SQLite (here, a WebAssembly file that is not there).
    for (const good of [4200, 5000, 59700]) {
      const outcome = await PortRegistry.open(dbPath, { basePort: good, wasmPath: path.join(folder, 'no.wasm') }).then(
        () => 'opened',
        (error: { code?: string }) => error.code,
      );
      assert.is(outcome, 'E_WASM_LOAD', `${good} is accepted`);
    }
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});

test.run();
