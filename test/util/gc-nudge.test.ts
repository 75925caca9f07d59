// The proxy's garbage-collection nudge: one minor GC per GC_EVERY_BYTES streamed, counted
// across streams, with V8's gc() available without --expose-gc on the command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GC_EVERY_BYTES, streamedBytes } from '../../src/util/gc-nudge.js';

test('a minor GC runs once per GC_EVERY_BYTES streamed, whatever the chunk sizes', () => {
  const chunk = 64 * 1024;
  let ran = 0;
  const total = 5 * GC_EVERY_BYTES;
  for (let sent = 0; sent < total; sent += chunk) if (streamedBytes(chunk)) ran++;
  // The counter may start part-way (other tests in this process stream nothing, but be lenient by one).
  assert.ok(ran === 5 || ran === 4, `ran ${ran} times`);
  assert.equal(streamedBytes(1), false, 'just after a nudge nothing runs');
  assert.equal((globalThis as { gc?: unknown }).gc, undefined, 'gc() is not left exposed to the rest of gw');
});
