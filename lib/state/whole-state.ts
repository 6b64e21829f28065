// The whole local state at once, as loadState() gives it: read in one transaction,
// and copied for the caller, who may change what it gets.
import type { SqlDatabase } from '../engine/index.js';
import { readAnnotations, readArchitect, readBuilders, readUtils } from './rows.js';
import type { DashboardState } from './types.js';

/** A copy the caller may change (records of strings and numbers: a copy per record is a deep copy). */
export function copyOfState({ architect, builders, utils, annotations }: DashboardState): DashboardState {
  return {
    architect: architect && { ...architect },
    builders: builders.map((builder) => ({ ...builder })),
    utils: utils.map((util) => ({ ...util })),
    annotations: annotations.map((annotation) => ({ ...annotation, parent: { ...annotation.parent } })),
  };
}

export function readState(db: SqlDatabase): DashboardState {
  return {
    architect: readArchitect(db),
    builders: readBuilders(db),
    utils: readUtils(db),
    annotations: readAnnotations(db),
  };
}
