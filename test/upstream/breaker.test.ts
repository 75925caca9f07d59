// Circuit breakers through real sockets: a failing first target is skipped (no request reaches
// it) once it failed `failures` times in a row, one probe goes after the cooldown, and its
// answer closes or reopens the breaker. The registry's clock is a test clock: no sleeps.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BreakerRegistry } from '../../src/upstream/breaker.js';
import { executeChat, type ChatOutcome } from '../../src/upstream/execute.js';
import {
  call,
  chatEndpoint,
  closedPortUrl,
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

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = Date.parse('2026-01-01T00:00:00Z');
  return { now: () => t, advance: (ms) => (t += ms) };
}

const errors = (o: ChatOutcome): (string | undefined)[] => o.attempts.map((a) => a.error);

describe('circuit breaker', () => {
  test('a failing first target is skipped after 2 failures; one probe after the cooldown; its success closes it', async () => {
    const c = clock();
    const breakers = new BreakerRegistry({ failures: 2, cooldownMs: 200 }, c.now);
    const first = await upstream(status(500, 'down'));
    const second = await upstream(okJson('from the fallback'));
    const t = table([
      chatEndpoint('bot', [
        to(httpProvider('first', first.url), { m: 'a' }),
        to(httpProvider('second', second.url), { m: 'b' }),
      ]),
    ]);
    const deps = { pools, breakers };

    for (let i = 0; i < 2; i++) {
      const out = await executeChat(call(t, 'bot', 'm'), deps);
      assert.equal(out.provider.name, 'second');
    }
    assert.equal(first.requests.length, 2);

    const skipped = await executeChat(call(t, 'bot', 'm'), deps);
    assert.equal(skipped.provider.name, 'second');
    assert.equal(first.requests.length, 2, 'the open breaker kept the request away from the first target');
    assert.match(skipped.attempts[0]?.error ?? '', /^circuit open/);
    assert.equal(skipped.attempts[0]?.status, undefined);
    assert.deepEqual(
      breakers.snapshot().map((b) => [b.provider, b.model, b.state, b.failures]),
      [['first', 'a', 'open', 2]],
    );

    // Cooldown over: the first target is healthy again. Two requests at once: one probe only.
    c.advance(200);
    assert.equal(breakers.snapshot()[0]?.state, 'half-open');
    const hold = deferred();
    const arrived = deferred();
    first.handler = (req, res, rec) => {
      arrived.resolve();
      void hold.promise.then(() => okJson('first is back')(req, res, rec));
    };
    const probe = executeChat(call(t, 'bot', 'm'), deps);
    await arrived.promise;
    const meanwhile = await executeChat(call(t, 'bot', 'm'), deps);
    assert.equal(meanwhile.provider.name, 'second', 'while the probe is in flight the target stays skipped');
    assert.match(meanwhile.attempts[0]?.error ?? '', /^circuit open/);
    hold.resolve();
    const probed = await probe;
    assert.equal(probed.provider.name, 'first');
    assert.equal(first.requests.length, 3, 'exactly one probe reached the first target');
    assert.deepEqual(breakers.snapshot(), [], 'the probe closed the breaker');

    const after = await executeChat(call(t, 'bot', 'm'), deps);
    assert.equal(after.provider.name, 'first');
    assert.deepEqual(errors(after), [undefined]);
  });

  test('a failed probe opens the breaker for another cooldown', async () => {
    const c = clock();
    const breakers = new BreakerRegistry({ failures: 1, cooldownMs: 1000 }, c.now);
    const dead = await closedPortUrl();
    const good = await upstream(okJson('ok'));
    const t = table([
      chatEndpoint('bot', [to(httpProvider('dead', dead), { m: 'a' }), to(httpProvider('good', good.url), { m: 'b' })]),
    ]);
    const deps = { pools, breakers };
    const one = await executeChat(call(t, 'bot', 'm'), deps);
    assert.match(one.attempts[0]?.error ?? '', /^connect: /);
    const two = await executeChat(call(t, 'bot', 'm'), deps);
    assert.match(two.attempts[0]?.error ?? '', /^circuit open/);

    c.advance(1000);
    const probe = await executeChat(call(t, 'bot', 'm'), deps);
    assert.match(probe.attempts[0]?.error ?? '', /^connect: /, 'the probe went out and failed');
    assert.equal(breakers.snapshot()[0]?.state, 'open');
    const after = await executeChat(call(t, 'bot', 'm'), deps);
    assert.match(after.attempts[0]?.error ?? '', /^circuit open/);
  });

  test('retries stop as soon as the breaker opens: the request moves on', async () => {
    const c = clock();
    const breakers = new BreakerRegistry({ failures: 2, cooldownMs: 1000 }, c.now);
    const bad = await upstream(status(503, 'busy'));
    const good = await upstream(okJson('ok'));
    const t = table([
      chatEndpoint(
        'bot',
        [to(httpProvider('bad', bad.url), { m: 'a' }), to(httpProvider('good', good.url), { m: 'b' })],
        { retries: { attempts: 5, backoffMs: 1 } },
      ),
    ]);
    const out = await executeChat(call(t, 'bot', 'm'), { pools, breakers });
    assert.equal(out.provider.name, 'good');
    assert.equal(bad.requests.length, 2, 'two failures opened it; the other retries were not sent');
  });

  test("a caller's 4xx and a 429 do not open it (the target answered)", async () => {
    const c = clock();
    const breakers = new BreakerRegistry({ failures: 1, cooldownMs: 1000 }, c.now);
    let n = 0;
    const picky: Handler = (req, res, rec) =>
      (++n % 2 === 1 ? status(400, 'bad field') : status(429, 'slow down'))(req, res, rec);
    const up = await upstream(picky);
    const t = table([chatEndpoint('bot', [to(httpProvider('p', up.url), { m: 'a' })])]);
    for (let i = 0; i < 3; i++) await rejects(executeChat(call(t, 'bot', 'm'), { pools, breakers }));
    assert.equal(up.requests.length, 3);
    assert.deepEqual(breakers.snapshot(), []);
  });

  test('every target open: 503 GW_ERR_UPSTREAM_CIRCUIT_OPEN with Retry-After until the first probe', async () => {
    const c = clock();
    const breakers = new BreakerRegistry({ failures: 1, cooldownMs: 30_000 }, c.now);
    const a = await upstream(status(500, 'a down'));
    const b = await upstream(status(502, 'b down'));
    const t = table([
      chatEndpoint('bot', [to(httpProvider('a', a.url), { m: 'x' }), to(httpProvider('b', b.url), { m: 'y' })]),
    ]);
    const first = await rejects(executeChat(call(t, 'bot', 'm'), { pools, breakers }));
    assert.equal(first.code, 'GW_ERR_UPSTREAM_EXHAUSTED');
    c.advance(12_300);
    const err = await rejects(executeChat(call(t, 'bot', 'm'), { pools, breakers }));
    assert.equal(err.code, 'GW_ERR_UPSTREAM_CIRCUIT_OPEN');
    assert.equal(err.status, 503);
    assert.equal(err.details?.retryAfterSec, 18);
    assert.equal(a.requests.length + b.requests.length, 2, 'no network call while open');
  });

  test('a caller leaving during the probe frees it: the next request probes', async () => {
    const c = clock();
    const breakers = new BreakerRegistry({ failures: 1, cooldownMs: 100 }, c.now);
    const up = await upstream(status(500, 'down'));
    const t = table([chatEndpoint('bot', [to(httpProvider('p', up.url), { m: 'x' })])]);
    await rejects(executeChat(call(t, 'bot', 'm'), { pools, breakers }));
    c.advance(100);
    const arrived = deferred();
    up.handler = () => arrived.resolve(); // holds the probe
    const ctrl = new AbortController();
    const probe = rejects(executeChat(call(t, 'bot', 'm', { signal: ctrl.signal }), { pools, breakers }));
    await arrived.promise;
    ctrl.abort();
    assert.equal((await probe).details?.callerAborted, true);
    up.handler = okJson('back');
    const out = await executeChat(call(t, 'bot', 'm'), { pools, breakers });
    assert.deepEqual(errors(out), [undefined]);
    assert.deepEqual(breakers.snapshot(), []);
  });

  test('sync drops the entries of providers a reload removed or moved; failures 0 turns it off', async () => {
    const c = clock();
    const breakers = new BreakerRegistry({ failures: 1, cooldownMs: 1000 }, c.now);
    const dead = await closedPortUrl();
    const p = httpProvider('dead', dead);
    const t = table([chatEndpoint('bot', [to(p, { m: 'x' })])]);
    await rejects(executeChat(call(t, 'bot', 'm'), { pools, breakers }));
    breakers.sync(t);
    assert.equal(breakers.snapshot().length, 1, 'kept across a reload with the same provider');
    breakers.sync(table([chatEndpoint('bot', [to(httpProvider('dead', 'http://127.0.0.1:9/v1'), { m: 'x' })])]));
    assert.equal(breakers.snapshot().length, 0, 'a new origin starts with a closed breaker');

    const off = new BreakerRegistry({ failures: 0, cooldownMs: 1000 }, c.now);
    for (let i = 0; i < 3; i++) {
      const err = await rejects(executeChat(call(t, 'bot', 'm'), { pools, breakers: off }));
      assert.match(String((err.details?.attempts as { error: string }[])[0]?.error), /^connect: /);
    }
    assert.deepEqual(off.snapshot(), []);
  });
});
