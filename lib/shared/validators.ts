// Reading untrusted values field by field (an imported JSON file, a caller's
// argument), failing with the path of the field and what it should have been.
import { InvalidInputError } from '../engine/index.js';

/** Checks values field by field; a subclass decides how a failure is reported (fail). */
export abstract class Validator {
  abstract fail(path: string, expected: string, value: unknown): never;

  object(value: unknown, path: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'an object', value);
    return value as Record<string, unknown>;
  }

  /** A list that may be missing (treated as empty). */
  list(value: unknown, path: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) this.fail(path, 'a list', value);
    return value;
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string') this.fail(path, 'a string', value);
    return value;
  }

  optionalString(value: unknown, path: string): string | undefined {
    return value === undefined || value === null ? undefined : this.string(value, path);
  }

  integer(value: unknown, path: string): number {
    if (typeof value !== 'number' || !Number.isInteger(value)) this.fail(path, 'an integer', value);
    return value;
  }

  optionalInteger(value: unknown, path: string): number | undefined {
    return value === undefined || value === null ? undefined : this.integer(value, path);
  }

  /** An ISO 8601 time (UTC when it has no offset), returned in SQLite's `YYYY-MM-DD HH:MM:SS` UTC form. */
  time(value: unknown, path: string): string {
    const match = typeof value === 'string' ? ISO_TIME.exec(value) : null;
    // Date's own parser takes any text it can guess at, and reads an offset-less time in the local zone.
    const date = match ? new Date(match[2] ? (value as string) : `${value as string}Z`) : undefined;
    if (!date || Number.isNaN(date.getTime())) this.fail(path, 'an ISO time', value);
    return sqliteTime(date);
  }
}

/** Reads a caller's argument, failing with an InvalidInputError that names the call. */
export class ArgumentValidator extends Validator {
  constructor(private readonly call: string) {
    super();
  }

  fail(path: string, expected: string, value: unknown): never {
    throw new InvalidInputError(`${this.call}: ${path} should be ${expected}, got ${shownValue(value)}`);
  }
}

/** `YYYY-MM-DDTHH:MM[:SS[.fff]]` and an optional `Z` or `±HH:MM` offset (group 2). */
const ISO_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:\d{2})?$/;

/** A value as a refusal shows it: JSON where it has one, else what it is. */
function shownValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return `an ${typeof value} that cannot be shown as JSON`;
  }
}

export function sqliteTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}
