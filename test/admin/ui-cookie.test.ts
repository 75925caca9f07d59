// The status page's sign-in: the key pasted once becomes an HttpOnly, SameSite=Strict cookie,
// accepted in place of the Authorization header on GET and HEAD only. A wrong key is refused
// and counted by the failed-key throttle, whether pasted into the form or sent as a cookie.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthThrottle } from '../../src/admin/throttle.js';
import { adminCredential, readCookie, sessionCookie } from '../../src/admin/ui/cookie.js';
import { ADMIN_KEY, raw, startAdminInProcess } from './helpers.js';

const json = { 'content-type': 'application/json' };

test('readCookie finds one cookie among several and decodes it', () => {
  assert.equal(readCookie('a=1; gw_admin=k%3Dx; b=2', 'gw_admin'), 'k=x');
  assert.equal(readCookie('gw_admin_other=1', 'gw_admin'), undefined);
  assert.equal(readCookie(undefined, 'gw_admin'), undefined);
  assert.equal(readCookie('gw_admin=%E0%A4%A', 'gw_admin'), undefined, 'a malformed escape is no cookie');
});

test('adminCredential: the header wins; the cookie counts on GET and HEAD only', () => {
  assert.equal(adminCredential('GET', 'Bearer h', 'gw_admin=c'), 'Bearer h');
  assert.equal(adminCredential('GET', undefined, 'gw_admin=c'), 'Bearer c');
  assert.equal(adminCredential('HEAD', undefined, 'gw_admin=c'), 'Bearer c');
  assert.equal(adminCredential('POST', undefined, 'gw_admin=c'), undefined);
  assert.equal(adminCredential('GET', undefined, 'gw_admin='), undefined);
  assert.equal(adminCredential('GET', undefined, undefined), undefined);
});

test('sessionCookie is HttpOnly and SameSite=Strict, Secure only over TLS', () => {
  assert.equal(sessionCookie('k;x', false), 'gw_admin=k%3Bx; Path=/; HttpOnly; SameSite=Strict');
  assert.match(sessionCookie('k', true), /; Secure$/);
});

test('sign-in: the right key sets the cookie, which then opens pages and JSON on GET but not POST', async () => {
  const gw = await startAdminInProcess({ key: ADMIN_KEY });
  try {
    const page = await raw(gw.url, '/');
    assert.equal(page.status, 401);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.text, /id="signin"/);
    assert.doesNotMatch(page.text, /<script>/, 'no inline script');
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);

    const signIn = await raw(gw.url, '/ui/session', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ key: ADMIN_KEY }),
    });
    assert.equal(signIn.status, 200, signIn.text);
    const setCookie = String(signIn.headers['set-cookie']);
    assert.match(setCookie, /^gw_admin=/);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.doesNotMatch(setCookie, /Secure/, 'plain HTTP: not Secure');
    const cookie = setCookie.split(';')[0]!;

    const list = await raw(gw.url, '/', { headers: { cookie } });
    assert.equal(list.status, 200, list.text);
    assert.match(list.text, /<h1>Endpoints/);
    assert.equal((await raw(gw.url, '/admin/v1/status', { headers: { cookie } })).status, 200);
    assert.equal((await raw(gw.url, '/ui/revisions', { headers: { cookie } })).status, 200);

    const post = await raw(gw.url, '/admin/v1/rollback', { method: 'POST', headers: { ...json, cookie }, body: '{}' });
    assert.equal(post.status, 401, 'a POST needs the Authorization header');
    // A cross-site page cannot use the cookie: the guard refuses before the key check.
    const cross = await raw(gw.url, '/', { headers: { cookie, 'sec-fetch-site': 'cross-site' } });
    assert.equal(cross.status, 403);
    // Static files need no key.
    const js = await raw(gw.url, '/ui/app.js');
    assert.equal(js.status, 200);
    assert.match(String(js.headers['content-type']), /javascript/);
  } finally {
    await gw.close();
  }
});

test('a wrong key is refused at sign-in and as a cookie, and both count towards the throttle', async () => {
  const gw = await startAdminInProcess({ key: ADMIN_KEY, authThrottle: new AuthThrottle({ now: () => 0 }) });
  try {
    for (let i = 0; i < 5; i++) {
      const r = await raw(gw.url, '/ui/session', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ key: 'wrong-key-000000000000000000000' }),
      });
      assert.equal(r.status, 401);
      assert.equal(r.headers['set-cookie'], undefined);
    }
    for (let i = 0; i < 5; i++) {
      const r = await raw(gw.url, '/', { headers: { cookie: 'gw_admin=wrong-key-000000000000000000000' } });
      assert.equal(r.status, 401);
      assert.match(r.text, /That key was refused/);
    }
    const blocked = await raw(gw.url, '/ui/session', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ key: ADMIN_KEY }),
    });
    assert.equal(blocked.status, 429, 'ten failures: even the right key waits');
  } finally {
    await gw.close();
  }
});

test('the sign-in takes JSON only: a form post from a page is refused by the guard', async () => {
  const gw = await startAdminInProcess({ key: ADMIN_KEY });
  try {
    const r = await raw(gw.url, '/ui/session', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `key=${ADMIN_KEY}`,
    });
    assert.equal(r.status, 415);
  } finally {
    await gw.close();
  }
});
