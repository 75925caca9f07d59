// The proxy path check as a pure function: what is refused (with its reason) and what passes on
// unchanged. The same cases go through a real gateway in test/serve/proxy.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proxyPath } from '../../src/http/proxy-path.js';

const refused = (rest: string): string => {
  const r = proxyPath(rest);
  assert.ok(!r.ok, `${rest} should be refused`);
  return r.reason;
};

test('paths below the base pass unchanged, never decoded or re-encoded', () => {
  for (const [rest, path] of [
    ['', ''],
    ['items', '/items'],
    ['items/', '/items/'],
    ['a/b/c.json', '/a/b/c.json'],
    ['a%20b/100%25', '/a%20b/100%25'],
    ['users/@me', '/users/@me'],
    ['...', '/...'],
    ['.well-known/x', '/.well-known/x'],
    ['a..b', '/a..b'],
    ['%C3%A9t%C3%A9', '/%C3%A9t%C3%A9'],
  ]) {
    assert.deepEqual(proxyPath(rest as string), { ok: true, path }, rest);
  }
});

test('dot segments in any encoding are refused', () => {
  for (const rest of [
    '..',
    '.',
    '../x',
    'a/../b',
    'a/..',
    '%2e%2e',
    '%2E%2E/x',
    '.%2e',
    '%2e.',
    '%252e%252e',
    '%25252e%25252e',
  ])
    assert.match(refused(rest), /dot segment/, rest);
});

test('encoded slashes and backslashes, literal backslashes, empty segments, control characters, bad encoding', () => {
  assert.match(refused('a%2fb'), /encoded slash/);
  assert.match(refused('a%252Fb'), /encoded slash/);
  assert.match(refused('a%5cb'), /backslash/);
  assert.match(refused('a\\b'), /backslash/);
  assert.match(refused('/host/x'), /empty path segment/);
  assert.match(refused('a//b'), /empty path segment/);
  assert.match(refused('a%00'), /control character/);
  assert.match(refused('a%0d%0aSet-Cookie:x'), /control character/);
  assert.match(refused('a%7f'), /control character/);
  assert.match(refused('%zz'), /malformed/);
  assert.match(refused('a%2'), /malformed/);
  assert.match(refused('a#b'), /fragment/);
  assert.match(refused('%2525252e%2525252e'), /too many layers/);
});
