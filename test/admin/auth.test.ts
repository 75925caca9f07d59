// The admin key check and the loopback rule that decides whether a keyless admin listener may start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAdminAuth, isLoopbackHost } from '../../src/admin/auth.js';
import { adminListenProblem } from '../../src/admin/runtime.js';

test('only "Bearer <the key>" passes', () => {
  const auth = createAdminAuth('s3cret-admin');
  assert.equal(auth('Bearer s3cret-admin'), true);
  assert.equal(auth('bearer s3cret-admin'), true);
  assert.equal(auth(undefined), false);
  assert.equal(auth(''), false);
  assert.equal(auth('Bearer '), false);
  assert.equal(auth('Bearer s3cret-admiN'), false);
  assert.equal(auth('Bearer s3cret-admin-and-more'), false);
  assert.equal(auth('Basic s3cret-admin'), false);
  assert.equal(auth('s3cret-admin'), false);
});

test('no key configured: every request passes', () => {
  assert.equal(createAdminAuth(undefined)(undefined), true);
  assert.equal(createAdminAuth('')('Bearer anything'), true);
});

test('loopback addresses', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
    assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['0.0.0.0', '::', '', '10.0.0.1', '192.168.1.2', 'example.test', '128.0.0.1'])
    assert.equal(isLoopbackHost(h), false, h);
});

test('a keyless admin listener may bind loopback only; a key needs 32 characters', () => {
  const strong = 'k'.repeat(32);
  assert.equal(adminListenProblem({ admin: { host: '127.0.0.1', port: 3001, key: undefined } }), undefined);
  assert.equal(adminListenProblem({ admin: { host: '0.0.0.0', port: 3001, key: strong } }), undefined);
  const keyless = adminListenProblem({ admin: { host: '0.0.0.0', port: 3001, key: undefined } });
  assert.equal(keyless?.code, 'GW_ERR_ADMIN_LISTEN');
  assert.match(keyless.message, /loopback only/);
  for (const host of ['0.0.0.0', '127.0.0.1']) {
    const weak = adminListenProblem({ admin: { host, port: 3001, key: 'k'.repeat(31) } });
    assert.equal(weak?.code, 'GW_ERR_ADMIN_KEY_WEAK', host);
    assert.match(weak.message, /31 characters; it needs at least 32/);
    assert.ok(!weak.message.includes('k'.repeat(31)), 'the message never repeats the key');
  }
  assert.equal(adminListenProblem({ admin: { host: '0.0.0.0', port: 3001, key: 'k' } })?.code, 'GW_ERR_ADMIN_KEY_WEAK');
});
