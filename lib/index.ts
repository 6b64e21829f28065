// The public entry, `agent-farm-state`: the engine, the state and port APIs (as
// stores and as the native version's module functions), the application types and
// the path helpers. `agent-farm-state/embedded` exports the same, with the
// WebAssembly carried inside the JavaScript.
export {
  SharedDatabase, lockPathOf, preferBaselineWasmCompiler, setDefaultWasmSource,
  type DatabaseOptions, type Durability, type Migration, type SqlDatabase, type WasmSource,
} from './engine/index.js';
export {
  AgentFarmStateError, BusyError, ConstraintError, CorruptDatabaseError, DatabaseClosedError, FileSystemError, InterruptedError,
  InvalidInputError, InvalidJsonError, LockLostError, NoDatabaseError, NotPrivateError, NotSqliteError, PortRangeFullError,
  PortsExhaustedError, QueryLimitError, ReadOnlyError, SchemaTooNewError, UnknownSchemaError, UnsafePathError, WasmLoadError,
  type ErrorCode, type FileSystemErrorCode, type QueryLimit,
} from './engine/index.js';

export { StateStore, type StateStoreOptions, type BuilderDraft } from './state/store.js';
export {
  loadState, getArchitect, setArchitect, upsertBuilder, removeBuilder, getBuilder, getBuilders, getBuildersByStatus,
  addUtil, removeUtil, getUtils, addAnnotation, removeAnnotation, getAnnotations, clearState, closeDb,
} from './state/current-project.js';

export { PortRegistry, portLayout, type PortLayout, type PortRegistryOptions } from './ports/registry.js';
export { getPortBlock, getProjectPorts, listAllocations, removeAllocation, cleanupStaleEntries, closeGlobalDb } from './ports/user-registry.js';

export * from './state/types.js';
export { STATE_DIR_NAME, globalDir, globalDbPath, portsJsonPath, findProjectRoot, stateDir, stateDbPath, stateJsonPath } from './shared/paths.js';
