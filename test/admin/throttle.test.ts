// Failed admin-key attempts are throttled per remote address: after 10 wrong keys in a minute
// the address gets 429 GW_ERR_ADMIN_AUTH_THROTTLED with Retry-After, the right key included,
// until the window ends. Requests without a key and cross-site requests do not count. The
// clock is the test's own, so "the window passes" needs no sleep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthThrottle } from '../../src/admin/throttle.js';
import { ADMIN_KEY, raw, startAdminInProcess } from './helpers.js';

const code = (b: Record<string, unknown>): unknown => (b['error'] as { code?: unknown } | undefined)?.code;

test('the 11th wrong key gets 429 with Retry-After; so does the right key until the window passes', async () => {
  let now = 1_000_000;
  const gw = await startAdminInProcess({ key: ADMIN_KEY, authThrottle: new AuthThrottle({ now: () => now }) });
  try {
    const bad = { authorization: 'Bearer not-the-admin-key-but-long-enough-000000' };
    for (let i = 1; i <= 10; i++) {
      const r = await raw(gw.url, '/admin/v1/config', { headers: bad });
      assert.equal(r.status, 401, `attempt ${i}`);
    }
    const eleventh = await raw(gw.url, '/admin/v1/config', { headers: bad });
    assert.equal(eleventh.status, 429, eleventh.text);
    assert.equal(code(eleventh.body), 'GW_ERR_ADMIN_AUTH_THROTTLED');
    assert.equal(eleventh.headers['retry-after'], '60');

    now += 45_000;
    const right = await raw(gw.url, '/admin/v1/config', { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal(right.status, 429, 'the right key waits out the window too, or guessing would go on');
    assert.equal(right.headers['retry-after'], '15');
    assert.doesNotMatch(right.text, /manifests/);

    now += 15_000;
    const later = await raw(gw.url, '/admin/v1/config', { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal(later.status, 200, later.text);
  } finally {
    await gw.close();
  }
});

test('requests without a key and cross-site requests do not count towards the throttle', async () => {
  const gw = await startAdminInProcess({ key: ADMIN_KEY, authThrottle: new AuthThrottle({ now: () => 0 }) });
  try {
    for (let i = 0; i < 15; i++) {
      assert.equal((await raw(gw.url, '/admin/v1/config')).status, 401);
      // A page's request with a key it guessed never reaches the key check.
      const page = await raw(gw.url, '/admin/v1/config', {
        headers: { authorization: 'Bearer x', 'sec-fetch-site': 'cross-site' },
      });
      assert.equal(page.status, 403);
    }
    const ok = await raw(gw.url, '/admin/v1/config', { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal(ok.status, 200, ok.text);
  } finally {
    await gw.close();
  }
});

test('memory is bounded: at most maxAddresses windows; expired ones are pruned first', () => {
  let now = 0;
  const t = new AuthThrottle({ maxFailures: 2, windowMs: 1000, maxAddresses: 3, now: () => now });
  for (const a of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) {
    t.fail(a);
    t.fail(a);
  }
  assert.equal(t.blockedFor('10.0.0.1'), 1000);
  assert.equal(t.blockedFor('::ffff:10.0.0.2'), 1000, 'an IPv4-mapped address is the same address');
  now = 10;
  t.fail('10.0.0.4'); // full: the oldest window is dropped
  assert.equal(t.size, 3);
  assert.equal(t.blockedFor('10.0.0.1'), 0);
  for (let i = 0; i < 10_000; i++) t.fail(`10.1.${i >> 8}.${i & 255}`);
  assert.equal(t.size, 3);
  now = 5000; // every window expired: the next failure prunes them all
  t.fail('10.0.0.9');
  assert.equal(t.size, 1);
  assert.equal(t.blockedFor('10.0.0.9'), 0, 'one failure does not block');
});
