// The project's farm on its port block, for the commands that start something in it
// (af start, spawn, util, annotate, dashboard): the block is taken or read once the
// state opened, and given back when the command that took it fails.
import { farmOf, type Farm } from '../farm/project-farm.js';
import type { StateStore } from '../state/store.js';
import { withRegistry, withState } from './stores.js';

/**
 * The project's farm on its port block, opened once its state opened (a state that
 * cannot be read fails the command before it takes a block). Only `af start`
 * refreshes the block's last use; the others just read it (no write, so no wait on
 * the user-wide lock) unless the project has none yet. `allocated` tells whether
 * this call took a new block.
 */
export async function openFarm(root: string, refreshBlock: boolean): Promise<{ farm: Farm; allocated: boolean }> {
  const { basePort, allocated } = await withRegistry(async (registry) => {
    const known = (await registry.listAllocations()).find((allocation) => allocation.path === root);
    if (known && !refreshBlock) return { basePort: known.basePort, allocated: false };
    return { basePort: await registry.getPortBlock(root), allocated: !known };
  });
  return { farm: farmOf(root, basePort), allocated };
}

/** Gives back a block this command took, when the command failed and the project records nothing on it. */
async function releaseUnusedBlock(root: string, store: StateStore): Promise<void> {
  const state = await store.loadState();
  if (state.architect || state.builders.length > 0 || state.utils.length > 0 || state.annotations.length > 0) return;
  await withRegistry((registry) => registry.removeAllocation(root));
}

/**
 * In the project's state, its farm: the command that starts something there. A
 * failure leaves no port block taken that the command itself took.
 */
export async function inFarm<T>(
  root: string,
  refreshBlock: boolean,
  use: (farm: Farm, store: StateStore) => Promise<T>,
): Promise<T> {
  return withState(async (store) => {
    const { farm, allocated } = await openFarm(root, refreshBlock);
    try {
      return await use(farm, store);
    } catch (error) {
      if (allocated) await releaseUnusedBlock(root, store).catch(() => undefined);
      throw error;
    }
  });
}
