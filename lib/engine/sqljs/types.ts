// sql.js's types under the names the engine uses, in a module of their own so that
// the loader and the in-memory file can both use them without importing each other.
export type { SqlJsStatic, Database as SqlDatabase } from 'sql.js';
