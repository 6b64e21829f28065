// Turns SQLite's constraint messages into ConstraintErrors that name the field and
// the offending value, so a caller learns "builders.port = 4210 is taken", not
// "UNIQUE constraint failed".
import { ConstraintError, messageOf } from './errors.js';

/**
 * Runs `fn`; a constraint failure on `table` becomes a ConstraintError whose value is
 * taken from `row` (column name → the value that was being written).
 */
export function withConstraintErrors<T>(table: string, row: Record<string, unknown>, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw asConstraintError(table, row, error) ?? error;
  }
}

function asConstraintError(table: string, row: Record<string, unknown>, error: unknown): ConstraintError | undefined {
  const message = messageOf(error);
  const unique = /UNIQUE constraint failed: (\w+)\.(\w+)/.exec(message);
  if (unique)
    return new ConstraintError(unique[1]!, unique[2]!, row[unique[2]!], 'unique', 'is already taken by another row');
  const notNull = /NOT NULL constraint failed: (\w+)\.(\w+)/.exec(message);
  if (notNull)
    return new ConstraintError(notNull[1]!, notNull[2]!, row[notNull[2]!], 'not null', 'is missing and required');
  const check = /CHECK constraint failed: (.*)/.exec(message);
  if (check) {
    // SQLite reports the CHECK expression, which starts with the column at fault.
    const expression = check[1]!.trim();
    const field = /^"?(\w+)/.exec(expression)?.[1] ?? expression;
    return new ConstraintError(table, field, row[field], 'check', `breaks the rule ${expression}`);
  }
  return undefined;
}
