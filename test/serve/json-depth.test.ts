// The nesting scan that runs before JSON.parse: fed in any pieces, it must agree with a plain
// byte-by-byte count (strings and escapes skipped) on every input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonDepthScan } from '../../src/http/body.js';

/** The reference: the deepest nesting reached outside strings. */
function deepest(text: Buffer): number {
  let depth = 0;
  let most = 0;
  let inString = false;
  let escaped = false;
  for (const c of text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 0x5c) escaped = true;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) most = Math.max(most, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return most;
}

function scan(text: Buffer, max: number, cuts: number[]): boolean {
  const s = new JsonDepthScan(max);
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    if (!s.push(text.subarray(from, cut))) return false;
    from = cut;
  }
  return true;
}

test('the depth scan agrees with a byte-by-byte count on random texts cut at random places', () => {
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const alphabet = ['[', ']', '{', '}', '"', '\\', 'a', ',', ':', ' ', '\\"', '"x"'];
  for (let round = 0; round < 3000; round++) {
    const parts: string[] = [];
    for (let i = rand(60); i > 0; i--) parts.push(alphabet[rand(alphabet.length)] as string);
    const text = Buffer.from(parts.join(''));
    const cuts = Array.from({ length: rand(4) }, () => rand(text.length + 1)).sort((a, b) => a - b);
    const max = rand(8);
    assert.equal(
      scan(text, max, cuts),
      deepest(text) <= max,
      `text ${JSON.stringify(text.toString())} cuts ${cuts} max ${max}`,
    );
  }
});

test('brackets inside long strings, escaped quotes included, never count', () => {
  const inner = `${'['.repeat(1000)}\\"${'{'.repeat(1000)}`;
  const text = Buffer.from(JSON.stringify({ a: [inner, inner], b: { c: [1, [2]] } }));
  // { a: [ ... ], b: { c: [1, [2]] } } nests 4 deep; the strings' 2,000 brackets do not count.
  assert.equal(scan(text, 4, [5, 700, 1500]), true);
  assert.equal(scan(text, 3, [5, 700, 1500]), false);
});
