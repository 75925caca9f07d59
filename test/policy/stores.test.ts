// The in-memory stores for the coming limits, budgets and sessions (not wired in yet).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryRateCounter, MemorySessionStore, MemorySpendStore } from '../../src/policy/memory-stores.js';
import type { RateCounterStore, SessionStore, SpendStore } from '../../src/policy/stores.js';

test('rate counter: hits per key inside a sliding window', () => {
  const c: RateCounterStore = new MemoryRateCounter();
  assert.equal(c.count('k', 1000, 0), 0);
  assert.equal(c.hit('k', 1000, 0), 1);
  assert.equal(c.hit('k', 1000, 400), 2);
  assert.equal(c.hit('other', 1000, 400), 1);
  assert.equal(c.hit('k', 1000, 999), 3);
  // The window is (now - 1000, now]: the hit at 0 leaves at 1000, the one at 400 at 1400.
  assert.equal(c.count('k', 1000, 1000), 2);
  assert.equal(c.count('k', 1000, 1399), 2);
  assert.equal(c.count('k', 1000, 1400), 1);
  assert.equal(c.hit('k', 1000, 2000), 1);
  assert.equal(c.count('other', 1000, 5000), 0);
});

test('rate counter: many hits stay exact while the log compacts, and sweep forgets idle keys', () => {
  const c = new MemoryRateCounter();
  for (let t = 0; t < 10_000; t++) assert.equal(c.hit('k', 100, t), Math.min(t + 1, 100));
  c.hit('idle', 100, 0);
  c.sweep(100, 10_050);
  assert.equal(c.count('k', 100, 10_050), 49);
  assert.equal(c.count('idle', 100, 10_050), 0);
});

test('spend store: adds per workspace, subject kind, subject and month', () => {
  const s: SpendStore = new MemorySpendStore();
  assert.equal(s.get('default', 'key', 'a', '2026-11'), 0);
  s.add('default', 'key', 'a', '2026-11', 0.5);
  s.add('default', 'key', 'a', '2026-11', 0.25);
  s.add('default', 'endpoint', 'a', '2026-11', 2);
  s.add('default', 'key', 'a', '2026-10', 1);
  s.add('other', 'key', 'a', '2026-11', 4);
  assert.equal(s.get('default', 'key', 'a', '2026-11'), 0.75);
  assert.equal(s.get('default', 'endpoint', 'a', '2026-11'), 2);
  assert.equal(s.get('default', 'key', 'a', '2026-10'), 1);
  assert.equal(s.get('other', 'key', 'a', '2026-11'), 4);
});

test('session store: get, put replaces, expiry at the time to live', () => {
  const store = new MemorySessionStore<string>();
  const s: SessionStore<string> = store;
  assert.equal(s.get('x', 0), undefined);
  s.put('x', ['hi'], 1000, 0);
  s.put('y', ['a', 'b'], 5000, 0);
  assert.deepEqual(s.get('x', 999), ['hi']);
  s.put('x', ['hi', 'there'], 1000, 500);
  assert.deepEqual(s.get('x', 1499), ['hi', 'there']);
  assert.equal(s.get('x', 1500), undefined);
  assert.equal(store.size, 1);
  s.put('z', ['z'], 10, 0);
  assert.equal(s.expire(4999), 1);
  assert.deepEqual(s.get('y', 4999), ['a', 'b']);
  assert.equal(s.expire(5000), 1);
  assert.equal(store.size, 0);
});
