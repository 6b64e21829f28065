// The tower's view of the user's farms, for the whole life of its process: the port
// registry (global.db) kept open through the engine, and each listed project's
// state.db through a StateSource of its own. Every call reads the files anew. The
// tower never creates global.db or a state.db: a registry that is missing or cannot be
// read makes status() fail with its typed error (503); a project without state.db has
// nothing recorded.
import { existsSync } from 'node:fs';
import { farmEntry } from '../farm/farm-status.js';
import { EMPTY_STATE, problemOf } from '../farm/overview.js';
import { farmOf } from '../farm/project-farm.js';
import type { FarmEntry, TowerStatus } from '../farm/tower-types.js';
import { isRemoteKey } from '../ports/project-key.js';
import { PortRegistry } from '../ports/registry.js';
import type { PortAllocation } from '../ports/types.js';
import { NoDatabaseError } from '../shared/errors.js';
import { stateDbPath } from '../shared/paths.js';
import { statusOf } from './request-error.js';
import { StateSource } from './state-source.js';

/** Builder worktrees are the projects' own (the native tower skips them too). */
const isListed = (allocation: PortAllocation) =>
  !isRemoteKey(allocation.path) && !allocation.path.includes('/.builders/');

export class TowerSource {
  private registry: PortRegistry | undefined;
  private opening: Promise<PortRegistry> | undefined;
  /** A state source per project, by its path and block (a project given another block gets a new one). */
  private readonly farms = new Map<string, StateSource>();
  private lastInstances: FarmEntry[] = [];

  constructor(readonly dbPath: string) {}

  /** The registry's projects, by base port; fails with the registry's typed error while it cannot be read. */
  async allocations(): Promise<PortAllocation[]> {
    const registry = await this.open();
    try {
      return (await registry.listAllocations()).filter(isListed);
    } catch (error) {
      if (statusOf(error) === 503) await this.drop(registry);
      throw error;
    }
  }

  /** Every farm with its processes. */
  async status(): Promise<TowerStatus> {
    const allocations = await this.allocations();
    const keys = new Set(allocations.map(farmKey));
    for (const [key, source] of this.farms) {
      if (keys.has(key)) continue;
      this.farms.delete(key);
      await source.close();
    }
    this.lastInstances = await Promise.all(allocations.map((allocation) => this.entry(allocation)));
    return { instances: this.lastInstances };
  }

  /** The status; while the registry cannot be read, the last list with the problem. */
  async statusOrProblem(): Promise<TowerStatus> {
    try {
      return await this.status();
    } catch (error) {
      if (statusOf(error) !== 503) throw error;
      return { instances: this.lastInstances, problem: problemOf(error) };
    }
  }

  async close(): Promise<void> {
    for (const source of this.farms.values()) await source.close();
    this.farms.clear();
    const registry = this.registry ?? (await this.opening?.catch(() => undefined));
    if (registry) await this.drop(registry);
  }

  private async entry(allocation: PortAllocation): Promise<FarmEntry> {
    const key = farmKey(allocation);
    let source = this.farms.get(key);
    if (!source) {
      source = new StateSource(farmOf(allocation.path, allocation.basePort), stateDbPath(allocation.path));
      this.farms.set(key, source);
    }
    const previous = this.lastInstances.find(
      (entry) => entry.basePort === allocation.basePort && entry.projectPath === allocation.path,
    );
    try {
      const state = existsSync(source.dbPath) ? await source.use((store) => store.loadState()) : EMPTY_STATE;
      return farmEntry(source.farm, allocation, state, previous);
    } catch (error) {
      return farmEntry(source.farm, allocation, EMPTY_STATE, previous, problemOf(error));
    }
  }

  private async open(): Promise<PortRegistry> {
    if (!existsSync(this.dbPath)) {
      if (this.registry) await this.drop(this.registry);
      throw new NoDatabaseError(
        this.dbPath,
        'No farm has been started yet: "af start" in a project records its block.',
      );
    }
    if (this.registry) return this.registry;
    // One open at a time, however many requests ask at once.
    this.opening ??= PortRegistry.open(this.dbPath).finally(() => {
      this.opening = undefined;
    });
    this.registry = await this.opening;
    return this.registry;
  }

  private async drop(registry: PortRegistry): Promise<void> {
    if (this.registry === registry) this.registry = undefined;
    await registry.close().catch(() => undefined);
  }
}

const farmKey = (allocation: PortAllocation) => `${allocation.basePort} ${allocation.path}`;
