// Assertions the tests share.
import * as assert from 'uvu/assert';
import { AgentFarmStateError } from '../../lib/engine/errors.js';

/** Awaits `promise`, expecting it to fail with an AgentFarmStateError of `code` whose message mentions each of `mentions`. */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: string,
  ...mentions: string[]
): Promise<AgentFarmStateError> {
  let outcome: unknown;
  try {
    await promise;
  } catch (error) {
    outcome = error;
  }
  if (!(outcome instanceof AgentFarmStateError)) {
    throw new assert.Assertion({
      message: `expected a ${code} error, got ${outcome === undefined ? 'success' : String(outcome)}`,
      operator: 'rejects',
      expects: code,
      actual: outcome,
      generated: false,
    });
  }
  assert.is(outcome.code, code, outcome.message);
  for (const mention of mentions)
    assert.ok(outcome.message.includes(mention), `"${outcome.message}" mentions ${mention}`);
  return outcome;
}
