// Loads sql.js once per process and per WebAssembly source. The source is, first
// to last: the caller's `wasmPath`, AF_SQLJS_WASM, bytes an entry point registered
// with setDefaultWasmSource() (agent-farm-state/embedded carries the `.wasm` inside
// its JavaScript), else the `.wasm` file found from this module's own location.
import initSqlJs from 'sql.js';
import type { SqlJsStatic } from 'sql.js';
import { existsSync, readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WasmLoadError } from './errors.js';
import { tapFileSystem } from './memory-file.js';

export type { SqlJsStatic, Database as SqlDatabase } from 'sql.js';

const PACKAGE_NAME = 'agent-farm-state';
const WASM_NAME = 'sql-wasm.wasm';
const WASM_FILE = join('wasm', WASM_NAME);

/** sql.js's WebAssembly as bytes rather than a file, e.g. carried inside a bundle. */
export interface WasmSource {
  /** Names the source in errors, e.g. "the copy embedded in agent-farm-state/embedded". */
  readonly description: string;
  /** The `.wasm` bytes; called once per process (again only after a failure). */
  bytes(): Uint8Array | Promise<Uint8Array>;
}

let defaultSource: WasmSource | undefined;
const loaded = new Map<string | WasmSource, Promise<SqlJsStatic>>();

/**
 * Makes `source` the WebAssembly used when neither the `wasmPath` option nor
 * AF_SQLJS_WASM names a file (instead of the package's `wasm/` folder); undefined
 * goes back to the file. Databases opened before keep the module they loaded.
 */
export function setDefaultWasmSource(source: WasmSource | Uint8Array | undefined): void {
  defaultSource = source instanceof Uint8Array ? { description: 'the WebAssembly bytes given to setDefaultWasmSource()', bytes: () => source } : source;
}

/** The `.wasm` file to load: the explicit path, else AF_SQLJS_WASM, else the package's own copy. */
export function resolveWasmPath(explicitPath?: string): string {
  const chosen = explicitPath ?? process.env.AF_SQLJS_WASM;
  return chosen ? resolve(chosen) : findPackagedWasm();
}

/** The sql.js module, compiled once per process for each WebAssembly source. */
export function loadSqlJs(explicitWasmPath?: string): Promise<SqlJsStatic> {
  const named = explicitWasmPath ?? process.env.AF_SQLJS_WASM;
  const key: string | WasmSource = named || !defaultSource ? resolveWasmPath(named) : defaultSource;
  let module = loaded.get(key);
  if (!module) {
    module = typeof key === 'string'
      ? compile(key, () => readFileSync(key))
      : compile(key.description, () => key.bytes());
    loaded.set(key, module);
    // A failed load is not cached: the caller may fix the file and try again.
    module.catch(() => loaded.delete(key));
  }
  return module;
}

/**
 * The folder of the running module: `__filename` in CommonJS (the package's
 * dist/index.cjs, or a consumer's CommonJS bundle), `import.meta.url` in an ES module.
 */
function moduleFolder(): string {
  if (typeof __filename === 'string' && __filename) return dirname(__filename);
  return dirname(fileURLToPath(import.meta.url));
}

/**
 * The package ships the `.wasm` in `wasm/` at its root; the bundles (dist/) and the
 * sources (lib/db/) sit one and two folders below it. A consumer that bundled this
 * library into one file copies the `.wasm` beside its bundle instead. Nothing else
 * is searched: a stray `wasm/` folder up the tree may belong to another sql.js.
 */
function findPackagedWasm(): string {
  const start = moduleFolder();
  const beside = join(start, WASM_NAME);
  if (existsSync(beside)) return beside;
  for (let dir = start, depth = 0; depth < 3; depth++, dir = dirname(dir)) {
    if (isThisPackage(dir)) return join(dir, WASM_FILE);
  }
  // Not found: errors name the place a bundled copy is expected.
  return beside;
}

function isThisPackage(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name === PACKAGE_NAME;
  } catch {
    return false;
  }
}

/**
 * SQLite runs for moments at a time here (a query, a commit): compiling it once with
 * V8's baseline compiler costs half the start-up time and a third of the memory of
 * also re-compiling its hot functions into optimised code, work that a short process
 * never gets back. The flag is V8's and process-wide (WebAssembly compiled later in
 * the process is affected too); runtimes without V8's flags keep their defaults.
 */
function preferBaselineCompiler(): void {
  try {
    setFlagsFromString('--liftoff-only');
  } catch {
    // not V8, or its flags are fixed: nothing to change
  }
}

async function compile(source: string, read: () => Uint8Array | Promise<Uint8Array>): Promise<SqlJsStatic> {
  let wasmModule: WebAssembly.Module;
  preferBaselineCompiler();
  try {
    // Compiled here, not by sql.js: sql.js reports a bad binary by aborting from a promise nobody awaits.
    wasmModule = await WebAssembly.compile(await read());
  } catch (error) {
    throw new WasmLoadError(source, error);
  }
  const sql = await initSqlJs({
    instantiateWasm(imports: WebAssembly.Imports, receiveInstance: (instance: WebAssembly.Instance) => void) {
      void WebAssembly.instantiate(wasmModule, imports).then(receiveInstance);
      return {};
    },
  } as Parameters<typeof initSqlJs>[0]);
  try {
    tapFileSystem(sql);
  } catch (error) {
    throw new WasmLoadError(source, error);
  }
  return sql;
}
