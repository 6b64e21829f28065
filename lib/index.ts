// The public entry, `agent-farm-state`: the engine, the state and port APIs (as
// stores and as the native version's module functions), the application types, the
// native schemas as SQL text, and the path helpers. `agent-farm-state/embedded`
// exports the same, with the WebAssembly carried inside the JavaScript.
export {
  SharedDatabase,
  lockPathOf,
  preferBaselineWasmCompiler,
  setDefaultWasmSource,
  type DatabaseOptions,
  type Durability,
  type Migration,
  type SqlDatabase,
  type WasmSource,
} from './engine/index.js';
export {
  AgentFarmStateError,
  BusyError,
  ConstraintError,
  CorruptDatabaseError,
  DatabaseClosedError,
  FileSystemError,
  InvalidInputError,
  LockLostError,
  NotSqliteError,
  ReadOnlyError,
  SchemaTooNewError,
  UnknownSchemaError,
  UnsafePathError,
  WasmLoadError,
  type EngineErrorCode,
  type FileSystemErrorCode,
} from './engine/index.js';
export {
  InterruptedError,
  InvalidJsonError,
  NoDatabaseError,
  NotPrivateError,
  PortRangeFullError,
  PortsExhaustedError,
  QueryLimitError,
  type DomainErrorCode,
  type ErrorCode,
  type QueryLimit,
} from './shared/errors.js';

export { StateStore, type StateStoreOptions, type BuilderDraft } from './state/store.js';
export {
  loadState,
  getArchitect,
  setArchitect,
  upsertBuilder,
  removeBuilder,
  getBuilder,
  getBuilders,
  getBuildersByStatus,
  addUtil,
  removeUtil,
  getUtils,
  addAnnotation,
  removeAnnotation,
  getAnnotations,
  clearState,
  closeDb,
} from './state/current-project.js';

export { PortRegistry, type PortRegistryOptions } from './ports/registry.js';
export { portLayout } from './ports/layout.js';
export type { PortAllocation, PortLayout, PortRange } from './ports/types.js';
export {
  getPortBlock,
  getProjectPorts,
  listAllocations,
  removeAllocation,
  cleanupStaleEntries,
  closeGlobalDb,
} from './ports/user-registry.js';

export { GLOBAL_SCHEMA_V1, LOCAL_SCHEMA_V1 } from './schemas.js';
export * from './state/types.js';
export {
  STATE_DIR_NAME,
  globalDir,
  globalDbPath,
  portsJsonPath,
  findProjectRoot,
  stateDir,
  stateDbPath,
  stateJsonPath,
} from './shared/paths.js';
