// The unit tests that need real SQLite messages or statements load sql.js once per
// process through the package's own loader (it caches per WebAssembly file), from
// node_modules, since wasm/ is filled only by the build.
import { fileURLToPath } from 'node:url';
import { loadSqlJs, type SqlDatabase } from '../../lib/engine/sqljs/loader.js';

const WASM_PATH = fileURLToPath(new URL('../../node_modules/sql.js/dist/sql-wasm.wasm', import.meta.url));

/** A fresh in-memory database, with `schema` run on it. */
export async function memoryDatabase(schema = ''): Promise<SqlDatabase> {
  const SQL = await loadSqlJs(WASM_PATH);
  const db = new SQL.Database();
  if (schema) db.exec(schema);
  return db;
}
