// The stores a command works on: the state of the project found from the current
// folder, and the user's port registry. Each command opens what it needs and closes it.
// Reading commands open a store only when it exists: opening creates the file and its folder.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SharedDatabase } from '../engine/index.js';
import { findProjectRoot, globalDbPath, stateDbPath } from '../shared/paths.js';
import { PortRegistry } from '../ports/registry.js';
import { StateStore } from '../state/store.js';

export function projectRoot(): string {
  return findProjectRoot(process.cwd());
}

export async function withState<T>(use: (store: StateStore) => Promise<T>): Promise<T> {
  const store = await StateStore.open(stateDbPath(projectRoot()));
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

export async function withRegistry<T>(use: (registry: PortRegistry) => Promise<T>): Promise<T> {
  const registry = await PortRegistry.open(globalDbPath());
  try {
    return await use(registry);
  } finally {
    await registry.close();
  }
}

/** The project's state.db, or with `global` the user's global.db. */
export function withDatabase<T>(global: boolean, use: (database: SharedDatabase) => Promise<T>): Promise<T> {
  return global ? withRegistry((registry) => use(registry.database)) : withState((store) => use(store.database));
}

export function databasePath(global: boolean): string {
  return global ? globalDbPath() : stateDbPath(projectRoot());
}

/**
 * Whether opening the store would find something: its database, or the native
 * version's JSON that the first open imports. Otherwise a read has nothing to show
 * and must not create the file.
 */
export function storeExists(global: boolean): boolean {
  const path = databasePath(global);
  return existsSync(path) || existsSync(join(dirname(path), global ? 'ports.json' : 'state.json'));
}

/** `use` on the project's state when there is one, else `absent()`; creates nothing. */
export function readState<T>(use: (store: StateStore) => Promise<T>, absent: () => T): Promise<T> {
  return storeExists(false) ? withState(use) : Promise.resolve(absent());
}

/** `use` on the port registry when there is one, else `absent()`; creates nothing. */
export function readRegistry<T>(use: (registry: PortRegistry) => Promise<T>, absent: () => T): Promise<T> {
  return storeExists(true) ? withRegistry(use) : Promise.resolve(absent());
}
