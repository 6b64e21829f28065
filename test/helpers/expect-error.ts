// Shared by the unit tests: a synchronous call expected to fail with one of the
// package's typed errors, its code and the words its message must carry.
import * as assert from 'uvu/assert';
import type { AgentFarmStateError } from '../../lib/engine/errors.js';

export function throwsWith<E extends AgentFarmStateError = AgentFarmStateError>(
  fn: () => unknown,
  type: abstract new (...args: never[]) => E,
  code: string,
  ...mentions: string[]
): E {
  let outcome: unknown;
  try {
    fn();
  } catch (error) {
    outcome = error;
  }
  if (!(outcome instanceof type)) {
    throw new assert.Assertion({
      message: `expected a ${type.name} (${code}), got ${outcome === undefined ? 'success' : String(outcome)}`,
      operator: 'throws',
      expects: type.name,
      actual: outcome,
      generated: false,
    });
  }
  assert.is(outcome.code, code, outcome.message);
  for (const mention of mentions)
    assert.ok(outcome.message.includes(mention), `"${outcome.message}" mentions ${mention}`);
  return outcome;
}
