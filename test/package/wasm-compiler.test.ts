// sql.js's WebAssembly is compiled by V8's baseline compiler alone, and the host's own
// WebAssembly compiles and tiers up as before; `af` chooses the baseline compiler for
// all of its process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';
import { locateRuntimes, runtimeArgs } from '../../scripts/portability/runtimes.mjs';
import { inFolder } from '../helpers/processes.js';

const ROOT = process.cwd();
/** V8 compiles lazily by default from version 11 (Node.js 20) on. */
const LAZY_BY_DEFAULT = Number.parseInt(process.versions.v8, 10) >= 11;
const AROUND_COMPILE = [
  '--no-wasm-tier-up --no-wasm-dynamic-tiering --no-wasm-lazy-compilation',
  `--wasm-tier-up --wasm-dynamic-tiering --${LAZY_BY_DEFAULT ? '' : 'no-'}wasm-lazy-compilation`,
];

/** Runs `body` in a child whose node:v8 setFlagsFromString records its calls, and returns them. */
function flagsSetBy(body: string, folder: string, nodeArgs: string[] = []): string[] {
  const script = `
    const v8 = require('node:v8');
    const calls = [];
    const original = v8.setFlagsFromString;
    v8.setFlagsFromString = (flags) => { calls.push(flags); return original(flags); };
    require('node:module').syncBuiltinESMExports();
    process.on('exit', () => console.log('flags set: ' + JSON.stringify(calls)));
    (async () => { ${body} })().catch((error) => { console.error(error); process.exit(1); });`;
  const run = spawnSync(process.execPath, [...nodeArgs, '-e', script], {
    cwd: folder,
    encoding: 'utf8',
    env: { ...process.env, AF_GLOBAL_DIR: join(folder, 'global') },
  });
  assert.is(run.status, 0, run.stderr);
  const line = run.stdout.split('\n').find((text) => text.startsWith('flags set: '));
  assert.ok(line, run.stdout);
  return JSON.parse(line.slice('flags set: '.length)) as string[];
}

const OPEN_AND_WRITE = `
    const { SharedDatabase } = await import(${JSON.stringify(join(ROOT, 'dist', 'index.js'))});
    const db = await SharedDatabase.open('x.db');
    await db.transaction((sql) => sql.run('CREATE TABLE IF NOT EXISTS t (x)'));
    await db.close();`;

test(
  "opening a database sets V8's tiering flags around sql.js's compile only, and sets them back",
  inFolder(async (folder) => {
    assert.equal(flagsSetBy(OPEN_AND_WRITE, folder), AROUND_COMPILE);
  }),
);

test(
  'a host that started with a tiering flag of its own keeps its flags: none is set',
  inFolder(async (folder) => {
    assert.equal(flagsSetBy(OPEN_AND_WRITE, folder, ['--wasm-lazy-compilation']), []);
    assert.equal(flagsSetBy(OPEN_AND_WRITE, folder, ['--no-wasm_tier_up']), [], 'spelled with underscores');
  }),
);

test(
  'preferBaselineWasmCompiler() asks V8 for its baseline compiler for all WebAssembly, and nothing is set back',
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

test(
  "sql.js's module stays on Liftoff while one the host compiles after it tiers up, on every runtime",
  inFolder(async (folder) => {
    const probe = join(folder, 'tiering-probe.mjs');
    await build({
      entryPoints: [join(ROOT, 'test/helpers/tiering-probe.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: probe,
      logLevel: 'warning',
    });
    const installed = Object.entries(locateRuntimes()).filter(([, runtime]) => runtime) as Array<
      [string, { path: string }]
    >;
    const runtimes: Array<[string, string]> = [
      [`node ${process.versions.node}`, process.execPath],
      ...installed.map(([name, { path }]): [string, string] => [name, path]),
    ];
    const seen: string[] = [];
    for (const [name, path] of runtimes) {
      const run = spawnSync(path, runtimeArgs(name, probe, ['--allow-natives-syntax']), {
        cwd: folder,
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.is(run.status, 0, `${name}: ${run.stderr}`);
      const { ours, host, sums } = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
      assert.equal(sums, [5050, 5050, 0], `${name}: both modules compute the same`);
      seen.push(`${name}: ours ${ours}, host ${host}`);
      if (name === 'bun') {
        assert.is(host, 'unknown', 'Bun is not V8: nothing to set, nothing to see');
      } else if (name === 'deno') {
        // Deno freezes V8's flags once started: sql.js tiers as Deno decides, and so does the host.
        assert.is(host, 'turbofan', `${name}: the host's module tiers up`);
      } else {
        assert.is(ours, 'liftoff', `${name}: sql.js's module stays on the baseline tier`);
        assert.is(host, 'turbofan', `${name}: the host's module tiers up`);
      }
    }
    if (installed.length < 4) console.log(`  (runtimes not installed here were left out: ${seen.join('; ')})`);
  }),
);

test.run();
