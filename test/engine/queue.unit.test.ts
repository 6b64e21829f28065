// lib/db/queue.ts: calls on one key run one at a time in the order they came, a
// failure reaches only its own caller, and other keys do not wait.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { enqueue } from '../../lib/engine/queue.js';

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/** A task whose end the test decides. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

let keyCount = 0;
const freshKey = () => `/unit/queue-${++keyCount}.db`;

test('tasks on one key run in order, never two at once, even when later ones are quicker', async () => {
  const key = freshKey();
  const events: string[] = [];
  let running = 0;
  const task = (name: string, ms: number) => async () => {
    running++;
    assert.is(running, 1, `${name} runs alone`);
    events.push(`start ${name}`);
    await tick(ms);
    events.push(`end ${name}`);
    running--;
    return name;
  };
  const results = await Promise.all([
    enqueue(key, task('a', 15)),
    enqueue(key, task('b', 0)),
    enqueue(key, task('c', 5)),
  ]);
  assert.equal(results, ['a', 'b', 'c']);
  assert.equal(events, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
});

test('a task does not start before the one ahead of it has finished', async () => {
  const key = freshKey();
  const first = gate();
  let secondStarted = false;
  const one = enqueue(key, () => first.promise);
  const two = enqueue(key, async () => {
    secondStarted = true;
  });
  await tick(5);
  assert.not.ok(secondStarted);
  first.open();
  await Promise.all([one, two]);
  assert.ok(secondStarted);
});

test('a rejected task rejects only its own caller; the queue goes on', async () => {
  const key = freshKey();
  const order: string[] = [];
  const failing = enqueue(key, async () => {
    order.push('fails');
    throw new Error('boom');
  });
  const after = enqueue(key, async () => {
    order.push('after');
    return 'ok';
  });
  let caught: unknown;
  await failing.catch((error: unknown) => {
    caught = error;
  });
  assert.instance(caught, Error);
  assert.is((caught as Error).message, 'boom');
  assert.is(await after, 'ok');
  assert.equal(order, ['fails', 'after']);
});

test('a task that throws before returning a promise does not break the queue either', async () => {
  const key = freshKey();
  const failing = enqueue(key, () => {
    throw new TypeError('sync');
  });
  const after = enqueue(key, async () => 'still runs');
  let caught: unknown;
  await failing.catch((error: unknown) => {
    caught = error;
  });
  assert.instance(caught, TypeError);
  assert.is(await after, 'still runs');
});

test('a task queued after the queue drained runs at once', async () => {
  const key = freshKey();
  await enqueue(key, async () => undefined);
  await tick();
  let ran = false;
  await enqueue(key, async () => {
    ran = true;
  });
  assert.ok(ran);
});

test('different keys do not wait for each other', async () => {
  const blocked = gate();
  const slow = enqueue(freshKey(), () => blocked.promise);
  let otherDone = false;
  await enqueue(freshKey(), async () => {
    otherDone = true;
  });
  assert.ok(otherDone, 'the second key finished while the first is still held');
  blocked.open();
  await slow;
});

test.run();
