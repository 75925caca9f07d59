// Large-body steps each take a turn of the event loop of their own: anything that became ready
// while one ran (I/O, an immediate) is served before the next one starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TurnQueue } from '../../src/util/turns.js';

test('queued steps run in order, each in its own turn, with the loop served in between', async () => {
  const q = new TurnQueue();
  const order: string[] = [];
  const a = q.run(() => {
    order.push('a');
    setImmediate(() => order.push('ready during a'));
    return 1;
  });
  const b = q.run(() => {
    order.push('b');
    return 2;
  });
  order.push('queued');
  assert.deepEqual(await Promise.all([a, b]), [1, 2]);
  assert.deepEqual(order, ['queued', 'a', 'ready during a', 'b']);
});

test('a step that throws rejects its own promise only; the queue goes on', async () => {
  const q = new TurnQueue();
  const bad = q.run(() => {
    throw new Error('bad body');
  });
  const good = q.run(() => 'ok');
  await assert.rejects(bad, /bad body/);
  assert.equal(await good, 'ok');
});
