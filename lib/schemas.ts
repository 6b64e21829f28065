// The native version's schemas, version 1, as SQL text: the project state's
// (state.db) and the port registry's (global.db). The public entry exports them;
// the build also bundles this file alone as dist/schemas.js (not in the package),
// so that the benchmark's native engine creates the same tables without loading
// this package.
export { LOCAL_SCHEMA_V1 } from './state/schema.js';
export { GLOBAL_SCHEMA_V1 } from './ports/schema.js';
