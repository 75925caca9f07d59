// The listener's own answers, checked at the HTTP level: body limits and malformed input,
// request ids, health, unknown routes, streams that break or lose their caller, the usage row
// every request leaves, and that an unexpected exception never takes the process down.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { buildConfig } from '../../src/config/build.js';
import { createGateway } from '../../src/serve/server.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { UsageLog } from '../../src/telemetry/usage-log.js';
import { PoolRegistry } from '../../src/upstream/pool.js';
import { KEYS, scriptedHandler, startGateway, startUpstream, type FakeUpstream, type TestGateway } from './helpers.js';

let up: FakeUpstream;
let gw: TestGateway;

before(async () => {
  up = await startUpstream(scriptedHandler());
  gw = await startGateway(up.url);
});
after(async () => {
  await gw.stop();
  await up.close();
});

const auth = { authorization: `Bearer ${KEYS.app}`, 'content-type': 'application/json' };
const post = (path: string, body: string, headers: Record<string, string> = auth): Promise<Response> =>
  fetch(`${gw.url}${path}`, { method: 'POST', headers, body });
const errorOf = async (r: Response): Promise<{ code: string; type: string; message: string }> =>
  ((await r.json()) as { error: { code: string; type: string; message: string } }).error;

/** Sends a body in chunks without Content-Length; resolves with the status (or the socket error). */
function chunkedPost(path: string, chunks: number, size: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(
      `${gw.url}${path}`,
      { method: 'POST', headers: { authorization: `Bearer ${KEYS.app}` } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    let i = 0;
    const pump = (): void => {
      while (i < chunks) {
        i++;
        if (!req.write('x'.repeat(size))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe('request bodies', () => {
  test('malformed JSON is a 400 GW_ERR_INVALID_JSON', async () => {
    const r = await post('/v1/chat/completions', '{"model": "fast", "messages": [');
    assert.equal(r.status, 400);
    const e = await errorOf(r);
    assert.equal(e.code, 'GW_ERR_INVALID_JSON');
    assert.equal(e.type, 'invalid_request_error');
  });

  test('a body over maxBodyBytes is a 413, declared or chunked', async () => {
    const big = JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'x'.repeat(5000) }] });
    const r = await post('/v1/chat/completions', big);
    assert.equal(r.status, 413);
    assert.equal((await errorOf(r)).code, 'GW_ERR_BODY_TOO_LARGE');
    // 4 KiB limit; 64 chunks of 1 KiB without a Content-Length: refused once it passes the limit.
    assert.equal(await chunkedPost('/v1/chat/completions', 64, 1024), 413);
    // The gateway still serves afterwards.
    const ok = await post(
      '/v1/chat/completions',
      JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'after' }] }),
    );
    assert.equal(ok.status, 200);
  });

  test('wrong field types are a 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ model: 42, messages: [{ role: 'user', content: 'x' }] }, 'model'],
      [{ messages: [{ role: 'user', content: 'x' }] }, 'model'],
      [{ model: 'fast', messages: [] }, 'messages'],
      [{ model: 'fast', messages: 'hi' }, 'messages'],
      [{ model: 'fast', messages: [{ content: 'x' }] }, 'role'],
      [{ model: 'fast', messages: [{ role: 'user', content: 5 }] }, 'content'],
      [{ model: 'fast', messages: [{ role: 'user', content: 'x' }], stream: 'yes' }, 'stream'],
      [{ model: 'fast', messages: [{ role: 'user', content: 'x' }], temperature: 'hot' }, 'temperature'],
      [[1, 2], 'object'],
    ];
    for (const [body, field] of cases) {
      const r = await post('/v1/chat/completions', JSON.stringify(body));
      assert.equal(r.status, 400, JSON.stringify(body));
      const e = await errorOf(r);
      assert.match(e.code, /^GW_ERR_(BAD_REQUEST|INVALID_JSON)$/);
      assert.ok(e.message.includes(field), `${e.message} should name ${field}`);
    }
    const emb = await post('/v1/embeddings', JSON.stringify({ model: 'fast', input: 7 }));
    assert.equal(emb.status, 400);
    assert.ok((await errorOf(emb)).message.includes('input'));
  });
});

describe('routes and request ids', () => {
  test('x-request-id on every response: a sane caller id is kept, others are replaced', async () => {
    const responses = await Promise.all([
      fetch(`${gw.url}/healthz`),
      fetch(`${gw.url}/nowhere`),
      fetch(`${gw.url}/v1/models`),
      post('/v1/chat/completions', '{'),
      post('/v1/chat/completions', JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'x' }] })),
      post(
        '/v1/chat/completions',
        JSON.stringify({ model: 'fast', stream: true, messages: [{ role: 'user', content: 'x' }] }),
      ),
    ]);
    for (const r of responses) {
      // Once each (a second copy would join the two with a comma), under both names.
      assert.match(r.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(r.headers.get('request-id'), r.headers.get('x-request-id'));
      await r.arrayBuffer();
    }
    assert.match(responses.at(-1)?.headers.get('content-type') ?? '', /^text\/event-stream/);
    const mine = await fetch(`${gw.url}/v1/models`, { headers: { ...auth, 'x-request-id': 'trace-abc.123' } });
    assert.equal(mine.headers.get('x-request-id'), 'trace-abc.123');
    const insane = await fetch(`${gw.url}/v1/models`, { headers: { ...auth, 'x-request-id': 'a b <script>' } });
    assert.match(insane.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  test('unknown paths are 404 and wrong methods 405, in the OpenAI envelope', async () => {
    const r = await fetch(`${gw.url}/v2/whatever`);
    assert.equal(r.status, 404);
    assert.equal((await errorOf(r)).code, 'GW_ERR_ROUTE_NOT_FOUND');
    const m = await fetch(`${gw.url}/v1/chat/completions`, { headers: auth });
    assert.equal(m.status, 405);
    assert.equal(m.headers.get('allow'), 'POST');
    assert.equal((await errorOf(m)).code, 'GW_ERR_METHOD_NOT_ALLOWED');
  });

  test('/healthz answers; /readyz is 503 until a table is loaded, then 200', async () => {
    assert.equal((await fetch(`${gw.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${gw.url}/readyz`)).status, 200);
    const first = await buildConfig({ configPath: `${gw.dir}/gateway.yaml` });
    assert.ok(first.ok);
    const logger = createLogger({ level: 'silent' });
    const empty = createGateway({
      settings: first.settings,
      usageLog: UsageLog.open(':memory:'),
      logger,
      pools: new PoolRegistry(),
      upstream: {
        executeChat: () => Promise.reject(new Error('unused')),
        executeEmbeddings: () => Promise.reject(new Error('unused')),
      },
    });
    const url = await empty.listen();
    try {
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      assert.equal((await fetch(`${url}/readyz`)).status, 503);
      const chat = await fetch(`${url}/v1/models`, { headers: auth });
      assert.equal(chat.status, 503);
      assert.equal((await errorOf(chat)).code, 'GW_ERR_NOT_READY');
      empty.swap(first.table);
      assert.equal((await fetch(`${url}/readyz`)).status, 200);
    } finally {
      await empty.close();
    }
  });
});

describe('streams', () => {
  test('a stream that breaks after the first chunk ends with an error event and no [DONE]', async () => {
    const r = await post(
      '/v1/chat/completions',
      JSON.stringify({ model: 'break', stream: true, messages: [{ role: 'user', content: 'x' }] }),
    );
    assert.equal(r.status, 200);
    const text = await r.text();
    assert.match(text, /partial/);
    assert.match(text, /"error":\{"message":"[^"]*","type":"upstream_error","code":"GW_ERR_UPSTREAM_EXHAUSTED"/);
    assert.doesNotMatch(text, /\[DONE\]/);
    gw.usageLog.flush();
    const row = gw.usageLog.recent({ limit: 50 }).find((x) => x.requestId === r.headers.get('x-request-id'));
    assert.equal(row?.status, 200, 'the status the caller got');
    assert.equal(row?.errorCode, 'GW_ERR_UPSTREAM_EXHAUSTED', 'the break is on record');
  });

  test('a caller that disconnects mid-stream aborts the upstream request', async () => {
    const seen = up.closed.length;
    const r = await post(
      '/v1/chat/completions',
      JSON.stringify({ model: 'hang', stream: true, messages: [{ role: 'user', content: 'x' }] }),
    );
    const reader = r.body?.getReader();
    assert.ok(reader);
    const first = await reader.read();
    assert.match(Buffer.from(first.value ?? []).toString(), /first/);
    const upstreamClosed = up.closed[seen];
    assert.ok(upstreamClosed, 'the upstream saw the request');
    await reader.cancel();
    // The upstream handler never ends its response: only the gateway's abort can close it.
    await upstreamClosed;
    while (gw.gateway.inFlight > 0) await new Promise((r) => setImmediate(r));
    gw.usageLog.flush();
    const row = gw.usageLog.recent({ limit: 50 }).find((x) => x.requestId === r.headers.get('x-request-id'));
    assert.equal(row?.status, 499, 'logged as closed by the client');
  });
});

describe('usage rows and access lines', () => {
  test('every request leaves one row, failed ones included, and one access line', async () => {
    const id = `usage-${Date.now()}`;
    const ok = await post(
      '/v1/chat/completions',
      JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'count me' }] }),
      { ...auth, 'x-request-id': id },
    );
    assert.equal(ok.status, 200);
    const denied = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-request-id': `${id}-401` },
      body: '{}',
    });
    assert.equal(denied.status, 401);
    gw.usageLog.flush();
    const rows = gw.usageLog.recent({ limit: 50 });
    const row = rows.find((x) => x.requestId === id);
    assert.ok(row);
    assert.equal(row.status, 200);
    assert.equal(row.keyName, 'app');
    assert.equal(row.endpoint, 'support');
    assert.equal(row.model, 'fast');
    assert.equal(row.provider, 'up');
    assert.equal(row.upstreamModel, 'up-fast');
    assert.equal(row.attempts, 1);
    assert.equal(row.tokensIn, 11);
    assert.equal(row.tokensOut, 7);
    // up-fast costs 1 USD per 1k input tokens and 2 per 1k output tokens.
    assert.equal(row.costUsd, (11 * 1 + 7 * 2) / 1000);
    assert.ok(row.latencyMs > 0 && row.ttfbMs !== null && row.ttfbMs <= row.latencyMs);
    const failed = rows.find((x) => x.requestId === `${id}-401`);
    assert.ok(failed);
    assert.equal(failed.status, 401);
    assert.equal(failed.errorCode, 'GW_ERR_AUTH_MISSING_KEY');
    const line = gw.logLines.find((l) => l['reqId'] === id);
    assert.ok(line);
    assert.equal(line['msg'], 'request');
    assert.equal(line['key'], 'app');
    assert.equal(line['status'], 200);
    assert.equal(line['upstreamModel'], 'up-fast');
    assert.ok(!JSON.stringify(gw.logLines).includes(KEYS.app), 'the caller key never reaches the log');
  });
});

describe('resilience', () => {
  test('an unexpected exception is a 500 GW_ERR_INTERNAL, and the server keeps serving', async () => {
    const first = await buildConfig({ configPath: `${gw.dir}/gateway.yaml` });
    assert.ok(first.ok);
    const lines: string[] = [];
    const broken = createGateway({
      settings: first.settings,
      table: first.table,
      usageLog: UsageLog.open(':memory:'),
      logger: createLogger({ level: 'error', destination: { write: (s: string) => void lines.push(s) } }),
      pools: new PoolRegistry(),
      upstream: {
        executeChat: () => Promise.reject(new TypeError('boom: a bug')),
        executeEmbeddings: () => Promise.reject(new TypeError('boom')),
      },
    });
    const url = await broken.listen();
    try {
      const body = JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'x' }] });
      const r = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: auth, body });
      assert.equal(r.status, 500);
      assert.equal((await errorOf(r)).code, 'GW_ERR_INTERNAL');
      assert.ok(
        lines.some((l) => l.includes('boom: a bug')),
        'the stack is logged',
      );
      assert.equal((await fetch(`${url}/v1/models`, { headers: auth })).status, 200);
    } finally {
      await broken.close();
    }
  });

  test('close() lets an in-flight request finish, then refuses new connections', async () => {
    const local = await startGateway(up.url);
    const body = JSON.stringify({ model: 'slow', messages: [{ role: 'user', content: 'drain me' }] });
    const inflight = fetch(`${local.url}/v1/chat/completions`, { method: 'POST', headers: auth, body });
    while (local.gateway.inFlight === 0) await new Promise((r) => setImmediate(r));
    const closing = local.stop();
    const r = await inflight;
    assert.equal(r.status, 200);
    assert.match(await r.text(), /drain me/);
    await closing;
    await assert.rejects(fetch(`${local.url}/healthz`));
  });
});
