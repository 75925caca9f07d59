// The in-memory stores of the limits, budgets and sessions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryRateCounter, MemorySessionStore, MemorySpendStore } from '../../src/policy/memory-stores.js';
import type { RateCounterStore, RateVerdict, SessionStore, SpendStore } from '../../src/policy/stores.js';

const take = (id: string, limit: number, cost = 1, windowMs = 1000) => ({ id, limit, windowMs, cost });

test('rate counter: a sliding window admits `limit` and frees a slot when the oldest entry leaves', () => {
  const c: RateCounterStore = new MemoryRateCounter();
  const at = (t: number) => c.take([take('k', 2)], t) as RateVerdict;
  assert.equal(at(0).ok, true);
  assert.deepEqual(at(400).remaining, [0]);
  const refused = at(999);
  assert.equal(refused.ok, false);
  // The window is (now - 1000, now]: the entry at 0 leaves at 1000.
  assert.equal(refused.waitMs, 1);
  assert.equal(at(1000).ok, true);
  assert.equal(at(1399).ok, false);
  assert.equal(at(1400).ok, true);
});

test('rate counter: check all, then take all: one full counter takes from none', () => {
  const c = new MemoryRateCounter();
  assert.equal(c.take([take('a', 5), take('b', 1)], 0).ok, true);
  const v = c.take([take('a', 5), take('b', 1)], 10);
  assert.equal(v.ok, false);
  assert.equal(v.refused, 1);
  assert.deepEqual(v.remaining, [4, 0]);
  // 'a' was not taken from by the refused request.
  assert.deepEqual(c.take([take('a', 5)], 20).remaining, [3]);
});

test('rate counter: settle replaces a reservation; a cost over the limit never fits', () => {
  const c = new MemoryRateCounter();
  const v = c.take([take('t', 100, 80)], 0);
  assert.equal(c.take([take('t', 100, 30)], 1).ok, false);
  c.settle('t', v.handles[0]!, 10);
  assert.equal(c.take([take('t', 100, 30)], 2).ok, true);
  assert.equal(c.take([take('t', 100, 101)], 3).waitMs, Infinity);
});

test('rate counter: exact over many entries as the ring grows and turns; sweep forgets empty counters', () => {
  const c = new MemoryRateCounter();
  for (let t = 0; t < 10_000; t++) {
    const v = c.take([take('k', 100, 1, 100)], t);
    assert.equal(v.ok, true);
    assert.equal(v.remaining[0], 99 - Math.min(t, 99));
  }
  assert.equal(c.take([take('k', 100, 1, 100)], 9_999).ok, false);
  c.take([take('idle', 5)], 0);
  c.sweep(20_000);
  assert.equal(c.size, 0);
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

test('session store: bounded by maxSessions, the least recently used one makes room', () => {
  const store = new MemorySessionStore<string>({ maxSessions: 2 });
  store.put('a', ['a'], 1000, 0);
  store.put('b', ['b'], 1000, 0);
  assert.deepEqual(store.get('a', 1), ['a']); // a is now the most recently used
  store.put('c', ['c'], 1000, 2);
  assert.equal(store.size, 2);
  assert.equal(store.get('b', 3), undefined);
  assert.deepEqual(store.get('a', 3), ['a']);
  assert.deepEqual(store.get('c', 3), ['c']);
});
