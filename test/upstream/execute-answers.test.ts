// How the executor ends when upstreams push back: a Retry-After over upstream.maxRetryAfter is
// not waited for (the next target is tried at once), a final 429 keeps the upstream's hint, an
// answer that is not the API ends as GW_ERR_UPSTREAM_PROTOCOL, and a caller leaving during a
// Retry-After wait stops it at once.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { executeChat } from '../../src/upstream/execute.js';
import {
  call,
  chatEndpoint,
  deferred,
  httpProvider,
  okJson,
  status,
  table,
  to,
  upstreamHarness,
  type Handler,
  rejects,
} from './helpers.js';

const { pools, upstream } = upstreamHarness();

const html: Handler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end('<html><body>Welcome to the captive portal</body></html>');
};

describe('Retry-After and the final answer', () => {
  // Without the cap the executor would wait 120 s before its retry: the test would time out.
  test(
    'a Retry-After over maxRetryAfter is not waited for: the next target serves at once',
    { timeout: 10_000 },
    async () => {
      const limited = await upstream(status(429, 'come back in two minutes', { 'retry-after': '120' }));
      const good = await upstream(okJson('served by the fallback'));
      const t = table([
        chatEndpoint(
          'bot',
          [to(httpProvider('limited', limited.url), { m: 'a' }), to(httpProvider('good', good.url), { m: 'b' })],
          { retries: { attempts: 2, backoffMs: 1 } },
        ),
      ]);
      const out = await executeChat(call(t, 'bot', 'm'), { pools, upstream: { maxRetryAfterMs: 30_000 } });
      assert.equal(out.provider.name, 'good');
      assert.deepEqual(
        out.attempts.map((a) => [a.provider, a.status]),
        [
          ['limited', 429],
          ['good', 200],
        ],
      );
      assert.equal(limited.requests.length, 1, 'no retry on the target that asked for 120 s');
    },
  );

  test('a Retry-After within maxRetryAfter is still honoured on the same target', async () => {
    let n = 0;
    const up = await upstream((req, res, rec) =>
      (++n === 1 ? status(429, 'wait a bit', { 'retry-after-ms': '20' }) : okJson('after waiting'))(req, res, rec),
    );
    const t = table([
      chatEndpoint('bot', [to(httpProvider('p', up.url), { m: 'a' })], { retries: { attempts: 1, backoffMs: 1 } }),
    ]);
    const out = await executeChat(call(t, 'bot', 'm'), { pools, upstream: { maxRetryAfterMs: 30_000 } });
    assert.deepEqual(
      out.attempts.map((a) => a.status),
      [429, 200],
    );
  });

  test("every attempt rate-limited: 429 GW_ERR_UPSTREAM_RATE_LIMITED with the upstream's hint", async () => {
    const a = await upstream(status(429, 'quota a', { 'retry-after': '120' }));
    const b = await upstream(status(429, 'quota b', { 'retry-after': '7' }));
    const t = table([
      chatEndpoint('bot', [to(httpProvider('a', a.url), { m: 'x' }), to(httpProvider('b', b.url), { m: 'y' })], {
        retries: { attempts: 1, backoffMs: 1 },
      }),
    ]);
    const err = await rejects(executeChat(call(t, 'bot', 'm'), { pools, upstream: { maxRetryAfterMs: 1000 } }));
    assert.equal(err.code, 'GW_ERR_UPSTREAM_RATE_LIMITED');
    assert.equal(err.status, 429);
    assert.equal(err.details?.retryAfterSec, 7, 'the soonest hint');
    assert.equal(err.details?.upstreamStatus, 429);
  });

  test('a 429 without a hint: 429 without retryAfterSec; a 429 after a 500 stays 502 exhausted', async () => {
    const bare = await upstream(status(429, 'busy'));
    const t1 = table([chatEndpoint('bot', [to(httpProvider('bare', bare.url), { m: 'x' })])]);
    const e1 = await rejects(executeChat(call(t1, 'bot', 'm'), { pools }));
    assert.equal(e1.code, 'GW_ERR_UPSTREAM_RATE_LIMITED');
    assert.equal(e1.details?.retryAfterSec, undefined);

    const broken = await upstream(status(500, 'broken'));
    const t2 = table([
      chatEndpoint('bot', [
        to(httpProvider('broken', broken.url), { m: 'x' }),
        to(httpProvider('bare', bare.url), { m: 'y' }),
      ]),
    ]);
    const e2 = await rejects(executeChat(call(t2, 'bot', 'm'), { pools }));
    assert.equal(e2.code, 'GW_ERR_UPSTREAM_EXHAUSTED');
  });

  test('an upstream answering HTML instead of its API: 502 GW_ERR_UPSTREAM_PROTOCOL', async () => {
    const portal = await upstream(html);
    const t = table([
      chatEndpoint('bot', [to(httpProvider('portal', portal.url), { m: 'x' })], {
        retries: { attempts: 1, backoffMs: 1 },
      }),
    ]);
    const err = await rejects(executeChat(call(t, 'bot', 'm'), { pools }));
    assert.equal(err.code, 'GW_ERR_UPSTREAM_PROTOCOL');
    assert.equal(err.status, 502);
    assert.equal((err.details?.attempts as unknown[]).length, 2);
  });

  test('protocol failure on one target, refused on another: 502 exhausted (not every failure was protocol)', async () => {
    const portal = await upstream(html);
    const t = table([
      chatEndpoint('bot', [
        to(httpProvider('portal', portal.url), { m: 'x' }),
        to(httpProvider('gone', 'http://127.0.0.1:9/v1'), { m: 'y' }),
      ]),
    ]);
    const err = await rejects(executeChat(call(t, 'bot', 'm'), { pools }));
    assert.equal(err.code, 'GW_ERR_UPSTREAM_EXHAUSTED');
  });

  test('the caller leaving during a Retry-After wait stops it at once', { timeout: 10_000 }, async () => {
    const arrived = deferred();
    const up = await upstream((req, res, rec) => {
      arrived.resolve();
      status(429, 'wait 25 s', { 'retry-after': '25' })(req, res, rec);
    });
    const t = table([
      chatEndpoint('bot', [to(httpProvider('p', up.url), { m: 'x' })], { retries: { attempts: 1, backoffMs: 1 } }),
    ]);
    const ctrl = new AbortController();
    const p = rejects(
      executeChat(call(t, 'bot', 'm', { signal: ctrl.signal }), { pools, upstream: { maxRetryAfterMs: 30_000 } }),
    );
    await arrived.promise;
    ctrl.abort();
    const err = await p;
    assert.equal(err.details?.callerAborted, true);
    assert.equal(up.requests.length, 1);
  });
});
