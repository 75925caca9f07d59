// Rate limits through a real gateway on 127.0.0.1 with an injected clock (no sleeps): rpm of an
// endpoint and of a key, tpm reserve-then-reconcile, the Anthropic error shape, and no 429 that
// names another key.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { RateLimiter } from '../../src/policy/rate-limits.js';
import { sha } from '../helpers/gw.js';
import { KEYS, startGateway, startUpstream, type FakeUpstream, type TestGateway } from './helpers.js';

const RL = { a: 'gw-test-rl-a', b: 'gw-test-rl-b', anth: 'gw-test-rl-anth' } as const;

const EXTRA = `---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: metered }
spec:
  type: chat
  routing: { targets: [ { provider: up, models: { m-metered: up-fast } } ] }
  limits: { rpm: 3 }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: shared }
spec:
  type: chat
  routing: { targets: [ { provider: up, models: { m-shared: up-fast } } ] }
  limits: { rph: 3 }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: tokens }
spec:
  type: chat
  routing: { targets: [ { provider: up, models: { m-tokens: up-fast } } ] }
  limits: { tpm: 40 }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: rl-a }
spec: { keyHash: "${sha(RL.a)}", roles: [editor], scopes: [chat], limits: { rpm: 2 } }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: rl-b }
spec: { keyHash: "${sha(RL.b)}", roles: [editor], scopes: [chat] }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: rl-anth }
spec: { keyHash: "${sha(RL.anth)}", roles: [editor], scopes: [chat], limits: { rpm: 1 } }
`;

let upstream: FakeUpstream;
let gw: TestGateway;
let now = 1_700_000_000_000;

before(async () => {
  upstream = await startUpstream();
  gw = await startGateway(upstream.url, { extraManifests: EXTRA, rateLimits: new RateLimiter({ now: () => now }) });
});
after(async () => {
  await gw.stop();
  await upstream.close();
});

async function chat(key: string, model: string, content = 'hi'): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
  });
}

async function message(res: Response): Promise<string> {
  return ((await res.json()) as { error: { message: string } }).error.message;
}

test('endpoint rpm through the openai SDK: N admitted, N+1 refused with 429, Retry-After and headers; the window slides', async () => {
  const client = new OpenAI({ apiKey: KEYS.app, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  const ask = () => client.chat.completions.create({ model: 'm-metered', messages: [{ role: 'user', content: 'hi' }] });
  const t1 = now;
  const first = await ask().withResponse();
  assert.equal(first.response.headers.get('x-ratelimit-limit-requests'), '3');
  assert.equal(first.response.headers.get('x-ratelimit-remaining-requests'), '2');
  assert.equal(first.response.headers.get('x-ratelimit-reset-requests'), '1m0s');
  now += 10_000;
  await ask();
  const third = await ask().withResponse();
  assert.equal(third.response.headers.get('x-ratelimit-remaining-requests'), '0');
  assert.equal(third.response.headers.get('x-ratelimit-reset-requests'), '50s');
  now += 10_000;
  await assert.rejects(ask(), (err: unknown) => {
    assert.ok(err instanceof OpenAI.RateLimitError);
    assert.equal(err.status, 429);
    assert.equal(err.code, 'GW_ERR_RATE_LIMITED');
    assert.match(err.message, /endpoint metered rpm 3/);
    // The oldest request (t1) leaves the window 40 s from now.
    assert.equal(err.headers?.get('retry-after'), '40');
    assert.equal(err.headers?.get('x-ratelimit-remaining-requests'), '0');
    assert.equal(err.headers?.get('x-ratelimit-reset-requests'), '40s');
    return true;
  });
  now = t1 + 60_000;
  const again = await ask().withResponse();
  assert.equal(again.response.headers.get('x-ratelimit-remaining-requests'), '0');
  const refused = await chat(KEYS.app, 'm-metered');
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get('retry-after'), '10');
});

test('key rpm: the key is refused on any endpoint; a refusal takes from no counter and never names another key', async () => {
  assert.equal((await chat(RL.a, 'm-shared')).status, 200);
  assert.equal((await chat(RL.a, 'fast')).status, 200);
  const own = await chat(RL.a, 'm-shared');
  assert.equal(own.status, 429);
  assert.equal(own.headers.get('x-ratelimit-limit-requests'), '2');
  assert.match(await message(own), /^rate limit reached: key rl-a rpm 2; retry in 60 s$/);
  // rl-a took 1 of the endpoint's rph 3 (its refused request took none): rl-b gets the other two.
  const b1 = await chat(RL.b, 'm-shared');
  assert.equal(b1.status, 200);
  assert.equal(b1.headers.get('x-ratelimit-remaining-requests'), '1');
  assert.equal((await chat(RL.b, 'm-shared')).status, 200);
  const b2 = await chat(RL.b, 'm-shared');
  assert.equal(b2.status, 429);
  const text = await message(b2);
  assert.match(text, /endpoint shared rph 3/);
  assert.doesNotMatch(text, /rl-a/);
  // A route without limits carries no rate-limit headers.
  const free = await chat(KEYS.app, 'fast');
  assert.equal(free.status, 200);
  assert.equal(free.headers.get('x-ratelimit-limit-requests'), null);
});

test('tpm: the estimate is reserved, the real usage replaces it, and a request over what is left gets 429', async () => {
  // 120 characters: an estimate of 30 tokens; the upstream reports 18 in total.
  const first = await chat(KEYS.app, 'm-tokens', 'x'.repeat(120));
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('x-ratelimit-limit-tokens'), '40');
  assert.equal(first.headers.get('x-ratelimit-remaining-tokens'), '10');
  assert.equal(first.headers.get('x-ratelimit-limit-requests'), null);
  // 80 characters (20 tokens): 18 + 20 fits in 40 only because the reservation of 30 was settled.
  const second = await chat(KEYS.app, 'm-tokens', 'y'.repeat(80));
  assert.equal(second.status, 200);
  assert.equal(second.headers.get('x-ratelimit-remaining-tokens'), '2');
  const third = await chat(KEYS.app, 'm-tokens', 'z'.repeat(80));
  assert.equal(third.status, 429);
  assert.ok(Number(third.headers.get('retry-after')) >= 1);
  assert.equal(third.headers.get('x-ratelimit-remaining-tokens'), '4');
  assert.match(await message(third), /endpoint tokens tpm 40 \(this request needs about 20 tokens, 4 are left/);
});

test('the Anthropic route answers a rate limit in its own error shape, with Retry-After and the headers', async () => {
  const send = () =>
    fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': RL.anth, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fast', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }),
    });
  assert.equal((await send()).status, 200);
  const res = await send();
  assert.equal(res.status, 429);
  assert.equal(res.headers.get('retry-after'), '60');
  assert.equal(res.headers.get('x-ratelimit-limit-requests'), '1');
  const body = (await res.json()) as { type: string; error: { type: string; message: string } };
  assert.equal(body.type, 'error');
  assert.equal(body.error.type, 'rate_limit_error');
  assert.match(body.error.message, /key rl-anth rpm 1/);
});
