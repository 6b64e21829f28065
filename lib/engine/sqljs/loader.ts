// Loads sql.js once per process and per WebAssembly source. The source is, first
// to last: the caller's `wasmPath`, AF_SQLJS_WASM, bytes an entry point registered
// with setDefaultWasmSource() (agent-farm-state/embedded carries the `.wasm` inside
// its JavaScript), else the `.wasm` file found from this module's own location.
import initSqlJs from 'sql.js';
import type { SqlJsStatic } from './types.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WasmLoadError } from '../errors.js';
import { compileBaseline } from './baseline-compile.js';
import { tapFileSystem } from './memory-file.js';

export type { SqlDatabase, SqlJsStatic } from './types.js';

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
  defaultSource =
    source instanceof Uint8Array
      ? { description: 'the WebAssembly bytes given to setDefaultWasmSource()', bytes: () => source }
      : source;
}

/** The `.wasm` file to load: the explicit path, else AF_SQLJS_WASM, else the package's own copy. */
function resolveWasmPath(explicitPath?: string): string {
  const chosen = explicitPath ?? process.env.AF_SQLJS_WASM;
  return chosen ? resolve(chosen) : findPackagedWasm();
}

/** The sql.js module, compiled once per process for each WebAssembly source. */
export function loadSqlJs(explicitWasmPath?: string): Promise<SqlJsStatic> {
  const named = explicitWasmPath ?? process.env.AF_SQLJS_WASM;
  const key: string | WasmSource = named || !defaultSource ? resolveWasmPath(named) : defaultSource;
  let module = loaded.get(key);
  if (!module) {
    module =
      typeof key === 'string' ? compile(key, () => readFileSync(key)) : compile(key.description, () => key.bytes());
    loaded.set(key, module);
    // A failed load is not cached: the caller may fix the file and try again.
    module.catch(() => loaded.delete(key));
  }
  return module;
}

/**
 * The folder of the running module: `import.meta.url` in an ES module, `__filename`
 * in CommonJS (the package's dist/index.cjs, or a consumer's CommonJS bundle, where
 * import.meta is empty). The ES module is asked first: a host's `node -e` defines a
 * global `__filename` of its own.
 */
function moduleFolder(): string {
  const url = import.meta.url as string | undefined;
  if (url) return dirname(fileURLToPath(url));
  return dirname(__filename);
}

/**
 * The package ships the `.wasm` in `wasm/` at its root; the bundles (dist/), the bin's
 * chunks (dist/af/) and this source (lib/engine/sqljs/) sit one, two and three folders below it. A consumer that bundled this
 * library into one file copies the `.wasm` beside its bundle instead. Nothing else
 * is searched: a stray `wasm/` folder up the tree may belong to another sql.js.
 */
function findPackagedWasm(): string {
  const start = moduleFolder();
  const beside = join(start, WASM_NAME);
  if (existsSync(beside)) return beside;
  for (let dir = start, depth = 0; depth < 4; depth++, dir = dirname(dir)) {
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

async function compile(source: string, read: () => Uint8Array | Promise<Uint8Array>): Promise<SqlJsStatic> {
  let wasmModule: WebAssembly.Module;
  try {
    // Compiled here, not by sql.js: sql.js reports a bad binary by aborting from a promise nobody awaits.
    wasmModule = compileBaseline(await read());
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
