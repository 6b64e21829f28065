export { SharedDatabase, type DatabaseOptions } from './database.js';
export type { Durability } from './publish.js';
export type { Migration } from './migrations.js';
export type { SqlDatabase } from './sqljs.js';
export { lockPathOf } from './lock.js';
export * from './errors.js';
