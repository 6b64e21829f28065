// Loads sql.js once per process and per `.wasm` file, from the WebAssembly this
// package ships in wasm/, or from a location the caller or AF_SQLJS_WASM names.
import initSqlJs from 'sql.js';
import type { SqlJsStatic } from 'sql.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WasmLoadError } from './errors.js';

export type { SqlJsStatic, Database as SqlDatabase } from 'sql.js';

const WASM_FILE = join('wasm', 'sql-wasm.wasm');
const loaded = new Map<string, Promise<SqlJsStatic>>();

/** The `.wasm` to load: the explicit path, else AF_SQLJS_WASM, else the package's own wasm/. */
export function resolveWasmPath(explicitPath?: string): string {
  const chosen = explicitPath ?? process.env.AF_SQLJS_WASM;
  if (chosen) return resolve(chosen);
  // The sources (lib/db/) and the bundle (dist/) sit at different depths below the
  // package root, so look upward for the wasm/ folder.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 4; depth++) {
    const candidate = join(dir, WASM_FILE);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return join(dirname(fileURLToPath(import.meta.url)), '..', WASM_FILE);
}

/** The sql.js module, compiled once per process for each `.wasm` path. */
export function loadSqlJs(explicitWasmPath?: string): Promise<SqlJsStatic> {
  const wasmPath = resolveWasmPath(explicitWasmPath);
  let module = loaded.get(wasmPath);
  if (!module) {
    module = compile(wasmPath);
    loaded.set(wasmPath, module);
    // A failed load is not cached: the caller may fix the file and try again.
    module.catch(() => loaded.delete(wasmPath));
  }
  return module;
}

async function compile(wasmPath: string): Promise<SqlJsStatic> {
  let wasmModule: WebAssembly.Module;
  try {
    // Compiled here, not by sql.js: sql.js reports a bad binary by aborting from a promise nobody awaits.
    wasmModule = await WebAssembly.compile(readFileSync(wasmPath));
  } catch (error) {
    throw new WasmLoadError(wasmPath, error);
  }
  return initSqlJs({
    instantiateWasm(imports: WebAssembly.Imports, receiveInstance: (instance: WebAssembly.Instance) => void) {
      void WebAssembly.instantiate(wasmModule, imports).then(receiveInstance);
      return {};
    },
  } as Parameters<typeof initSqlJs>[0]);
}
