// lib/shared/validators.ts: each reader accepts its values as they are and refuses the rest
// with the field's path, what it should have been and what it got.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidInputError } from '../../lib/engine/errors.js';
import { ArgumentValidator, Validator, sqliteTime } from '../../lib/shared/validators.js';
import { throwsWith } from '../helpers/expect-error.js';

const shape = new ArgumentValidator('upsertBuilder');

/** The failure message an ArgumentValidator gives, spelled out here. */
function refusal(path: string, expected: string, got: string): string {
  return `upsertBuilder: ${path} should be ${expected}, got ${got}`;
}

function refuses(fn: () => unknown, path: string, expected: string, got: string): void {
  const error = throwsWith(fn, InvalidInputError, 'E_INVALID_INPUT');
  assert.is(error.message, refusal(path, expected, got));
}

test('object accepts plain objects and refuses arrays, null and scalars', () => {
  const value = { a: 1 };
  assert.ok(shape.object(value, 'x') === value);
  const bare = Object.create(null) as object;
  assert.ok(shape.object(bare, 'x') === bare, 'an object without a prototype is an object');
  refuses(() => shape.object([], 'builder'), 'builder', 'an object', '[]');
  refuses(() => shape.object(null, 'builder'), 'builder', 'an object', 'null');
  refuses(() => shape.object(undefined, 'builder'), 'builder', 'an object', 'nothing');
  refuses(() => shape.object('text', 'builder'), 'builder', 'an object', '"text"');
  refuses(() => shape.object(3, 'a.b[2]'), 'a.b[2]', 'an object', '3');
});

test('list accepts arrays as they are, treats a missing list as empty, refuses the rest', () => {
  const value = [1, 'two'];
  assert.ok(shape.list(value, 'x') === value);
  assert.equal(shape.list(undefined, 'x'), []);
  assert.equal(shape.list(null, 'x'), []);
  refuses(() => shape.list({}, 'builders'), 'builders', 'a list', '{}');
  refuses(() => shape.list('a,b', 'builders'), 'builders', 'a list', '"a,b"');
  refuses(() => shape.list(0, 'builders'), 'builders', 'a list', '0');
});

test('string accepts any string, the empty one too, and refuses other types', () => {
  assert.is(shape.string('', 'x'), '');
  assert.is(shape.string('spec 1', 'x'), 'spec 1');
  refuses(() => shape.string(42, 'name'), 'name', 'a string', '42');
  refuses(() => shape.string(undefined, 'name'), 'name', 'a string', 'nothing');
  refuses(() => shape.string(null, 'name'), 'name', 'a string', 'null');
  refuses(() => shape.string(['a'], 'name'), 'name', 'a string', '["a"]');
});

test('optionalString maps null and undefined to undefined and checks the rest', () => {
  assert.is(shape.optionalString(undefined, 'x'), undefined);
  assert.is(shape.optionalString(null, 'x'), undefined);
  assert.is(shape.optionalString('', 'x'), '');
  refuses(() => shape.optionalString(false, 'tmuxSession'), 'tmuxSession', 'a string', 'false');
});

test('integer accepts whole numbers and refuses fractions, strings and non-finite numbers', () => {
  for (const value of [0, -5, 4210, 2 ** 53 - 1]) assert.is(shape.integer(value, 'x'), value);
  refuses(() => shape.integer(1.5, 'port'), 'port', 'an integer', '1.5');
  refuses(() => shape.integer('4210', 'port'), 'port', 'an integer', '"4210"');
  refuses(() => shape.integer(undefined, 'port'), 'port', 'an integer', 'nothing');
  refuses(() => shape.integer(true, 'port'), 'port', 'an integer', 'true');
  refuses(() => shape.integer(Number.POSITIVE_INFINITY, 'port'), 'port', 'an integer', 'Infinity');
  refuses(() => shape.integer(Number.NaN, 'port'), 'port', 'an integer', 'NaN');
  // Values JSON cannot show are still refused with the typed error.
  refuses(() => shape.integer(10n, 'pid'), 'pid', 'an integer', '10n');
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  refuses(() => shape.string(circular, 'name'), 'name', 'a string', 'an object that cannot be shown as JSON');
});

test('optionalInteger maps null and undefined to undefined and checks the rest', () => {
  assert.is(shape.optionalInteger(undefined, 'x'), undefined);
  assert.is(shape.optionalInteger(null, 'x'), undefined);
  assert.is(shape.optionalInteger(0, 'x'), 0);
  refuses(() => shape.optionalInteger(2.5, 'pid'), 'pid', 'an integer', '2.5');
});

test("time turns an ISO time into SQLite's UTC form, seconds kept, milliseconds dropped", () => {
  assert.is(shape.time('2024-05-01T10:00:00.999Z', 'x'), '2024-05-01 10:00:00');
  assert.is(shape.time('2024-05-03T00:30:00+02:00', 'x'), '2024-05-02 22:30:00');
  assert.is(shape.time('2024-12-31T23:59:59-01:00', 'x'), '2025-01-01 00:59:59');
  refuses(() => shape.time('last tuesday', 'registered'), 'registered', 'an ISO time', '"last tuesday"');
  refuses(() => shape.time('', 'registered'), 'registered', 'an ISO time', '""');
  refuses(() => shape.time(1714557600000, 'registered'), 'registered', 'an ISO time', '1714557600000');
  refuses(() => shape.time(undefined, 'registered'), 'registered', 'an ISO time', 'nothing');
  // Only ISO 8601: Date's parser would take these, and read an offset-less time in the local zone.
  refuses(() => shape.time('1', 'registered'), 'registered', 'an ISO time', '"1"');
  refuses(() => shape.time('May 1 2024', 'registered'), 'registered', 'an ISO time', '"May 1 2024"');
  assert.is(shape.time('2024-05-01T10:00:00', 'x'), '2024-05-01 10:00:00');
});

test('sqliteTime is the UTC date and time, space-separated, without milliseconds', () => {
  assert.is(sqliteTime(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678))), '2024-01-02 03:04:05');
  assert.match(sqliteTime(new Date()), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
});

test('a subclass decides how a failure is reported', () => {
  class Collecting extends Validator {
    failures: string[] = [];
    fail(path: string, expected: string): never {
      this.failures.push(`${path}: ${expected}`);
      throw new RangeError(path);
    }
  }
  const collecting = new Collecting();
  assert.throws(() => collecting.integer('x', 'builders[3].port'), RangeError);
  assert.equal(collecting.failures, ['builders[3].port: an integer']);
});

test.run();
