// The tree of Maps that metrics series, usage roll-ups and spend totals are found in: the same
// keys find the same value, other keys never do, and values come back in the order first set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyTree } from '../../src/util/key-tree.js';

test('one to five keys find what was set under them, and nothing else', () => {
  const t = new KeyTree<string>();
  t.set('one', 'a');
  t.set('three', 'a', 'b', 'c');
  t.set('five', 7, 'ws', 'chat', 'app', 'gpt');
  assert.equal(t.get('a'), 'one');
  assert.equal(t.get('a', 'b', 'c'), 'three');
  assert.equal(t.get(7, 'ws', 'chat', 'app', 'gpt'), 'five');
  assert.equal(t.get('a', 'b'), undefined, 'a path through a longer key holds no value of its own');
  assert.equal(t.get('a', 'b', 'd'), undefined);
  assert.equal(t.get('7', 'ws', 'chat', 'app', 'gpt'), undefined, 'the number 7 and the string "7" are different keys');
  // Joined keys would collide here ('a|b' + 'c' and 'a' + 'b|c'); separate levels do not.
  t.set('x', 'a|b', 'c');
  t.set('y', 'a', 'b|c');
  assert.equal(t.get('a|b', 'c'), 'x');
  assert.equal(t.get('a', 'b|c'), 'y');
});

test('values() lists each value once, in the order first set; set() replaces in place; clear() empties', () => {
  const t = new KeyTree<{ n: number }>();
  const first = { n: 1 };
  t.set(first, 'ep', '200');
  t.set({ n: 2 }, 'ep', '500');
  t.set({ n: 3 }, 'other', '200');
  t.set({ n: 4 }, 'ep', '200');
  assert.deepEqual(
    t.values().map((v) => v.n),
    [4, 2, 3],
  );
  assert.equal(t.size, 3);
  t.clear();
  assert.equal(t.size, 0);
  assert.equal(t.get('ep', '200'), undefined);
});
