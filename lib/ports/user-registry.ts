// The native version's port functions (getPortBlock, listAllocations, ...): module
// functions bound to the user's one registry, at globalDbPath(), opened on first use
// and kept open for the process until closeGlobalDb().
import { openOnce } from '../shared/open-once.js';
import { PortRegistry } from './registry.js';
import type { PortAllocation, PortLayout } from './types.js';

const registry = openOnce(() => PortRegistry.open());

export async function getPortBlock(projectRoot: string): Promise<number> {
  return (await registry.get()).getPortBlock(projectRoot);
}

export async function getProjectPorts(projectRoot: string): Promise<PortLayout> {
  return (await registry.get()).getProjectPorts(projectRoot);
}

export async function listAllocations(): Promise<PortAllocation[]> {
  return (await registry.get()).listAllocations();
}

export async function removeAllocation(projectPath: string): Promise<boolean> {
  return (await registry.get()).removeAllocation(projectPath);
}

export async function cleanupStaleEntries(): Promise<{ removed: string[]; remaining: number }> {
  return (await registry.get()).cleanupStaleEntries();
}

/** Closes the registry; the next call opens it again (at the then current globalDbPath()). */
export async function closeGlobalDb(): Promise<void> {
  await registry.close();
}
