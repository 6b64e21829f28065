// The dashboard's view of state.db, for the whole life of its process. Every call
// reads the file anew through the engine, so an answer reflects other processes'
// commits at the time of the request. The server never creates state.db: a missing,
// reset or damaged file makes calls fail with its typed error (503), and the store is
// opened again once the file is good.
import { existsSync } from 'node:fs';
import { NoDatabaseError } from '../shared/errors.js';
import { StateStore } from '../state/store.js';
import type { DashboardState } from '../state/types.js';
import { EMPTY_STATE, overviewOf, problemOf, prunedState } from '../farm/overview.js';
import type { Overview } from '../farm/overview-types.js';
import type { Farm } from '../farm/project-farm.js';
import { statusOf } from './request-error.js';

export class StateSource {
  private store: StateStore | undefined;
  private opening: Promise<StateStore> | undefined;
  /** The last state read, shown beside a problem. */
  private lastState: DashboardState = EMPTY_STATE;

  constructor(
    readonly farm: Farm,
    readonly dbPath: string,
  ) {}

  /** `fn` on the open store; an error that says the file cannot be read closes it, to be opened anew next time. */
  async use<T>(fn: (store: StateStore) => Promise<T>): Promise<T> {
    const store = await this.open();
    try {
      return await fn(store);
    } catch (error) {
      if (statusOf(error) === 503) await this.drop(store);
      throw error;
    }
  }

  /** The pruned state, remembered as the last good one. */
  async state(): Promise<DashboardState> {
    this.lastState = await this.use(prunedState);
    return this.lastState;
  }

  /** The overview; while the file cannot be read, the last state with the problem. */
  async overview(): Promise<Overview> {
    try {
      const state = await this.state();
      return overviewOf(this.farm, state, { instructions: await this.use((store) => store.loadInstructions()) });
    } catch (error) {
      if (statusOf(error) !== 503) throw error;
      return overviewOf(this.farm, this.lastState, { problem: problemOf(error) });
    }
  }

  async close(): Promise<void> {
    const store = this.store ?? (await this.opening?.catch(() => undefined));
    if (store) await this.drop(store);
  }

  private async open(): Promise<StateStore> {
    if (!existsSync(this.dbPath)) {
      if (this.store) await this.drop(this.store);
      throw new NoDatabaseError(
        this.dbPath,
        'The farm has no state now ("af db reset"?); the next "af start", "af spawn" or "af util" records it again.',
      );
    }
    if (this.store) return this.store;
    // One open at a time, however many requests ask at once.
    this.opening ??= StateStore.open(this.dbPath).finally(() => {
      this.opening = undefined;
    });
    this.store = await this.opening;
    return this.store;
  }

  private async drop(store: StateStore): Promise<void> {
    if (this.store === store) this.store = undefined;
    await store.close().catch(() => undefined);
  }
}
