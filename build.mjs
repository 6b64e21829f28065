// Builds the package with esbuild. Everything the code imports is bundled in, so the
// published package has no runtime dependencies:
//   dist/index.js, dist/index.cjs          the library, as an ES module and as CommonJS
//   dist/embedded.js, dist/embedded.cjs    `agent-farm-state/embedded`: the library with
//   dist/sql-wasm.embedded.cjs             the `.wasm` inside (gzip + base64, one copy for both)
//   dist/af.js, dist/af/                   the `af` bin, and what only its dashboard and tower processes load
//   dist/types/, dist/types-cjs/           declarations for ES module and CommonJS importers
//   wasm/sql-wasm.wasm                     sql.js's WebAssembly, found beside the bundles at run time
//   THIRD_PARTY_NOTICES.md                 the licences of every bundled package
// and dist/demo.js for `npm run demo` (not published).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = dirname(fileURLToPath(import.meta.url));
process.chdir(root);
const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

// sql.js's WebAssembly, shipped in wasm/ (left alone when unchanged: running processes may be reading it).
const wasmSource = require.resolve('sql.js/dist/sql-wasm.wasm');
mkdirSync('wasm', { recursive: true });
if (!sameBytes(wasmSource, 'wasm/sql-wasm.wasm')) copyFileSync(wasmSource, 'wasm/sql-wasm.wasm');

/**
 * In an ES module there is no `require`: the CommonJS packages bundled in (sql.js,
 * cac) would fail on `require('fs')`. Their `require` of a
 * Node built-in becomes an import, so the ES bundles hold no `require` at all and
 * still work when a consumer bundles them again (as an ES module or as CommonJS).
 */
const builtins = new Set(builtinModules);
/**
 * sql.js asks node:crypto for random bytes only (SQLite's randomness), and only when
 * it needs some; importing the module would cost every process 2 MiB at start-up.
 * Every supported runtime (Node.js 18 on, Bun, Deno) has Web Crypto's
 * getRandomValues, which fills at most 65 536 bytes a call. ws (the web terminals'
 * sockets, in the bin only) hashes each handshake's key: node:crypto is loaded then.
 */
const CRYPTO_STAND_IN = `import { createRequire } from 'node:module';
let loaded;
const nodeCrypto = () => (loaded ??= createRequire(import.meta.url)('node:crypto'));
export function randomFillSync(bytes) {
  for (let start = 0; start < bytes.length; start += 65536) globalThis.crypto.getRandomValues(bytes.subarray(start, start + 65536));
  return bytes;
}
export const createHash = (...args) => nodeCrypto().createHash(...args);
export const randomBytes = (...args) => nodeCrypto().randomBytes(...args);
`;
const builtinRequiresAsImports = {
  name: 'builtin-requires-as-imports',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind !== 'require-call') return undefined;
      const name = args.path.replace(/^node:/, '');
      return builtins.has(name) ? { path: name, namespace: 'node-builtin' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => ({
      contents:
        args.path === 'crypto'
          ? CRYPTO_STAND_IN
          : `import builtin from ${JSON.stringify(`node:${args.path}`)};\nmodule.exports = builtin;\n`,
      loader: 'js',
    }));
  },
};

/** The embedded entry imports the library entry beside it instead of a second copy of the library. */
const libraryEntryBeside = (file) => ({
  name: 'library-entry-beside',
  setup(b) {
    b.onResolve({ filter: /^\.\/index\.js$/ }, (args) =>
      args.importer === join(root, 'lib', 'embedded.ts') ? { path: `./${file}`, external: true } : undefined,
    );
  },
});

const common = {
  bundle: true,
  platform: 'node',
  target: 'node18',
  logLevel: 'warning',
  metafile: true,
  define: { AF_VERSION: JSON.stringify(pkg.version) },
  legalComments: 'none',
};
const esm = {
  ...common,
  format: 'esm',
  plugins: [builtinRequiresAsImports],
  // sql.js reads __dirname when it runs under Node, only to find a `.wasm` it is never asked to load.
  define: { ...common.define, __dirname: '""' },
};
// The CommonJS build finds its folder through __filename: import.meta is empty there.
const cjs = { ...common, format: 'cjs', logOverride: { 'empty-import-meta': 'silent' } };

const pages = await buildPageAssets();
rmSync('dist/af', { recursive: true, force: true }); // the bin's chunks, named by their content
const results = await Promise.all([
  build({ ...esm, entryPoints: ['lib/index.ts'], outfile: 'dist/index.js' }),
  build({ ...cjs, entryPoints: ['lib/index.ts'], outfile: 'dist/index.cjs' }),
  build({
    ...esm,
    entryPoints: ['lib/embedded.ts'],
    outfile: 'dist/embedded.js',
    plugins: [libraryEntryBeside('index.js'), builtinRequiresAsImports],
    banner: { js: "import AF_EMBEDDED_WASM from './sql-wasm.embedded.cjs';" },
  }),
  build({
    ...cjs,
    entryPoints: ['lib/embedded.ts'],
    outfile: 'dist/embedded.cjs',
    plugins: [libraryEntryBeside('index.cjs')],
    banner: { js: "'use strict';\nconst AF_EMBEDDED_WASM = require('./sql-wasm.embedded.cjs');" },
  }),
  // The bin carries the pages and xterm.js too: spaces and dead syntax go (names stay, for stack traces), so the
  // package stays under 1.1 MiB. What only the dashboard's and the tower's processes import (dynamically) is split into dist/af/,
  // so the other commands start without loading it.
  build({
    ...esm,
    entryPoints: { af: 'bin/af.ts' },
    outdir: 'dist',
    splitting: true,
    chunkNames: 'af/[name]-[hash]',
    plugins: [...esm.plugins, pages.plugin],
    minifyWhitespace: true,
    minifySyntax: true,
  }),
  pages.result,
]);
chmodSync('dist/af.js', 0o755);
await build({ ...esm, metafile: false, entryPoints: ['scripts/demo.ts'], outfile: 'dist/demo.js' });
// The schemas alone, for bench/ (its native engine must not load this package); not shipped.
await build({ ...esm, metafile: false, entryPoints: ['lib/schemas.ts'], outfile: 'dist/schemas.js' });

// The embedded copy of the `.wasm`, gzip-compressed: the package ships the `.wasm`
// file as well, and two uncompressed copies would not fit in a 1.1 MiB package.
const sqlJsVersion = readPackageJson(dirname(dirname(wasmSource))).version;
const packed = gzipSync(readFileSync(wasmSource), { level: 9 }).toString('base64');
writeFileSync(
  'dist/sql-wasm.embedded.cjs',
  [
    `// sql.js ${sqlJsVersion} sql-wasm.wasm, gzip-compressed and base64-encoded (MIT, see THIRD_PARTY_NOTICES.md).`,
    `module.exports = ${JSON.stringify(packed)};`,
    '',
  ].join('\n'),
);

buildDeclarations();
writeNotices(bundledPackages(results));

/**
 * The dashboard's, the terminals' and the tower's pages (lib/page/): their scripts bundled for the
 * browser with the packages they use (xterm.js), their styles and templates, given
 * to the server code as the module `af:page-assets` (file name → text). Only the
 * bin holds them, in the chunk its dashboard and tower processes import: the server sends them
 * from memory and nothing is loaded from the network.
 */
async function buildPageAssets() {
  const folder = 'lib/page';
  const files = readdirSync(folder);
  const scripts = ['dashboard', 'terminal', 'tower'].filter((name) => files.includes(`${name}.ts`));
  const result = await build({
    entryPoints: Object.fromEntries(scripts.map((name) => [name, join(folder, `${name}.ts`)])),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    write: false,
    outdir: 'dist/page',
  });
  const assets = Object.fromEntries(result.outputFiles.map((file) => [relative('dist/page', file.path), file.text]));
  for (const file of files.filter((name) => /\.html$/.test(name)))
    assets[file] = readFileSync(join(folder, file), 'utf8');
  // Styles go out minified, as the scripts do, each page's with its imports (lib/page/styles/) in it.
  const css = async (path) =>
    (
      await build({
        entryPoints: [path],
        bundle: true,
        minify: true,
        write: false,
        logLevel: 'warning',
        outfile: 'page.css',
      })
    ).outputFiles[0].text;
  for (const file of files.filter((name) => /\.css$/.test(name))) assets[file] = await css(join(folder, file));
  assets['xterm.css'] = await css(require.resolve('@xterm/xterm/css/xterm.css'));
  const plugin = {
    name: 'page-assets',
    setup(b) {
      b.onResolve({ filter: /^af:page-assets$/ }, () => ({ path: 'page-assets', namespace: 'page-assets' }));
      b.onLoad({ filter: /.*/, namespace: 'page-assets' }, () => ({
        contents: `export const PAGE_ASSETS = ${JSON.stringify(assets)};`,
        loader: 'js',
      }));
    },
  };
  return { plugin, result };
}

/**
 * `tsc --emitDeclarationOnly` into dist/types (ES module importers), and the same
 * tree in dist/types-cjs marked CommonJS for `require` importers (under node16 a
 * declaration's format follows its nearest package.json). sql.js's types are not a
 * dependency of the package: its declarations are vendored into both trees.
 */
function buildDeclarations() {
  for (const folder of ['dist/types', 'dist/types-cjs']) rmSync(folder, { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
  if (tsc.status !== 0) throw new Error('tsc could not emit the declarations');
  mkdirSync('dist/types/vendor', { recursive: true });
  writeFileSync('dist/types/vendor/sql-js.d.ts', vendoredSqlJsTypes());
  for (const file of walk('dist/types')) {
    if (!file.endsWith('.d.ts') || file.includes(`${sep}vendor${sep}`)) continue;
    const toVendor = relative(dirname(file), 'dist/types/vendor/sql-js.js').split(sep).join('/');
    const text = readFileSync(file, 'utf8').replace(
      /(['"])sql\.js\1/g,
      JSON.stringify(toVendor.startsWith('.') ? toVendor : `./${toVendor}`),
    );
    for (const [, specifier] of text.matchAll(/(?:from\s+|import\()["']([^"']+)["']/g)) {
      if (!specifier.startsWith('.') && !specifier.startsWith('node:'))
        throw new Error(`${file} refers to the package ${specifier}, which the published package does not have`);
    }
    writeFileSync(file, text);
  }
  cpSync('dist/types', 'dist/types-cjs', { recursive: true });
  writeFileSync('dist/types-cjs/package.json', `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
}

/** @types/sql.js as an ES-module-shaped declaration that needs no Emscripten types. */
function vendoredSqlJsTypes() {
  const source = readFileSync(join(typesFolder('sql.js'), 'index.d.ts'), 'utf8');
  const body = source.slice(0, source.indexOf('declare namespace initSqlJs'));
  if (!body.includes('declare class Database'))
    throw new Error('@types/sql.js changed shape: update vendoredSqlJsTypes() in build.mjs');
  const { version } = readPackageJson(typesFolder('sql.js'));
  return [
    `// From @types/sql.js ${version} (MIT, see THIRD_PARTY_NOTICES.md), the types of sql.js's`,
    '// Database and Statement that this package exposes.',
    body
      .replace('/// <reference types="emscripten" />\n', '')
      .replace('type SqlJsConfig = Partial<EmscriptenModule>;', 'type SqlJsConfig = Record<string, unknown>;'),
    'export type { BindParams, InitSqlJsStatic, ParamsCallback, ParamsObject, QueryExecResult, SqlJsConfig, SqlJsStatic, SqlValue, StatementIteratorResult, UpdateHookCallback, UpdateHookOperation };',
    'export type { Database, Statement, StatementIterator };',
    '',
  ].join('\n');
}

/** The packages whose code esbuild put into the published bundles: name → folder. */
function bundledPackages(buildResults) {
  const folders = new Map();
  for (const { metafile } of buildResults) {
    for (const input of Object.keys(metafile.inputs)) {
      const match = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(input);
      if (match) folders.set(match[2], join(root, match[1]));
    }
  }
  return new Map([...folders].sort(([a], [b]) => a.localeCompare(b)));
}

function typesFolder(name) {
  return join(root, 'node_modules', '@types', name);
}

function readPackageJson(folder) {
  return JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
}

function writeNotices(bundled) {
  const sections = [...bundled, ['@types/sql.js', typesFolder('sql.js')]].map(([name, folder]) => {
    const meta = readPackageJson(folder);
    const licenceFile = readdirSync(folder).find((file) => /^licen[cs]e/i.test(file));
    if (!licenceFile) throw new Error(`${name} has no licence file to put in THIRD_PARTY_NOTICES.md`);
    const repository = typeof meta.repository === 'string' ? meta.repository : meta.repository?.url;
    const usage =
      name === '@types/sql.js'
        ? 'its declarations, in dist/types*/vendor/sql-js.d.ts'
        : name === 'sql.js'
          ? 'its JavaScript in the bundles, its WebAssembly in wasm/ and dist/sql-wasm.embedded.cjs'
          : 'bundled into dist/';
    return [
      `## ${name} ${meta.version}`,
      '',
      `License: ${meta.license}${repository ? ` · ${repository.replace(/^git\+/, '')}` : ''}`,
      `Used: ${usage}`,
      '',
      '```',
      readFileSync(join(folder, licenceFile), 'utf8').trim(),
      '```',
    ].join('\n');
  });
  writeFileSync(
    'THIRD_PARTY_NOTICES.md',
    [
      '# Third-party notices',
      '',
      `${pkg.name} ${pkg.version} has no runtime dependencies: the packages below are bundled into it. Generated by build.mjs.`,
      '',
      sections.join('\n\n'),
      '',
    ].join('\n'),
  );
}

function sameBytes(a, b) {
  try {
    return readFileSync(a).equals(readFileSync(b));
  } catch {
    return false;
  }
}

function walk(folder) {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
