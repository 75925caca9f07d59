// Hostile callers of the admin listener and of the MCP bridge on the proxy listener: nothing they
// send ends the process (no error reaches 'uncaughtException' / 'unhandledRejection'), and what
// they send is bounded before it costs the event loop or memory. Real parts: the admin runtime
// with a temp SQLite file, an in-process gateway with a fake upstream, raw sockets.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createAdminRuntime } from '../../src/admin/runtime.js';
import type { RoutingTable } from '../../src/compile/routing-table.js';
import { buildFromManifests } from '../../src/config/from-manifests.js';
import { RevisionStore } from '../../src/state/revisions.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { UsageLog } from '../../src/telemetry/usage-log.js';
import { escapedDuring, turns } from '../helpers/escaped.js';
import { sha } from '../helpers/gw.js';
import {
  echoHandler,
  KEYS,
  startGateway,
  startUpstream,
  type FakeUpstream,
  type TestGateway,
} from '../serve/helpers.js';
import { ADMIN_KEY, raw } from './helpers.js';

const JSON_TYPE = { 'content-type': 'application/json' };

// ---------------------------------------------------------------------------------------------
// The admin listener

interface Admin {
  readonly url: string;
  readonly port: number;
  /** The JSON log lines written so far. */
  readonly logs: Record<string, unknown>[];
  /** While set, every build waits for it (an apply held in progress). */
  gate: Promise<void> | undefined;
  close(): Promise<void>;
}

async function startAdmin(key?: string): Promise<Admin> {
  const dir = await mkdtemp(join(tmpdir(), 'gw-hostile-admin-'));
  const db = join(dir, 'gw.db');
  const usageLog = UsageLog.open(db, { flushIntervalMs: 20 });
  const store = RevisionStore.open(db);
  const logs: Record<string, unknown>[] = [];
  let table: RoutingTable | undefined;
  const runtime = createAdminRuntime({
    settings: { admin: { host: '127.0.0.1', port: 0, key } },
    store,
    usageLog,
    metrics: createMetrics({ processMetrics: false }),
    logger: createLogger({
      level: 'info',
      destination: { write: (s: string) => void logs.push(JSON.parse(s) as Record<string, unknown>) },
    }),
    swap: (t) => (table = t),
    table: () => table,
    build: async (m, label) => {
      await admin.gate;
      return buildFromManifests(m, { gateway: undefined, configPath: undefined }, { label });
    },
  });
  const url = await runtime.listen();
  const admin: Admin = {
    url,
    port: Number(new URL(url).port),
    logs,
    gate: undefined,
    async close(): Promise<void> {
      await runtime.close();
      usageLog.close();
      store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return admin;
}

const manifests = (model: string): unknown[] => [
  { apiVersion: 'gw/v1', kind: 'Provider', metadata: { name: 'mock' }, spec: { type: 'mock' } },
  {
    apiVersion: 'gw/v1',
    kind: 'Endpoint',
    metadata: { name: 'bot' },
    spec: { type: 'chat', routing: { targets: [{ provider: 'mock', models: { fast: model } }] } },
  },
];

/** Writes `text` on a fresh socket and gives back all the bytes the server answers. */
function rawSocket(port: number, text: string): Promise<string> {
  return new Promise((done, fail) => {
    const s = connect(port, '127.0.0.1', () => s.write(text));
    let out = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => (out += c));
    s.on('close', () => done(out));
    s.on('error', fail);
  });
}

const statusOf = (answer: string): number => Number(answer.split(' ')[1]);

// /ui/session and /ui/session/end are open without the key: their bodies are read before anyone
// is known, so they get a small cap (a sign-in body is a key of at most 4096 characters), not the
// 32 MiB of an apply, which took the event loop seconds to parse.
test('an unauthenticated sign-in body far larger than any key is refused (413) before it is parsed', async () => {
  const gw = await startAdmin(ADMIN_KEY);
  try {
    // 3 MB of small objects: JSON.parse takes ~0.2 s here; 32 MiB of them takes seconds.
    const body = JSON.stringify({ key: 'not-the-key', pad: Array.from({ length: 1_000_000 }, () => ({})) });
    for (const path of ['/ui/session', '/ui/session/end']) {
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const r = await raw(gw.url, path, { method: 'POST', headers: JSON_TYPE, body });
      delay.disable();
      const stalledMs = Math.round(delay.max / 1e6);
      assert.equal(
        r.status,
        413,
        `${path}: a ${body.length}-byte body without the admin key was read and parsed (answer ${r.status}, event loop stalled ${stalledMs} ms)`,
      );
    }
  } finally {
    await gw.close();
  }
});

// An absolute-form request target (some of which `new URL` cannot even parse) is a 400 before
// the key check, as on the proxy listener: not a 500 with an error-level log line, which any
// caller without the key could have caused as often as it liked.
test('an unparseable absolute-form request target without the key gets 400 and no error log', async () => {
  const gw = await startAdmin(ADMIN_KEY);
  try {
    for (const target of ['http://[::1/x', 'http://x:99999/admin/v1/config']) {
      const answer = await rawSocket(
        gw.port,
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${gw.port}\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(statusOf(answer), 400, `${target}: ${answer.split('\r\n')[0]}`);
    }
    const errors = gw.logs.filter((l) => l['level'] === 50);
    assert.deepEqual(
      errors.map((l) => l['msg']),
      [],
      'no error-level log line for a caller without the key',
    );
  } finally {
    await gw.close();
  }
});

test('admin bodies: a deeply nested apply is 400 GW_ERR_JSON_TOO_DEEP, a declared length over the cap 413 unread', async () => {
  const gw = await startAdmin();
  try {
    const escaped = await escapedDuring(async () => {
      const deep = await raw(gw.url, '/admin/v1/apply', {
        method: 'POST',
        headers: JSON_TYPE,
        body: `{"manifests":${'['.repeat(200_000)}`,
      });
      assert.equal(deep.status, 400, deep.text);
      assert.equal((deep.body['error'] as { code: string }).code, 'GW_ERR_JSON_TOO_DEEP');
      // 40 MiB announced, nothing sent: the answer comes at once and the socket is closed.
      const big = await rawSocket(
        gw.port,
        `POST /admin/v1/apply HTTP/1.1\r\nHost: 127.0.0.1:${gw.port}\r\ncontent-type: application/json\r\ncontent-length: ${40 * 1024 * 1024}\r\n\r\n`,
      );
      assert.equal(statusOf(big), 413, big);
      assert.match(big, /GW_ERR_BODY_TOO_LARGE/);
      assert.equal((await raw(gw.url, '/admin/v1/config')).status, 200);
      await turns();
    });
    assert.deepEqual(escaped.map(String), []);
  } finally {
    await gw.close();
  }
});

test('a client that disconnects mid-apply, then concurrent applies and rollbacks: nothing escapes, one at a time', async () => {
  const gw = await startAdmin();
  try {
    const escaped = await escapedDuring(async () => {
      let open!: () => void;
      gw.gate = new Promise((r) => (open = r));
      const building = new Promise<void>((r) => {
        const u = new URL(gw.url);
        const req = request({
          host: u.hostname,
          port: u.port,
          path: '/admin/v1/apply',
          method: 'POST',
          headers: JSON_TYPE,
          agent: false,
        });
        req.on('error', () => undefined);
        req.on('close', () => r());
        // The whole body is sent, then the caller goes away while the build waits on the gate.
        req.end(JSON.stringify({ manifests: manifests('m0') }), () => setImmediate(() => req.destroy()));
      });
      await building;
      open();
      gw.gate = undefined;
      const cfg = await raw(gw.url, '/admin/v1/config');
      assert.equal(cfg.body['revision'], 1, 'the apply whose caller left still went into service');

      const answers = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          i % 3 === 2
            ? raw(gw.url, '/admin/v1/rollback', { method: 'POST', headers: JSON_TYPE, body: '{}' })
            : raw(gw.url, '/admin/v1/apply', {
                method: 'POST',
                headers: JSON_TYPE,
                body: JSON.stringify({ manifests: manifests(`m${i + 1}`), ...(i % 2 === 1 ? { ifRevision: 1 } : {}) }),
              }),
        ),
      );
      for (const a of answers) assert.ok(a.status === 200 || a.status === 409, `${a.status} ${a.text}`);
      const applied = answers.filter((a) => a.status === 200 && a.body['applied'] === true).length;
      const list = await raw(gw.url, '/admin/v1/revisions?limit=1000');
      assert.equal((list.body['revisions'] as unknown[]).length, 1 + applied, 'one revision per change applied');
      await turns();
    });
    assert.deepEqual(escaped.map(String), []);
  } finally {
    await gw.close();
  }
});

// ---------------------------------------------------------------------------------------------
// The MCP bridge

const MCP_KEY = KEYS.noscope; // scopes: [mcp]
const BIG_KEY = 'gw-hostile-mcp-big-key';
let up: FakeUpstream;
let gateway: TestGateway;
/** Upstream answers held open by the `holder` endpoint's model. */
const held: ServerResponse[] = [];
let heldArrived: (() => void) | undefined;

before(async () => {
  up = await startUpstream((r, res, req) => {
    if (r.body['model'] !== 'up-hold') return echoHandler(r, res, req);
    held.push(res);
    heldArrived?.();
  });
  gateway = await startGateway(up.url, {
    proxy: { maxBodyBytes: 2 * 1024 * 1024 },
    extraManifests: `---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: holder }
spec:
  type: chat
  routing: { targets: [ { provider: up, models: { hold: up-hold } } ] }
  mcp: { expose: true }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: echo }
spec:
  type: chat
  routing: { targets: [ { provider: up, models: { e: up-fast } } ] }
  mcp: { expose: true }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: big }
spec: { keyHash: "${sha(BIG_KEY)}", roles: [editor], scopes: [mcp] }
`,
  });
});

after(async () => {
  for (const r of held) r.destroy();
  await gateway?.stop();
  await up?.close();
});

/** Resolves when the next held upstream request has arrived. */
const upstreamHolds = (): Promise<void> => new Promise((r) => (heldArrived = r));

const heldAnswer = JSON.stringify({
  id: 'c',
  object: 'chat.completion',
  created: 1,
  model: 'up-hold',
  choices: [{ index: 0, message: { role: 'assistant', content: 'late' }, finish_reason: 'stop' }],
});

interface McpAnswer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly text: string;
}

/**
 * One request to /mcp/default through node:http. With `onResponse` the body is not collected:
 * the hook gets the response (and the request, to destroy it); resolves when the response closes.
 */
function mcp(
  o: {
    method?: string;
    body?: unknown;
    session?: string;
    key?: string;
    headers?: Record<string, string>;
    onResponse?: (res: IncomingMessage, req: ReturnType<typeof request>) => void;
  } = {},
): Promise<McpAnswer> {
  const u = new URL(gateway.url);
  const headers: Record<string, string> = {
    authorization: `Bearer ${o.key ?? MCP_KEY}`,
    accept: 'application/json, text/event-stream',
    ...JSON_TYPE,
    ...(o.session !== undefined ? { 'mcp-session-id': o.session, 'mcp-protocol-version': '2025-06-18' } : {}),
    ...o.headers,
  };
  return new Promise((done, fail) => {
    const req = request(
      { host: u.hostname, port: u.port, path: '/mcp/default', method: o.method ?? 'POST', headers, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        if (o.onResponse !== undefined) o.onResponse(res, req);
        else res.on('data', (c: string) => (text += c));
        res.resume();
        res.on('error', () => undefined);
        res.on('close', () => done({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', (err) => (o.onResponse !== undefined ? undefined : fail(err)));
    req.end(o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body));
  });
}

const initialize = (capabilities: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities, clientInfo: { name: 'hostile', version: '1' } },
});

async function openSession(key?: string, capabilities?: Record<string, unknown>): Promise<string> {
  const r = await mcp({ body: initialize(capabilities), ...(key !== undefined ? { key } : {}) });
  assert.equal(r.status, 200, r.text);
  const id = String(r.headers['mcp-session-id']);
  const n = await mcp({
    session: id,
    body: { jsonrpc: '2.0', method: 'notifications/initialized' },
    ...(key !== undefined ? { key } : {}),
  });
  assert.equal(n.status, 202, n.text);
  return id;
}

const call = (id: number, name: string, message: string) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: { message } },
});

async function echoWorks(session: string): Promise<void> {
  const r = await mcp({ session, body: call(99, 'echo', 'still there') });
  assert.equal(r.status, 200, r.text);
  assert.match(r.text, /echo: still there/);
}

test('MCP: a caller that disconnects mid tool call, DELETEs mid call or cancels it: nothing escapes', async () => {
  const escaped = await escapedDuring(async () => {
    // Disconnect while the upstream holds the call, then let the upstream answer: the result has
    // no stream to go to (the SDK reports that to onerror, nothing throws).
    const s1 = await openSession();
    let arrived = upstreamHolds();
    await mcp({
      session: s1,
      body: call(1, 'holder', 'a'),
      onResponse: (_r, req) => void arrived.then(() => req.destroy()),
    });
    held.shift()?.end(heldAnswer);
    await turns(10);
    await echoWorks(s1);

    // DELETE of the session while its call runs: the call's stream ends, the call is aborted.
    const s2 = await openSession();
    arrived = upstreamHolds();
    const running = mcp({ session: s2, body: call(1, 'holder', 'b') });
    await arrived;
    const upstreamClosed = up.closed[up.closed.length - 1];
    assert.equal((await mcp({ method: 'DELETE', session: s2 })).status, 200);
    assert.equal((await running).status, 200);
    await upstreamClosed;
    assert.equal((await mcp({ session: s2, body: call(2, 'echo', 'x') })).status, 404);

    // notifications/cancelled aborts the upstream call; the session goes on.
    const s3 = await openSession();
    arrived = upstreamHolds();
    // The SDK sends no answer for a cancelled request, so its stream stays open: the test ends it.
    let stream: ReturnType<typeof request> | undefined;
    const streamDone = mcp({ session: s3, body: call(7, 'holder', 'c'), onResponse: (_r, req) => (stream = req) });
    await arrived;
    const cancelledUpstream = up.closed[up.closed.length - 1];
    const cancel = await mcp({
      session: s3,
      body: { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'stop' } },
    });
    assert.equal(cancel.status, 202);
    await cancelledUpstream;
    while (stream === undefined) await turns(1);
    stream.destroy();
    await streamDone;
    await echoWorks(s3);
    for (const s of [s1, s3]) await mcp({ method: 'DELETE', session: s });
    await turns(10);
  });
  assert.deepEqual(escaped.map(String), []);
});

// A tool call ends when the client cancels it, when the session ends, and when the connection
// that carries it goes away: a dropped caller does not leave its upstream call running.
test('MCP: a caller that drops the connection of a tools/call has its upstream call aborted', async () => {
  const s = await openSession();
  try {
    const arrived = upstreamHolds();
    await mcp({
      session: s,
      body: call(1, 'holder', 'gone'),
      onResponse: (_r, req) => void arrived.then(() => req.destroy()),
    });
    const upstreamClosed = up.closed[up.closed.length - 1]!;
    const outcome = await Promise.race([upstreamClosed.then(() => 'aborted'), turns(200).then(() => 'still running')]);
    assert.equal(outcome, 'aborted', 'the upstream call of a caller that went away is still running');
  } finally {
    held.shift()?.destroy();
    await mcp({ method: 'DELETE', session: s });
  }
});

test('MCP: GET event streams (one per session, re-opened after a disconnect, ended by DELETE) and odd messages', async () => {
  const escaped = await escapedDuring(async () => {
    const s = await openSession();
    const sse = { method: 'GET', session: s, headers: { accept: 'text/event-stream' } };
    let first: IncomingMessage | undefined;
    const g1 = mcp({ ...sse, onResponse: (res) => (first = res) });
    while (first === undefined) await turns(1);
    assert.equal(first.statusCode, 200);
    assert.equal((await mcp(sse)).status, 409, 'one GET stream per session');
    first.destroy();
    await g1;
    let second: IncomingMessage | undefined;
    const g2 = mcp({ ...sse, onResponse: (res) => (second = res) });
    while (second === undefined) await turns(1);
    assert.equal(second.statusCode, 200, 'the stream can be opened again once the first is gone');

    // Messages no client should send: a batch (refused by gw: bodies are JSON objects), stray
    // responses, bad params, a second initialize, ids that are no JSON-RPC ids.
    const answers: [unknown, number][] = [
      [[call(1, 'echo', 'x')], 400],
      [{ jsonrpc: '2.0', id: 3, result: {} }, 202],
      [{ jsonrpc: '2.0', id: 3, error: { code: 1, message: 'x' } }, 202],
      [{ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'echo', arguments: 'text' } }, 200],
      [{ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 5 } }, 200],
      [initialize(), 400],
      [{ jsonrpc: '2.0', id: {}, method: 'tools/list' }, 400],
      [{ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 12345 } }, 202],
      [`{"jsonrpc":"2.0","id":6,"method":"tools/call","params":${'['.repeat(100_000)}`, 400],
    ];
    for (const [body, status] of answers) {
      const r = await mcp({ session: s, body });
      assert.equal(r.status, status, `${JSON.stringify(body).slice(0, 80)}: ${r.text.slice(0, 200)}`);
    }
    assert.equal((await mcp({ method: 'DELETE', session: s })).status, 200);
    await g2; // DELETE ends the open GET stream
    await turns(10);
  });
  assert.deepEqual(escaped.map(String), []);
});

test('MCP: initializes the transport refuses (no Accept, a Host it cannot parse) hold no session place', async () => {
  // The key may hold 16 sessions; 40 refused initializes must not count against them.
  for (let i = 0; i < 20; i++) {
    assert.equal((await mcp({ body: initialize(), headers: { accept: 'application/json' } })).status, 406);
    assert.equal((await mcp({ body: initialize(), headers: { host: 'a b' } })).status, 400);
  }
  const s = await openSession();
  await mcp({ method: 'DELETE', session: s });
});

// A session keeps its initialize request's capabilities and client info for its whole life:
// an initialize is read with a small cap (64 KiB), so open sessions cannot pin the body limit's
// worth of memory each.
test('MCP: an initialize larger than 64 KiB is refused (413) and opens no session', async () => {
  const big = await mcp({
    body: initialize({ experimental: { pad: { pad: 'x'.repeat(100_000) } } }),
    key: BIG_KEY,
  });
  assert.equal(big.status, 413, big.text);
  assert.equal(big.headers['mcp-session-id'], undefined);
  const session = await openSession(BIG_KEY, { experimental: { note: { text: 'a small one still opens' } } });
  await mcp({ method: 'DELETE', session, key: BIG_KEY });
});
