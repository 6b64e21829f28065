// The public entry, `agent-farm-state`: the engine, the state and port APIs (as
// stores and as the native version's module functions), the application types and
// the path helpers. `agent-farm-state/embedded` exports the same, with the
// WebAssembly carried inside the JavaScript.
export * from './db/index.js';
export { preferBaselineWasmCompiler, setDefaultWasmSource, type WasmSource } from './db/sqljs.js';

export { StateStore, type StateStoreOptions, type BuilderDraft } from './state.js';
export {
  loadState, getArchitect, setArchitect, upsertBuilder, removeBuilder, getBuilder, getBuilders, getBuildersByStatus,
  addUtil, removeUtil, getUtils, addAnnotation, removeAnnotation, getAnnotations, clearState, closeDb,
} from './default-state.js';

export { PortRegistry, portLayout, type PortLayout, type PortRegistryOptions } from './ports.js';
export { getPortBlock, getProjectPorts, listAllocations, removeAllocation, cleanupStaleEntries, closeGlobalDb } from './default-ports.js';

export * from './types.js';
export { STATE_DIR_NAME, globalDir, globalDbPath, portsJsonPath, findProjectRoot, stateDir, stateDbPath, stateJsonPath } from './paths.js';
