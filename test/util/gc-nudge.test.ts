// The proxy's garbage-collection nudge: one minor GC per GC_EVERY_BYTES streamed, counted
// across streams, with V8's gc() available without --expose-gc on the command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GC_EVERY_BYTES, collectAfterBuild, streamedBytes } from '../../src/util/gc-nudge.js';

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

test(
  'after a build, one major collection frees what only the build held (started without a pause)',
  { timeout: 10_000 },
  async () => {
    // Old garbage: survives two scavenges first, so only a major collection can free it.
    let built: { table: number[] } | undefined = { table: Array.from({ length: 200_000 }, (_, i) => i) };
    const freed = new Promise<string>((resolve) => {
      const registry = new FinalizationRegistry<string>(resolve);
      registry.register(built as object, 'the old table');
      // Kept alive until the callback ran (a collected registry calls nothing).
      (globalThis as { keepRegistry?: unknown }).keepRegistry = registry;
    });
    streamedBytes(GC_EVERY_BYTES); // a minor GC: `built` moves on toward the old generation
    streamedBytes(GC_EVERY_BYTES);
    built = undefined;
    assert.equal(collectAfterBuild(), true);
    assert.equal(await freed, 'the old table');
    delete (globalThis as { keepRegistry?: unknown }).keepRegistry;
    assert.equal((globalThis as { gc?: unknown }).gc, undefined, 'gc() is still not exposed');
  },
);
