import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { executeChat, executeEmbeddings } from '../../src/upstream/execute.js';
import {
  call,
  chatEndpoint,
  closedPortUrl,
  httpProvider,
  mockProvider,
  okJson,
  status,
  table,
  to,
  toEndpoint,
  type Upstream,
  upstreamHarness,
  rejects,
} from './helpers.js';

const { pools, upstream } = upstreamHarness();

describe('executeChat over HTTP', () => {
  test('forwards the mapped model, injects upstream auth and custom headers, drops hop-by-hop', async () => {
    const up = await upstream(okJson('hello back'));
    const p = httpProvider('prod', up.url, {
      headers: {
        authorization: 'Bearer upstream-secret',
        'openai-organization': 'org-123',
        'proxy-authorization': 'Basic leak',
        'keep-alive': 'timeout=5',
      },
    });
    const t = table([chatEndpoint('bot', [to(p, { fast: 'gpt-4o-mini' })])]);
    const body = { model: 'fast', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2 };
    const out = await executeChat(call(t, 'bot', 'fast', { body }), { pools });
    assert.equal((out.json?.choices as { message: { content: string } }[])[0]?.message.content, 'hello back');
    const rec = up.requests.at(-1);
    assert.ok(rec);
    assert.equal(rec.url, '/v1/chat/completions');
    assert.equal(rec.body.model, 'gpt-4o-mini');
    assert.equal(rec.body.temperature, 0.2);
    assert.equal(rec.headers.authorization, 'Bearer upstream-secret');
    assert.equal(rec.headers['openai-organization'], 'org-123');
    assert.equal(rec.headers['proxy-authorization'], undefined);
    assert.equal(rec.headers['keep-alive'], undefined);
    assert.equal(rec.headers['x-api-key'], undefined);
    assert.equal(body.model, 'fast', 'the caller body is not mutated');
    assert.equal(out.provider.name, 'prod');
    assert.equal(out.upstreamModel, 'gpt-4o-mini');
    assert.deepEqual(out.usage(), { promptTokens: 3, completionTokens: 2 });
    assert.deepEqual(
      out.attempts.map((a) => [a.provider, a.model, a.status]),
      [['prod', 'gpt-4o-mini', 200]],
    );
  });

  test('upstream 500 falls back to the second target, both attempts recorded', async () => {
    const bad = await upstream(status(500, 'boom'));
    const good = await upstream(okJson('from backup'));
    const t = table([
      chatEndpoint('bot', [
        to(httpProvider('a', bad.url), { m: 'a-model' }),
        to(httpProvider('b', good.url), { m: 'b-model' }),
      ]),
    ]);
    const out = await executeChat(call(t, 'bot', 'm'), { pools });
    assert.equal(out.provider.name, 'b');
    assert.equal(good.requests.at(-1)?.body.model, 'b-model');
    assert.equal(out.attempts.length, 2);
    assert.equal(out.attempts[0]?.status, 500);
    assert.match(out.attempts[0]?.error ?? '', /5xx: boom/);
    assert.equal(out.attempts[1]?.status, 200);
    assert.equal(out.attempts[1]?.error, undefined);
  });

  test('429 with Retry-After: 1 is honoured, then the same target is retried', async () => {
    let n = 0;
    const up = await upstream((req, res, rec) => {
      n++;
      if (n === 1) status(429, 'slow down', { 'retry-after': '1' })(req, res, rec);
      else okJson('after waiting')(req, res, rec);
    });
    const t = table([
      chatEndpoint('bot', [to(httpProvider('p', up.url), { m: 'x' })], { retries: { attempts: 1, backoffMs: 10 } }),
    ]);
    const t0 = performance.now();
    const out = await executeChat(call(t, 'bot', 'm'), { pools });
    assert.ok(performance.now() - t0 >= 950, 'waited about a second');
    assert.deepEqual(
      out.attempts.map((a) => a.status),
      [429, 200],
    );
  });

  test('connection refused moves to the next target', async () => {
    const dead = await closedPortUrl();
    const good = await upstream(okJson('alive'));
    const t = table([
      chatEndpoint('bot', [to(httpProvider('dead', dead), { m: 'x' }), to(httpProvider('good', good.url), { m: 'y' })]),
    ]);
    const out = await executeChat(call(t, 'bot', 'm'), { pools });
    assert.equal(out.provider.name, 'good');
    assert.match(out.attempts[0]?.error ?? '', /^connect: .*ECONNREFUSED/);
  });

  test('only refused targets: 502 GW_ERR_UPSTREAM_EXHAUSTED with every attempt', async () => {
    const dead = await closedPortUrl();
    const t = table([
      chatEndpoint('bot', [to(httpProvider('dead', dead), { m: 'x' })], { retries: { attempts: 1, backoffMs: 5 } }),
    ]);
    const err = await rejects(executeChat(call(t, 'bot', 'm'), { pools }));
    assert.equal(err.code, 'GW_ERR_UPSTREAM_EXHAUSTED');
    assert.equal(err.status, 502);
    assert.equal((err.details?.attempts as unknown[]).length, 2);
  });

  test('an upstream that hangs past the timeout: 504 GW_ERR_UPSTREAM_TIMEOUT', async () => {
    const up = await upstream(() => undefined); // never answers
    const t = table([chatEndpoint('bot', [to(httpProvider('slow', up.url), { m: 'x' })], { timeoutMs: 150 })]);
    const err = await rejects(executeChat(call(t, 'bot', 'm'), { pools }));
    assert.equal(err.code, 'GW_ERR_UPSTREAM_TIMEOUT');
    assert.equal(err.status, 504);
    assert.match(String((err.details?.attempts as { error: string }[])[0]?.error), /^timeout/);
  });

  test('a body trickling slower than the timeout fails as a timeout', async () => {
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":');
      const timer = setInterval(() => res.write(' '), 400);
      res.on('close', () => clearInterval(timer));
    });
    const t = table([chatEndpoint('bot', [to(httpProvider('trickle', up.url), { m: 'x' })], { timeoutMs: 150 })]);
    const err = await rejects(executeChat(call(t, 'bot', 'm'), { pools }));
    assert.equal(err.code, 'GW_ERR_UPSTREAM_TIMEOUT');
  });

  test('a 4xx outside fallbackOn goes to the caller with the upstream status, no fallback', async () => {
    const bad = await upstream(status(400, 'messages: field required'));
    const good = await upstream(okJson('never'));
    const t = table([
      chatEndpoint('bot', [to(httpProvider('a', bad.url), { m: 'x' }), to(httpProvider('b', good.url), { m: 'y' })]),
    ]);
    const before = good.requests.length;
    const err = await rejects(executeChat(call(t, 'bot', 'm'), { pools }));
    assert.equal(err.code, 'GW_ERR_UPSTREAM_EXHAUSTED');
    assert.equal(err.details?.upstreamStatus, 400);
    assert.equal(err.details?.upstreamMessage, 'messages: field required');
    assert.equal(good.requests.length, before);
  });

  test('an answer that is not the API is a failure that falls back', async () => {
    const bad = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>captive portal</html>');
    });
    const good = await upstream(okJson('real'));
    const t = table([
      chatEndpoint('bot', [to(httpProvider('a', bad.url), { m: 'x' }), to(httpProvider('b', good.url), { m: 'y' })]),
    ]);
    const out = await executeChat(call(t, 'bot', 'm'), { pools });
    assert.equal(out.provider.name, 'b');
    assert.match(out.attempts[0]?.error ?? '', /not JSON/);
  });

  test('the caller aborting while waiting aborts the upstream request', async () => {
    let closed!: () => void;
    const sawClose = new Promise<void>((r) => (closed = r));
    let arrived!: () => void;
    const sawRequest = new Promise<void>((r) => (arrived = r));
    const up = await upstream((req) => {
      req.socket.on('close', () => closed());
      arrived();
    });
    const t = table([chatEndpoint('bot', [to(httpProvider('p', up.url), { m: 'x' })])]);
    const ctrl = new AbortController();
    const p = executeChat(call(t, 'bot', 'm', { signal: ctrl.signal }), { pools });
    await sawRequest;
    ctrl.abort();
    const err = await rejects(p);
    assert.equal(err.details?.callerAborted, true);
    assert.match(String((err.details?.attempts as { error: string }[])[0]?.error), /aborted/);
    await sawClose;
  });
});

describe('routing policies', () => {
  test('loadbalance spreads calls by weight', async () => {
    const heavy = mockProvider('heavy');
    const light = mockProvider('light');
    const t = table([
      chatEndpoint('lb', [to(heavy, { m: 'h' }, 3), to(light, { m: 'l' }, 1)], { strategy: 'loadbalance' }),
    ]);
    const counts = { heavy: 0, light: 0 };
    const n = 1000;
    for (let i = 0; i < n; i++) {
      const out = await executeChat(call(t, 'lb', 'm'), { pools });
      counts[out.provider.name as 'heavy' | 'light']++;
    }
    const share = counts.heavy / n;
    assert.ok(share > 0.68 && share < 0.82, `heavy share ${share} should be about 0.75`);
  });

  test('loadbalance falls back to the other targets when the picked one fails', async () => {
    const t = table([
      chatEndpoint(
        'lb',
        [to(mockProvider('down', { failStatus: 503 }), { m: 'a' }, 100), to(mockProvider('up'), { m: 'b' }, 1)],
        { strategy: 'loadbalance' },
      ),
    ]);
    const out = await executeChat(call(t, 'lb', 'm'), { pools, random: () => 0 });
    assert.equal(out.provider.name, 'up');
    assert.deepEqual(
      out.attempts.map((a) => a.status),
      [503, 200],
    );
  });

  test('an endpoint-ref target maps its model and recurses into the referenced endpoint', async () => {
    const up = await upstream(okJson('via backup'));
    const backup = chatEndpoint('backup', [to(httpProvider('bk', up.url), { small: 'upstream-small' })]);
    const front = chatEndpoint('front', [
      to(mockProvider('primary', { failStatus: 500 }), { fast: 'p' }),
      toEndpoint('backup', { fast: 'small' }),
    ]);
    const t = table([front, backup]);
    const out = await executeChat(call(t, 'front', 'fast'), { pools });
    assert.equal(out.provider.name, 'bk');
    assert.equal(up.requests.at(-1)?.body.model, 'upstream-small');
    assert.deepEqual(
      out.attempts.map((a) => `${a.provider}/${a.model}/${a.status}`),
      ['primary/p/500', 'bk/upstream-small/200'],
    );
  });

  test('endpoint refs that form a cycle end with 502, never loop', async () => {
    const a = chatEndpoint('a', [to(mockProvider('fa', { failStatus: 500 }), { m: 'x' }), toEndpoint('b', { m: 'm' })]);
    const b = chatEndpoint('b', [toEndpoint('a', { m: 'm' })]);
    const err = await rejects(executeChat(call(table([a, b]), 'a', 'm'), { pools }));
    assert.equal(err.code, 'GW_ERR_UPSTREAM_EXHAUSTED');
    assert.ok((err.details?.attempts as { error: string }[]).some((x) => /cycle/.test(x.error)));
  });

  test('a mock whose latency exceeds the timeout fails as timeout and falls back', async () => {
    const t = table([
      chatEndpoint(
        'bot',
        [to(mockProvider('sleepy', { latencyMs: 5000 }), { m: 'x' }), to(mockProvider('quick'), { m: 'y' })],
        { timeoutMs: 50 },
      ),
    ]);
    const out = await executeChat(call(t, 'bot', 'm'), { pools });
    assert.equal(out.provider.name, 'quick');
    assert.match(out.attempts[0]?.error ?? '', /^timeout/);
  });
});

describe('executeEmbeddings', () => {
  let up: Upstream;
  before(async () => {
    up = await upstream((_req, res, rec) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          object: 'list',
          data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
          model: rec.body.model,
          usage: { prompt_tokens: 4, total_tokens: 4 },
        }),
      );
    });
  });

  test('posts to /embeddings with the mapped model and returns the list', async () => {
    const t = table([chatEndpoint('bot', [to(httpProvider('p', up.url), { emb: 'text-embedding-3-small' })])]);
    const out = await executeEmbeddings(
      { ...call(t, 'bot', 'emb'), body: { model: 'emb', input: 'hello' } },
      { pools },
    );
    assert.equal(up.requests.at(-1)?.url, '/v1/embeddings');
    assert.equal(up.requests.at(-1)?.body.model, 'text-embedding-3-small');
    assert.equal((out.json.data as unknown[]).length, 1);
    assert.deepEqual(out.usage(), { promptTokens: 4, completionTokens: 0 });
  });
});
