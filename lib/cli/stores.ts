// The stores a command works on: the state of the project found from the current
// folder, and the user's port registry. Each command opens what it needs and closes it.
import type { SharedDatabase } from '../db/database.js';
import { findProjectRoot, globalDbPath, stateDbPath } from '../paths.js';
import { PortRegistry } from '../ports.js';
import { StateStore } from '../state.js';

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
