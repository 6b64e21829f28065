// The native version's port functions, bound to one registry per process at
// globalDbPath(), opened on first use.
import { PortRegistry, type PortLayout } from './registry.js';
import type { PortAllocation } from '../state/types.js';

let opened: Promise<PortRegistry> | undefined;

function registry(): Promise<PortRegistry> {
  if (!opened) {
    const attempt = PortRegistry.open();
    opened = attempt;
    // A failed open (a bad ports.json, say) is not kept: the next call tries again.
    attempt.catch(() => { if (opened === attempt) opened = undefined; });
  }
  return opened;
}

export async function getPortBlock(projectRoot: string): Promise<number> {
  return (await registry()).getPortBlock(projectRoot);
}

export async function getProjectPorts(projectRoot: string): Promise<PortLayout> {
  return (await registry()).getProjectPorts(projectRoot);
}

export async function listAllocations(): Promise<PortAllocation[]> {
  return (await registry()).listAllocations();
}

export async function removeAllocation(projectPath: string): Promise<boolean> {
  return (await registry()).removeAllocation(projectPath);
}

export async function cleanupStaleEntries(): Promise<{ removed: string[]; remaining: number }> {
  return (await registry()).cleanupStaleEntries();
}

/** Closes the registry; the next call opens it again (at the then current globalDbPath()). */
export async function closeGlobalDb(): Promise<void> {
  const closing = opened;
  opened = undefined;
  const open = await closing?.catch(() => undefined);
  await open?.close();
}
