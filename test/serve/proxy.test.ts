// The transparent proxy through a real gateway on 127.0.0.1, against real HTTP and HTTPS
// upstreams (a CA and certificates made by openssl for the run): methods, query, header auth
// inherited and replaced, custom headers merged, the gateway key never forwarded, binary and
// streamed bodies both ways, SSE, Expect: 100-continue, path escapes (400, upstream untouched),
// 401/403/404/429/502/504, mutual TLS, and the usage rows.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RateLimiter } from '../../src/policy/rate-limits.js';
import { PROXY_METHODS } from '../../src/serve/routes.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import type { StoredUsageRow } from '../../src/telemetry/usage-row.js';
import { KEYS, startGateway, type TestGateway } from './helpers.js';
import {
  makePki,
  rawRequest,
  startProxyUpstream,
  yamlBlock,
  type ProxyUpstream,
  type Seen,
  type TestPki,
} from './proxy-helpers.js';

const BASIC = 'dXNlcjpwYXNz'; // user:pass
const SPEECH_KEY = 'speech-secret-value';

/** Tries of /base/flaky per ?id=. */
const flakyTries = new Map<string, number>();
let sseRelease: () => void = () => undefined;
let sseGate: Promise<void> = Promise.resolve();

function handler(s: Seen, res: import('node:http').ServerResponse): void {
  const path = s.url.split('?')[0] ?? '';
  if (path.startsWith('/base/echo') || path === '/base' || path === '/base/') {
    res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes' });
    res.end(JSON.stringify({ method: s.method, url: s.url, length: s.body.length }));
  } else if (path === '/base/bin') {
    res.writeHead(200, {
      'content-type': s.headers['content-type'] ?? 'application/octet-stream',
      'set-cookie': ['a=1', 'b=2'],
    });
    res.end(s.body);
  } else if (path === '/base/big') {
    const total = Number(new URL(s.url, 'http://x').searchParams.get('n'));
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(64 * 1024, 7);
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  } else if (path === '/base/sse') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write('event: partial\ndata: {"n":1}\n\n');
    // The rest only once the caller saw the first event: proves nothing waits for the whole body.
    void sseGate.then(() => {
      res.write('data: {"n":2}\n\n');
      res.end('data: [DONE]\n\n');
    });
  } else if (path === '/base/flaky') {
    // 503 for the first `fail` tries of each id, then 200: counts what reached the upstream.
    const q = new URL(s.url, 'http://x').searchParams;
    const id = q.get('id') ?? '';
    const n = (flakyTries.get(id) ?? 0) + 1;
    flakyTries.set(id, n);
    res.writeHead(n <= Number(q.get('fail')) ? 503 : 200, { 'content-type': 'text/plain' });
    res.end(`try ${n}`);
  } else if (path === '/base/slow') {
    // never answers: only the endpoint's timeout ends it
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('no such upstream path');
  }
}

let up: ProxyUpstream;
let secure: ProxyUpstream;
let gw: TestGateway;
let pki: TestPki;
let deadPort: number;
/** An upstream that sees bodies as they arrive: /base/upload notes the first bytes and the abort, /base/break cuts its answer. */
let live: import('node:http').Server;
let livePort: number;
let uploadStarted: () => void = () => undefined;
let uploadAborted: () => void = () => undefined;

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((done) => s.listen(0, '127.0.0.1', done));
  const { port } = s.address() as AddressInfo;
  await new Promise((done) => s.close(done));
  return port;
}

function extra(): string {
  const proxy = (name: string, more = ''): string =>
    `---\napiVersion: gw/v1\nkind: Endpoint\nmetadata: { name: ${name} }\nspec:\n  type: proxy\n  provider: svc\n${more}`;
  return `---
apiVersion: gw/v1
kind: Provider
metadata: { name: svc }
spec:
  type: http
  baseUrl: ${up.url}/base
  auth: { header: { name: authorization, value: "Basic \${env:GW_TEST_BASIC:-${BASIC}}" } }
  headers: { x-team: provider, x-provider-only: p }
  timeout: 5s
${proxy('api', '  headers: { x-team: endpoint, x-endpoint-only: e }\n')}${proxy(
    'speech',
    `  auth: { header: { name: x-api-key, value: "\${env:GW_TEST_SPEECH:-${SPEECH_KEY}}" } }\n`,
  )}${proxy('slow', '  timeout: 300ms\n')}${proxy('admins', '  allowedRoles: [admin]\n')}${proxy(
    'metered',
    '  limits: { rpm: 2 }\n',
  )}${proxy('shut', '  enabled: false\n')}${proxy('retrying', '  retries: { attempts: 2, backoff: 1ms }\n')}${proxy(
    'retrying-post',
    '  retries: { attempts: 1, backoff: 1ms, methods: [POST] }\n',
  )}${proxy('live', `  baseUrl: http://127.0.0.1:${livePort}/base\n`)}${proxy('dead', `  baseUrl: http://127.0.0.1:${deadPort}/x\n`)}---
apiVersion: gw/v1
kind: Provider
metadata: { name: secure }
spec:
  type: http
  baseUrl: ${secure.url}/base
  auth: { none: true }
  tls:
    ca: ${yamlBlock(pki.ca, 6)}
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: tls-api }
spec: { type: proxy, provider: secure }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: mtls }
spec:
  type: proxy
  provider: secure
  tls:
    ca: ${yamlBlock(pki.ca, 6)}
    cert: ${yamlBlock(pki.clientCert, 6)}
    key: ${yamlBlock(pki.clientKey, 6)}
---
apiVersion: gw/v1
kind: Provider
metadata: { name: untrusted }
spec: { type: http, baseUrl: "${secure.url}/base", auth: { none: true } }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: no-ca }
spec: { type: proxy, provider: untrusted }
`;
}

before(async () => {
  pki = makePki();
  up = await startProxyUpstream(handler);
  secure = await startProxyUpstream(handler, { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca });
  deadPort = await closedPort();
  live = createServer((req, res) => {
    if (req.url?.startsWith('/base/upload')) {
      req.once('data', () => uploadStarted());
      req.on('close', () => {
        if (!req.complete) uploadAborted();
      });
      req.resume();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.write(Buffer.alloc(1000, 1));
    setImmediate(() => req.socket.destroy());
  });
  await new Promise<void>((done) => live.listen(0, '127.0.0.1', done));
  livePort = (live.address() as AddressInfo).port;
  const now = 1_700_000_000_000;
  gw = await startGateway(up.url, { extraManifests: extra(), rateLimits: new RateLimiter({ now: () => now }) });
});
after(async () => {
  await gw.stop();
  await up.close();
  await secure.close();
  live.closeAllConnections();
  await new Promise((done) => live.close(done));
});

const auth = { authorization: `Bearer ${KEYS.app}` };

async function rowOf(id: string): Promise<StoredUsageRow> {
  for (let i = 0; i < 200; i++) {
    gw.usageLog.flush();
    const row = gw.usageLog.recent({ limit: 100 }).find((r) => r.requestId === id);
    if (row !== undefined) return row;
    await new Promise((done) => setTimeout(done, 10));
  }
  throw new Error(`no usage row for ${id}`);
}

async function code(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

test('every method reaches baseUrl + path with the query as sent; the answer comes back as it was', async () => {
  for (const method of PROXY_METHODS) {
    const before = up.seen.length;
    const res = await fetch(`${gw.url}/proxy/svc/api/echo/items/42?a=1&b=two%20words&a=3`, {
      method,
      headers: auth,
      body: method === 'GET' || method === 'HEAD' ? undefined : `body of ${method}`,
    });
    assert.equal(res.status, 200, method);
    assert.equal(res.headers.get('x-upstream'), 'yes');
    const seen = up.seen[before];
    assert.ok(seen, method);
    assert.equal(seen.method, method);
    assert.equal(seen.url, '/base/echo/items/42?a=1&b=two%20words&a=3');
    if (method === 'HEAD') assert.equal(await res.text(), '');
    else assert.equal(((await res.json()) as { method: string }).method, method);
    if (method !== 'GET' && method !== 'HEAD') assert.equal(seen.body.toString(), `body of ${method}`);
  }
  // The base URL itself, with and without a trailing slash; and the seed's /proxy-api/ spelling.
  await fetch(`${gw.url}/proxy/svc/api`, { headers: auth });
  assert.equal(up.seen.at(-1)?.url, '/base');
  await fetch(`${gw.url}/proxy/svc/api/?x=1`, { headers: auth });
  assert.equal(up.seen.at(-1)?.url, '/base?x=1');
  const res = await fetch(`${gw.url}/proxy-api/svc/api/echo/v2`, { headers: auth });
  assert.equal(res.status, 200);
  assert.equal(up.seen.at(-1)?.url, '/base/echo/v2');
});

test('headers: provider auth inherited, custom headers merged (endpoint wins), gateway key, hop-by-hop and Expect dropped, x-request-id and Host set', async () => {
  const res = await rawRequest(gw.url, '/proxy/svc/api/echo', {
    headers: {
      authorization: `Bearer ${KEYS.app}`,
      'x-custom': 'kept',
      connection: 'keep-alive, x-hop',
      'x-hop': 'dropped',
      'keep-alive': 'timeout=5',
      te: 'trailers',
      'proxy-authorization': 'Basic c2VjcmV0',
      'x-request-id': 'caller-id-1',
      'x-team': 'caller',
    },
  });
  assert.equal(res.status, 200);
  const h = up.seen.at(-1)?.headers ?? {};
  assert.equal(h['authorization'], `Basic ${BASIC}`);
  assert.equal(h['x-team'], 'endpoint');
  assert.equal(h['x-provider-only'], 'p');
  assert.equal(h['x-endpoint-only'], 'e');
  assert.equal(h['x-custom'], 'kept');
  assert.equal(h['x-request-id'], 'caller-id-1');
  assert.equal(res.headers['x-request-id'], 'caller-id-1');
  assert.equal(h['host'], new URL(up.url).host);
  for (const gone of ['x-hop', 'keep-alive', 'te', 'proxy-authorization', 'expect'])
    assert.equal(h[gone], undefined, gone);
  assert.ok(!JSON.stringify(h).includes(KEYS.app), 'the gateway key never reaches the upstream');

  // x-api-key as the gateway key, and an endpoint whose own auth replaces the provider's.
  const speech = await rawRequest(gw.url, '/proxy/svc/speech/echo', { headers: { 'x-api-key': KEYS.app } });
  assert.equal(speech.status, 200);
  const s = up.seen.at(-1)?.headers ?? {};
  assert.equal(s['x-api-key'], SPEECH_KEY);
  assert.equal(s['authorization'], undefined, "the provider's auth is replaced, not added");
  assert.equal(s['x-team'], 'provider', 'custom headers still come from the provider');
  assert.ok(!JSON.stringify(s).includes(KEYS.app));
});

test('binary bodies both ways, byte for byte, with Content-Length and chunked uploads; multi-valued answer headers', async () => {
  const audio = randomBytes(3 * 1024 * 1024 + 17);
  const res = await fetch(`${gw.url}/proxy/svc/speech/bin`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'audio/wav' },
    body: audio,
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'audio/wav');
  assert.deepEqual(res.headers.getSetCookie(), ['a=1', 'b=2']);
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(audio));
  assert.equal(up.seen.at(-1)?.headers['content-length'], String(audio.length));
  const row = await rowOf(res.headers.get('x-request-id') ?? '');
  assert.equal(row.bytesIn, audio.length);
  assert.equal(row.bytesOut, audio.length);

  // Chunked upload (no Content-Length), written in pieces.
  const parts = [randomBytes(70_000), randomBytes(1), randomBytes(200_000)];
  const echoed = await new Promise<Buffer>((resolve, reject) => {
    const u = new URL(gw.url);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method: 'PUT',
        path: '/proxy/svc/api/bin',
        headers: { ...auth, 'content-type': 'image/png' },
      },
      (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => resolve(Buffer.concat(chunks)));
      },
    );
    req.on('error', reject);
    for (const p of parts) req.write(p);
    req.end();
  });
  assert.ok(echoed.equals(Buffer.concat(parts)));
  assert.equal(up.seen.at(-1)?.headers['transfer-encoding'], 'chunked');
});

test('a streamed download passes through whole (8 MB in 64 KB pieces)', async () => {
  const n = 8 * 1024 * 1024 + 3;
  const res = await fetch(`${gw.url}/proxy/svc/api/big?n=${n}`, { headers: auth });
  assert.equal(res.status, 200);
  let total = 0;
  for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) total += c.byteLength;
  assert.equal(total, n);
});

test('SSE passes through event by event: the first event arrives before the upstream sends the rest', async () => {
  sseGate = new Promise((done) => (sseRelease = done));
  const res = await fetch(`${gw.url}/proxy/svc/api/sse`, { headers: { ...auth, accept: 'text/event-stream' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const dec = new TextDecoder();
  let text = '';
  while (!text.includes('\n\n')) {
    const { value, done } = await reader.read();
    assert.ok(!done, 'the stream ended before its first event');
    text += dec.decode(value, { stream: true });
  }
  assert.equal(text, 'event: partial\ndata: {"n":1}\n\n');
  sseRelease();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += dec.decode(value, { stream: true });
  }
  assert.equal(text, 'event: partial\ndata: {"n":1}\n\ndata: {"n":2}\n\ndata: [DONE]\n\n');
});

test('Expect: 100-continue: the caller gets 100 Continue, then its body goes upstream', async () => {
  const body = randomBytes(50_000);
  const out = await new Promise<{ status: number; continued: boolean; body: Buffer }>((resolve, reject) => {
    const u = new URL(gw.url);
    let continued = false;
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method: 'POST',
        path: '/proxy/svc/api/bin',
        headers: { ...auth, expect: '100-continue', 'content-length': String(body.length) },
      },
      (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, continued, body: Buffer.concat(chunks) }));
      },
    );
    req.on('continue', () => {
      continued = true;
      req.end(body);
    });
    req.on('error', reject);
  });
  assert.equal(out.status, 200);
  assert.ok(out.continued);
  assert.ok(out.body.equals(body));
});

test('Expect: 100-continue with a wrong key: 401 at once, no 100 Continue, the body never invited', async () => {
  const out = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
    const u = new URL(gw.url);
    let continued = false;
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method: 'POST',
        path: '/proxy/svc/api/bin',
        headers: { authorization: 'Bearer not-a-key', expect: '100-continue', 'content-length': '50000' },
      },
      (r) => {
        r.resume();
        r.on('end', () => resolve({ status: r.statusCode ?? 0, continued }));
      },
    );
    req.on('continue', () => (continued = true));
    req.on('error', reject);
    req.flushHeaders();
  });
  assert.equal(out.status, 401);
  assert.equal(out.continued, false, 'no 100 Continue before the key was checked');
});

test('each path escape is refused with 400 and the upstream never sees it', async () => {
  const escapes = [
    '../secret',
    '..',
    'a/../../secret',
    './x',
    '%2e%2e/secret',
    '%2E%2e/secret',
    '.%2e/secret',
    '%2e./secret',
    'a/%2e%2e/%2e%2e/secret',
    '..%2fsecret',
    'a%2fb',
    'a%2F..%2Fb',
    '%252e%252e/secret',
    '%25252e%25252e/secret',
    'a%252fb',
    'a%5cb',
    'a\\..\\secret',
    '..\\secret',
    '/evil.example/x',
    '//user@evil.example/x',
    'a//b',
    'a%00b',
    'a%0d%0aX-Injected:%201',
    '%zz',
    'a%2',
  ];
  const before = up.seen.length;
  for (const e of escapes) {
    const res = await rawRequest(gw.url, `/proxy/svc/api/${e}`, { headers: auth });
    assert.equal(res.status, 400, e);
    assert.equal((JSON.parse(res.body.toString()) as { error: { code: string } }).error.code, 'GW_ERR_PROXY_PATH', e);
  }
  // Absolute-form and asterisk-form request targets never name a route.
  for (const target of [`http://127.0.0.1:${new URL(up.url).port}/proxy/svc/api/echo`, '*']) {
    const res = await rawRequest(gw.url, target, { headers: auth, method: target === '*' ? 'OPTIONS' : 'GET' });
    assert.equal(res.status, 400, target);
    assert.equal(
      (JSON.parse(res.body.toString()) as { error: { code: string } }).error.code,
      'GW_ERR_BAD_REQUEST_TARGET',
    );
  }
  assert.equal(up.seen.length, before, 'the upstream saw none of them');

  // What stays below the base path goes through: '@' inside a segment, encoded spaces, a literal '%' (%25).
  const ok = await rawRequest(gw.url, '/proxy/svc/api/echo/@me/a%20b/100%25', { headers: auth });
  assert.equal(ok.status, 200);
  assert.equal(up.seen.at(-1)?.url, '/base/echo/@me/a%20b/100%25');
});

test('401 without a key, 403 for scope, role and allow list, 404 for unknown, misplaced and disabled endpoints', async () => {
  const before = up.seen.length;
  const get = (path: string, key?: string): Promise<Response> =>
    fetch(`${gw.url}${path}`, { headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });
  let res = await get('/proxy/svc/api/echo');
  assert.equal(res.status, 401);
  res = await get('/proxy/svc/api/echo', KEYS.noscope);
  assert.equal([res.status, await code(res)].join(' '), '403 GW_ERR_AUTH_SCOPE');
  res = await get('/proxy/svc/admins/echo', KEYS.app);
  assert.equal([res.status, await code(res)].join(' '), '403 GW_ERR_AUTH_ROLE');
  res = await get('/proxy/svc/api/echo', KEYS.limited);
  assert.equal([res.status, await code(res)].join(' '), '403 GW_ERR_AUTH_ENDPOINT');
  for (const path of [
    '/proxy/svc/nope/echo',
    '/proxy/up/api/echo', // an existing provider, not this endpoint's
    '/proxy/svc/shut/echo',
    '/proxy/svc/support/echo', // a chat endpoint
    '/proxy/up2/elsewhere/x', // another workspace's names
  ]) {
    res = await get(path, KEYS.app);
    assert.equal(res.status, 404, path);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'GW_ERR_PROXY_NOT_FOUND');
    assert.match(body.error.message, /svc\/api/);
  }
  assert.equal(up.seen.length, before);
});

test('rpm on a proxy endpoint: 429 with Retry-After once spent, the upstream not called', async () => {
  for (let i = 0; i < 2; i++) {
    const ok = await fetch(`${gw.url}/proxy/svc/metered/echo`, { headers: auth });
    assert.equal(ok.status, 200);
    assert.ok(
      ok.headers.get('x-ratelimit-limit-requests') !== null || ok.headers.has('x-ratelimit-remaining-requests'),
    );
    await ok.arrayBuffer();
  }
  const before = up.seen.length;
  const res = await fetch(`${gw.url}/proxy/svc/metered/echo`, { headers: auth });
  assert.equal(res.status, 429);
  assert.equal(await code(res), 'GW_ERR_RATE_LIMITED');
  assert.ok(Number(res.headers.get('retry-after')) > 0);
  assert.equal(up.seen.length, before);
});

test('retries: off by default; GET tried again on 503 when the endpoint allows it; POST only when opted in and without a body', async () => {
  let lastId = '';
  const call = async (ep: string, id: string, fail: number, init: RequestInit = {}): Promise<[number, number]> => {
    const res = await fetch(`${gw.url}/proxy/svc/${ep}/flaky?id=${id}&fail=${fail}`, { ...init, headers: auth });
    await res.arrayBuffer();
    lastId = res.headers.get('x-request-id') ?? '';
    return [res.status, flakyTries.get(id) ?? 0];
  };
  assert.deepEqual(await call('api', 'r1', 1), [503, 1], 'no retries unless configured');
  assert.deepEqual(await call('retrying', 'r2', 2), [200, 3], 'two extra tries, the third answers');
  const row = await rowOf(lastId);
  assert.deepEqual(
    row.attemptLog.map((a) => a.status),
    [503, 503, 200],
    'each try is an attempt of the usage row',
  );
  assert.deepEqual(await call('retrying', 'r3', 5), [503, 3], 'attempts bound the tries; the last answer passes');
  assert.deepEqual(await call('retrying', 'r4', 1, { method: 'POST' }), [503, 1], 'POST is not idempotent: once');
  assert.deepEqual(await call('retrying-post', 'r5', 1, { method: 'POST' }), [200, 2], 'POST opted in, no body');
  assert.deepEqual(
    await call('retrying-post', 'r6', 1, { method: 'POST', body: 'payload' }),
    [503, 1],
    'a body streams through once: never sent twice',
  );
});

test('504 when the upstream stalls past the endpoint timeout, 502 when it cannot be reached; plain JSON envelope', async () => {
  const slow = await fetch(`${gw.url}/proxy/svc/slow/slow`, { headers: auth });
  assert.equal(slow.status, 504);
  const body = (await slow.json()) as { error: { code: string; message: string; type: string } };
  assert.equal(body.error.code, 'GW_ERR_UPSTREAM_TIMEOUT');
  assert.match(body.error.message, /300 ms/);
  const row = await rowOf(slow.headers.get('x-request-id') ?? '');
  assert.equal(row.status, 504);
  assert.equal(row.endpoint, 'slow');

  const dead = await fetch(`${gw.url}/proxy/svc/dead/x`, { headers: auth });
  assert.equal(dead.status, 502);
  assert.equal(await code(dead), 'GW_ERR_UPSTREAM_EXHAUSTED');
});

test('HTTPS with a custom CA, a client certificate for mutual TLS, and no CA → 502 (the check stays on)', async () => {
  let res = await fetch(`${gw.url}/proxy/secure/tls-api/echo?q=1`, { headers: auth });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { url: string }).url, '/base/echo?q=1');
  assert.equal(secure.seen.at(-1)?.clientCn, undefined);

  res = await fetch(`${gw.url}/proxy/secure/mtls/echo`, { headers: auth });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  assert.equal(secure.seen.at(-1)?.clientCn, 'gw-client');

  const before = secure.seen.length;
  res = await fetch(`${gw.url}/proxy/untrusted/no-ca/echo`, { headers: auth });
  assert.equal(res.status, 502);
  assert.match(((await res.json()) as { error: { message: string } }).error.message, /certificate/i);
  assert.equal(secure.seen.length, before);
});

test('usage rows: method, path without the query, bytes each way, status, endpoint, provider, route', async () => {
  const res = await fetch(`${gw.url}/proxy/svc/api/echo/rows?token=hidden-value`, {
    method: 'PATCH',
    headers: auth,
    body: 'twelve bytes',
  });
  const text = await res.text();
  const row = await rowOf(res.headers.get('x-request-id') ?? '');
  assert.equal(row.method, 'PATCH');
  assert.equal(row.path, '/echo/rows');
  assert.equal(row.bytesIn, 12);
  assert.equal(row.bytesOut, Buffer.byteLength(text));
  assert.equal(row.status, 200);
  assert.equal(row.endpoint, 'api');
  assert.equal(row.provider, 'svc');
  assert.equal(row.route, 'proxy');
  assert.equal(row.keyName, 'app');
  assert.equal(row.tokensIn, 0);
  assert.ok(row.ttfbMs !== null && row.ttfbMs <= row.latencyMs);
  assert.ok(!JSON.stringify(row).includes('hidden-value'), 'no query value in the row');
  const line = gw.logLines.find((l) => l['reqId'] === row.requestId && l['msg'] === 'request');
  assert.equal(line?.['method'], 'PATCH');
  assert.equal(line?.['path'], '/echo/rows');
  assert.equal(line?.['bytesIn'], 12);
  assert.ok(!gw.logLines.some((l) => JSON.stringify(l).includes('hidden-value')), 'no query value in the log');

  const denied = await fetch(`${gw.url}/proxy/svc/admins/x`, { headers: auth });
  const drow = await rowOf(denied.headers.get('x-request-id') ?? '');
  assert.equal(drow.status, 403);
  assert.equal(drow.errorCode, 'GW_ERR_AUTH_ROLE');
});

test('a caller that leaves mid-upload aborts the upstream request (row 499); a break mid-answer cuts the answer; gw keeps serving', async () => {
  const started = new Promise<void>((done) => (uploadStarted = done));
  const aborted = new Promise<void>((done) => (uploadAborted = done));
  const u = new URL(gw.url);
  const req = request({
    host: u.hostname,
    port: u.port,
    method: 'POST',
    path: '/proxy/svc/live/upload',
    headers: { ...auth, 'content-length': String(10 * 1024 * 1024), 'x-request-id': 'proxy-abort-1' },
  });
  req.on('error', () => undefined);
  req.write(randomBytes(256 * 1024));
  await started;
  req.destroy();
  await aborted;
  const row = await rowOf('proxy-abort-1');
  assert.equal(row.status, 499);
  assert.equal(row.endpoint, 'live');

  const res = await fetch(`${gw.url}/proxy/svc/live/break`, { headers: auth });
  assert.equal(res.status, 200);
  await assert.rejects(res.arrayBuffer());
  const broken = await rowOf(res.headers.get('x-request-id') ?? '');
  assert.equal(broken.errorCode, 'GW_ERR_UPSTREAM_EXHAUSTED');

  const ok = await fetch(`${gw.url}/proxy/svc/api/echo`, { headers: auth });
  assert.equal(ok.status, 200);
});

test('/metrics: a proxied row counts as route="proxy" with its body bytes each way', async () => {
  const res = await fetch(`${gw.url}/proxy/svc/api/bin`, { method: 'POST', headers: auth, body: 'x'.repeat(100) });
  await res.arrayBuffer();
  const row = await rowOf(res.headers.get('x-request-id') ?? '');
  const m = createMetrics({ processMetrics: false });
  m.observe({ ...row, attempts: row.attemptLog });
  const text = await m.text();
  assert.match(text, /gw_requests_total\{route="proxy",endpoint="api",status="200"\} 1/);
  assert.match(text, /gw_proxy_bytes_total\{endpoint="api",direction="in"\} 100/);
  assert.match(text, /gw_proxy_bytes_total\{endpoint="api",direction="out"\} 100/);
});
