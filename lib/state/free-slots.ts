// What a reservation picks, inside its transaction: the lowest port of a range that
// no process of the farm holds, and the next builder id of a type that no builder has.
import { selectAll, type SqlDatabase } from '../engine/index.js';
import { PortRangeFullError } from '../shared/errors.js';
import type { PortRange } from '../ports/types.js';

/** The lowest port of `range` that no architect, builder, util or annotation holds. */
export function lowestFreePort(db: SqlDatabase, range: PortRange, what: string): number {
  const taken = new Set(
    selectAll(
      db,
      `SELECT port FROM architect UNION SELECT port FROM builders
    UNION SELECT port FROM utils UNION SELECT port FROM annotations`,
    ).map((row) => row.port),
  );
  for (let port = range.first; port <= range.last; port++) if (!taken.has(port)) return port;
  throw new PortRangeFullError(what, range.first, range.last);
}

/** `<prefix><n>` for the smallest n >= 1 that no builder uses and that is not `passedOver`. */
export function nextFreeId(db: SqlDatabase, prefix: string, passedOver: ReadonlySet<string> = new Set()): string {
  const taken = new Set(
    selectAll(db, 'SELECT id FROM builders WHERE substr(id, 1, ?) = ?', [prefix.length, prefix]).map((row) => row.id),
  );
  let n = 1;
  while (taken.has(`${prefix}${n}`) || passedOver.has(`${prefix}${n}`)) n++;
  return `${prefix}${n}`;
}
