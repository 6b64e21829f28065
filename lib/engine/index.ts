// The engine's surface: everything the layers above it (the domains, the farm, the
// CLI, the public entry) may use. Nothing outside lib/engine imports a file deeper
// than this one.
export { SharedDatabase, type DatabaseOptions } from './database.js';
export { userTables, type DatabaseStats } from './stats.js';
export type { Durability } from './io/publish.js';
export type { Migration } from './migrations.js';
export { preferBaselineWasmCompiler } from './sqljs/prefer-baseline.js';
export {
  loadSqlJs,
  setDefaultWasmSource,
  type SqlDatabase,
  type WasmSource,
} from './sqljs/loader.js';
export { execute, optional, selectAll, selectOne, type Row, type SqlValue } from './rows.js';
export { withConstraintErrors } from './constraints.js';
export { assertSchema, createOrAdopt } from './adopt-schema.js';
export { runReadOnlyQuery } from './read-only-query.js';
export { removeDatabaseFiles } from './io/remove.js';
export { acquireLock, DEFAULT_LOCK_TIMING, type HeldLock, lockPathOf } from './lock/lock.js';
export { isProcessAlive } from './io/process-alive.js';
export {
  entryKind,
  OPEN_CREATE_NEW,
  OPEN_READ,
  openRegularFile,
  regularFileStats,
  removeRegularFile,
  withRegularFile,
} from './io/safe-files.js';
export * from './errors.js';
