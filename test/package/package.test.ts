// The built package as a consumer sees it (dist/ after `node build.mjs`): both
// module formats through the package's `exports`, the `.wasm` found from the
// bundles, the embedded entry, one-file consumer bundles, the declarations, the bin.
// Other runtimes and the packed tarball are checked by scripts/check-portability.mjs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { build, type BuildOptions } from 'esbuild';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SharedDatabase, setDefaultWasmSource } from '../../lib/index.js';
import { rejectsWith } from '../helpers/assertions.js';
import { finished, inFolder, type Finished } from '../helpers/processes.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies?: object;
  files: string[];
};
const WASM = join(root, 'wasm', 'sql-wasm.wasm');

/** A consumer project whose node_modules holds this package (as a link to the built tree) and @types/node. */
function consumer(folder: string): string {
  const dir = join(folder, 'consumer');
  mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
  symlinkSync(root, join(dir, 'node_modules', pkg.name), 'dir');
  symlinkSync(join(root, 'node_modules', '@types', 'node'), join(dir, 'node_modules', '@types', 'node'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  return dir;
}

/** Writes state and a port block through the API in a fresh project below `folder`; prints a JSON summary. */
const SMOKE_BODY = `
const folder = process.argv[2];
const { mkdirSync } = await import('node:fs');
const { join } = await import('node:path');
mkdirSync(join(folder, 'project', '.agent-farm'), { recursive: true });
process.chdir(join(folder, 'project'));
process.env.AF_GLOBAL_DIR = join(folder, 'global');
const basePort = await af.getPortBlock(process.cwd());
await af.upsertBuilder({ id: 'B1', name: 'smoke', port: basePort + 10, pid: process.pid, status: 'implementing', phase: '', worktree: '/w', branch: 'b', type: 'spec' });
const state = await af.loadState();
await af.closeDb();
await af.closeGlobalDb();
console.log(JSON.stringify({ basePort, builders: state.builders.map((b) => b.id), layout: af.portLayout(basePort).builders }));
`;
// No top-level await: a consumer's bundle may be CommonJS.
const MAIN = `async function main() {${SMOKE_BODY}}\nmain().catch((error) => { console.error(error.code ?? '', error.message); process.exitCode = 1; });\n`;
const esmSmoke = (entry: string) => `import * as af from ${JSON.stringify(entry)};\n${MAIN}`;
const cjsSmoke = (entry: string) => `const af = require(${JSON.stringify(entry)});\n${MAIN}`;

function runNode(args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<Finished> {
  const { AF_SQLJS_WASM: _unused, ...inherited } = process.env;
  return finished(
    spawn(process.execPath, args, { cwd, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
}

function assertSmoke(run: Finished, label: string): void {
  assert.is(run.code, 0, `${label}: ${run.stderr}`);
  const summary = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
    basePort: number;
    builders: string[];
    layout: { first: number };
  };
  assert.is(summary.basePort, 4200, label);
  assert.equal(summary.builders, ['B1'], label);
  assert.is(summary.layout.first, 4210, label);
}

test(
  'the ES module and the CommonJS build load through the exports map and find the .wasm from dist/',
  inFolder(async (folder) => {
    const dir = consumer(folder);
    writeFileSync(join(dir, 'esm.mjs'), esmSmoke(pkg.name));
    writeFileSync(join(dir, 'cjs.cjs'), cjsSmoke(pkg.name));
    mkdirSync(join(folder, 'a'));
    mkdirSync(join(folder, 'b'));
    assertSmoke(await runNode(['esm.mjs', join(folder, 'a')], dir), 'import');
    assertSmoke(await runNode(['cjs.cjs', join(folder, 'b')], dir), 'require');
  }),
);

test(
  'both builds and both entries export the same names',
  inFolder(async (folder) => {
    const dir = consumer(folder);
    writeFileSync(
      join(dir, 'names.mjs'),
      `
    import { createRequire } from 'node:module';
    const require = createRequire(import.meta.url);
    const names = (m) => Object.keys(m).filter((k) => k !== 'default' && k !== '__esModule').sort();
    console.log(JSON.stringify([
      names(await import('${pkg.name}')), names(require('${pkg.name}')),
      names(await import('${pkg.name}/embedded')), names(require('${pkg.name}/embedded')),
    ]));`,
    );
    const run = await runNode(['names.mjs'], dir);
    assert.is(run.code, 0, run.stderr);
    const [esm, cjs, embeddedEsm, embeddedCjs] = JSON.parse(run.stdout) as string[][];
    for (const name of [
      'SharedDatabase',
      'StateStore',
      'PortRegistry',
      'portLayout',
      'loadState',
      'upsertBuilder',
      'getPortBlock',
      'closeDb',
      'closeGlobalDb',
      'stateDbPath',
      'globalDbPath',
      'BUILDER_STATUSES',
      'AgentFarmStateError',
      'setDefaultWasmSource',
    ]) {
      assert.ok(esm!.includes(name), `exports ${name}`);
    }
    assert.equal(cjs, esm);
    assert.equal(embeddedEsm, esm);
    assert.equal(embeddedCjs, esm);
  }),
);

/** Bundles `source` (importing `entry`) with esbuild into `<folder>/out/app.<ext>`, as a consumer would. */
async function bundle(dir: string, entry: string, format: 'esm' | 'cjs', extra: BuildOptions = {}): Promise<string> {
  const ext = format === 'esm' ? 'mjs' : 'cjs';
  const input = join(dir, `app-${format}.mjs`);
  writeFileSync(input, esmSmoke(entry));
  const outfile = join(dir, '..', `out-${format}-${entry.replace(/\W/g, '_')}`, `app.${ext}`);
  await build({ entryPoints: [input], bundle: true, platform: 'node', format, outfile, logLevel: 'error', ...extra });
  return outfile;
}

test(
  'a one-file esbuild bundle of the embedded entry runs with no .wasm anywhere near it',
  inFolder(async (folder) => {
    const dir = consumer(folder);
    for (const format of ['cjs', 'esm'] as const) {
      const outfile = await bundle(dir, `${pkg.name}/embedded`, format);
      assert.ok(statSync(outfile).size > 400_000, 'the WebAssembly is inside the bundle');
      const run = await runNode([outfile, join(folder, `embedded-${format}`)], join(outfile, '..'));
      assertSmoke(run, `embedded, ${format}`);
    }
  }),
);

test(
  'a one-file esbuild bundle of the main entry finds the .wasm copied beside it, and names where it looked without it',
  inFolder(async (folder) => {
    const dir = consumer(folder);
    for (const format of ['cjs', 'esm'] as const) {
      const outfile = await bundle(dir, pkg.name, format);
      const missing = await runNode([outfile, join(folder, `missing-${format}`)], folder);
      assert.is.not(missing.code, 0, `${format}: runs only with the .wasm`);
      assert.ok(
        missing.stderr.includes('E_WASM_LOAD') || missing.stderr.includes('cannot load the SQLite WebAssembly'),
        missing.stderr,
      );
      assert.ok(missing.stderr.includes(join(outfile, '..')), `names the bundle's folder: ${missing.stderr}`);
      copyFileSync(WASM, join(outfile, '..', 'sql-wasm.wasm'));
      assertSmoke(await runNode([outfile, join(folder, `beside-${format}`)], folder), `beside, ${format}`);
    }
  }),
);

test(
  'AF_SQLJS_WASM still takes precedence over the embedded copy',
  inFolder(async (folder) => {
    const dir = consumer(folder);
    writeFileSync(join(dir, 'embedded.mjs'), esmSmoke(`${pkg.name}/embedded`));
    const notWasm = join(folder, 'not.wasm');
    writeFileSync(notWasm, 'not WebAssembly');
    const run = await runNode(['embedded.mjs', join(folder, 'p')], dir, { AF_SQLJS_WASM: notWasm });
    assert.is.not(run.code, 0);
    assert.ok(run.stderr.includes(notWasm), run.stderr);
  }),
);

test(
  'setDefaultWasmSource supplies the bytes unless wasmPath or AF_SQLJS_WASM names a file, and undefined restores the file',
  inFolder(async (folder) => {
    const saved = process.env.AF_SQLJS_WASM;
    delete process.env.AF_SQLJS_WASM;
    try {
      setDefaultWasmSource({ description: 'the test source', bytes: () => new Uint8Array([0, 1, 2, 3]) });
      await rejectsWith(SharedDatabase.open(join(folder, 'a.db')), 'E_WASM_LOAD', 'the test source');
      const named = await SharedDatabase.open(join(folder, 'b.db'), { wasmPath: WASM });
      await named.close();
      process.env.AF_SQLJS_WASM = WASM;
      const fromEnvironment = await SharedDatabase.open(join(folder, 'c.db'));
      await fromEnvironment.close();
      delete process.env.AF_SQLJS_WASM;
      setDefaultWasmSource(readFileSync(WASM));
      const fromBytes = await SharedDatabase.open(join(folder, 'd.db'));
      assert.is(await fromBytes.read((sql) => sql.exec('SELECT 6 * 7')[0]!.values[0]![0]), 42);
      await fromBytes.close();
    } finally {
      setDefaultWasmSource(undefined);
      if (saved === undefined) delete process.env.AF_SQLJS_WASM;
      else process.env.AF_SQLJS_WASM = saved;
    }
    const fromFile = await SharedDatabase.open(join(folder, 'e.db'));
    await fromFile.close();
  }),
);

test(
  'the declarations resolve for both entries under node16 (import and require) and bundler resolution',
  inFolder(async (folder) => {
    const dir = consumer(folder);
    const usage = (entry: string) => `
    const builder: af.Builder = { id: 'B1', name: 'n', port: 4210, pid: 1, status: 'blocked', phase: '', worktree: '/w', branch: 'b', type: 'spec' };
    export async function use(): Promise<number> {
      await af.upsertBuilder(builder);
      const state: af.DashboardState = await af.loadState();
      const layout: af.PortLayout = af.portLayout(await af.getPortBlock('/p'));
      const db = await af.SharedDatabase.open('state.db', { wasmPath: 'sql-wasm.wasm', durability: 'full' });
      const changed: number = await db.transaction((sql) => { sql.run('SELECT 1'); return sql.getRowsModified(); });
      // @ts-expect-error the SQL handle is typed, not any
      await db.read((sql) => sql.noSuchMethod());
      af.setDefaultWasmSource(new Uint8Array(0));
      const store: af.StateStore = await af.StateStore.open(af.stateDbPath('/p'));
      await store.close();
      return state.builders.length + layout.dashboard + changed + (${JSON.stringify(entry)}.length);
    }`;
    for (const entry of [pkg.name, `${pkg.name}/embedded`]) {
      const stem = entry.endsWith('embedded') ? 'embedded' : 'main';
      writeFileSync(join(dir, `${stem}-esm.mts`), `import * as af from '${entry}';\n${usage(entry)}`);
      writeFileSync(join(dir, `${stem}-cjs.cts`), `import af = require('${entry}');\n${usage(entry)}`);
      writeFileSync(join(dir, `${stem}-bundler.ts`), `import * as af from '${entry}';\n${usage(entry)}`);
    }
    const common = {
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: ['node'],
      target: 'ES2022',
      lib: ['ES2022'],
    };
    writeFileSync(
      join(dir, 'tsconfig.node16.json'),
      JSON.stringify({
        compilerOptions: { ...common, module: 'node16', moduleResolution: 'node16' },
        include: ['*.mts', '*.cts'],
      }),
    );
    writeFileSync(
      join(dir, 'tsconfig.bundler.json'),
      JSON.stringify({
        compilerOptions: { ...common, module: 'esnext', moduleResolution: 'bundler' },
        include: ['*-bundler.ts'],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const config of ['tsconfig.node16.json', 'tsconfig.bundler.json']) {
      const run = await runNode([tsc, '-p', config], dir);
      assert.is(run.code, 0, `${config}: ${run.stdout}${run.stderr}`);
    }
  }),
);

test("importing the bundles leaves the host's own fs module as it was", async () => {
  const check = (load: string) => `const fs = require('node:fs'); const before = { ...fs };
    ${load}.then(() => { const changed = Object.keys(before).filter((key) => fs[key] !== before[key]); console.log(changed.join(',') || 'unchanged'); });`;
  for (const load of [
    `Promise.resolve(require(${JSON.stringify(join(root, 'dist/index.cjs'))}))`,
    `import(${JSON.stringify(pathToFileURL(join(root, 'dist/index.js')).href)})`,
  ]) {
    const run = await runNode(['-e', check(load)], root);
    assert.is(run.stdout.trim(), 'unchanged', `${load}: ${run.stderr}`);
  }
});

test(
  'af --version prints the package version from the bin',
  inFolder(async (folder) => {
    const run = await runNode([join(root, 'dist', 'af.js'), '--version'], folder);
    assert.is(run.code, 0, run.stderr);
    assert.ok(run.stdout.startsWith(`af/${pkg.version} `), run.stdout);
  }),
);

test('the package has no runtime dependencies, and the notices name every package bundled in', () => {
  assert.is(pkg.dependencies, undefined);
  const notices = readFileSync(join(root, 'THIRD_PARTY_NOTICES.md'), 'utf8');
  for (const name of ['sql.js', 'cac', '@types/sql.js']) {
    assert.ok(new RegExp(`^## ${name.replace('.', '\\.')} \\d`, 'm').test(notices), `notices for ${name}`);
  }
  for (const file of [
    'dist/index.js',
    'dist/index.cjs',
    'dist/embedded.js',
    'dist/embedded.cjs',
    'dist/af.js',
    'wasm/sql-wasm.wasm',
    'THIRD_PARTY_NOTICES.md',
  ]) {
    assert.ok(
      pkg.files.some((entry) => file === entry || file.startsWith(entry)),
      `${file} is published`,
    );
  }
  // The ES module bundles hold no require(): they keep working when bundled again as an ES module.
  const chunks = readdirSync(join(root, 'dist', 'af')).map((name) => `dist/af/${name}`);
  for (const file of ['dist/index.js', 'dist/embedded.js', 'dist/af.js', ...chunks]) {
    assert.not.ok(
      /\brequire\(/.test(readFileSync(join(root, file), 'utf8').replace(/__require\(\)|require_\w+\(/g, '')),
      `${file} has no require()`,
    );
  }
});

test.run();
