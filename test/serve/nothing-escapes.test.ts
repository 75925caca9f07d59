// Nothing a remote party does ends the gateway process: no 'error' event goes unheard, no
// listener or timer throws, no rejection goes unhandled (gw has no process-level handler for them).
// Each test drives real parts (sockets, undici, Redis, the gateway) and records what reaches
// process 'uncaughtException' / 'unhandledRejection' while it runs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { ConfigSync } from '../../src/fleet/config-sync.js';
import { RedisLink } from '../../src/fleet/redis-link.js';
import { getAdapter } from '../../src/providers/registry.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { runAttempt } from '../../src/upstream/attempt.js';
import { SKIP_NO_REDIS, startRedis } from '../helpers/redis.js';
import { httpProvider, upstreamHarness } from '../upstream/helpers.js';
import { KEYS, startGateway } from './helpers.js';
import { escapedDuring, turns } from '../helpers/escaped.js';

const { pools, upstream } = upstreamHarness();

describe('an upstream answer over upstream.maxAnswerBytes', () => {
  // A declared Content-Length over the cap fails the attempt before anything reads the body, which
  // is then destroyed. When the whole (small) answer already arrived, undici reports that destroy
  // as an 'error' a tick later with no listener of its own: gw must be listening.
  test('a complete answer with a declared length over the cap fails the attempt, nothing escapes', async () => {
    const text = JSON.stringify({ pad: 'x'.repeat(4000) });
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
    const adapter = getAdapter('openai');
    assert.ok(adapter);
    let failure: unknown;
    const escaped = await escapedDuring(async () => {
      const r = await runAttempt({
        provider: httpProvider('p', up.url),
        adapter,
        op: 'chat',
        body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
        stream: false,
        timeoutMs: 5000,
        signal: new AbortController().signal,
        requestId: 'req-crash',
        pools,
        maxAnswerBytes: 1024,
      });
      assert.equal(r.ok, false);
      failure = (r as { failure: unknown }).failure;
      await turns();
    });
    assert.match(String((failure as { message?: string }).message), /maxAnswerBytes/);
    assert.deepEqual(escaped.map(String), [], 'no error escapes to the process');
  });
});

describe('fleet config sync', { skip: SKIP_NO_REDIS }, () => {
  // What `<prefix>config` holds is checked before it is read as a config: a value such as `null`
  // (anyone who can write to the shared Redis) is logged and ignored. The catch-ups that Redis
  // events start never reject.
  test('a stored config that is not an object, then an announcement: nothing escapes', async () => {
    const redis = await startRedis();
    const link = new RedisLink({ url: redis.url, keyPrefix: 'gwt:', timeoutMs: 500, failMode: 'open' });
    const other = new Redis(redis.url);
    const logger = createLogger({ level: 'silent', destination: { write: () => undefined } });
    let sync: ConfigSync | undefined;
    try {
      assert.equal(await link.connect(2000), true);
      await other.set('gwt:config', 'null');
      const applied: unknown[] = [];
      sync = new ConfigSync({
        link,
        url: redis.url,
        logger,
        current: () => undefined,
        apply: (manifests) => {
          applied.push(manifests);
          return Promise.resolve({ ok: false, hash: undefined });
        },
      });
      const s = sync;
      const escaped = await escapedDuring(async () => {
        await s.start(2000).catch(() => undefined); // start() awaits the same read
        await other.publish('gwt:config', 'some-hash'); // another instance announces
        // the announcement's catch-up has read the stored value by the time a read after it answered
        await other.get('gwt:config');
        for (let i = 0; i < 20; i++) await turns();
      });
      assert.deepEqual(escaped.map(String), [], 'no rejection escapes to the process');
    } finally {
      await sync?.close().catch(() => undefined);
      other.disconnect();
      await link.close();
      await redis.stop();
    }
  });
});

type RawHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

/** An upstream whose handler may write raw bytes on the socket; /base/early answers before reading the body. */
async function rawUpstream(h: RawHandler): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/base/early')) return h(req, res, Buffer.alloc(0));
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => h(req, res, Buffer.concat(parts)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const sse = (m: string, delta: Record<string, unknown>): string =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: m, choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;

/** Writes 64 KiB pieces as fast as the socket takes them until it closes. */
function flood(res: ServerResponse): void {
  const junk = 'x'.repeat(64 * 1024);
  const pump = (): void => {
    while (!res.destroyed && res.write(junk));
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
}

describe('hostile upstream bytes through the gateway', () => {
  // Each misbehaviour, on a non-streamed and a streamed request: the caller gets an answer (an
  // error, or a stream cut with an error event), nothing escapes, and the gateway still serves.
  test('broken framing, odd statuses, resets and floods: answered, nothing escapes', async () => {
    const up = await rawUpstream((req, res, body) => {
      const m = String((JSON.parse(body.toString() || '{}') as { model?: unknown }).model);
      const s = req.socket;
      const raw = (x: string): void => void s.write(x);
      switch (m) {
        case 'up-hdr-reset': // headers, then a reset before any event
          raw('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n');
          return void s.resetAndDestroy();
        case 'up-json-short': // a declared length never delivered
          raw('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"a":');
          return void s.destroy();
        case 'up-json-extra': // bytes after the answer on a keep-alive socket
          raw(
            'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}HTTP/1.1 200 OK\r\n\r\ngarbage',
          );
          return;
        case 'up-chunk-garbage': {
          // one good chunk with content, then a chunk size that is not hex
          const c = sse(m, { role: 'assistant', content: 'hi' });
          raw(
            'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n' +
              `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\nzz\r\n`,
          );
          return;
        }
        case 'up-101': // switching protocols to a plain request
          return void raw('HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\nconnection: upgrade\r\n\r\n');
        case 'up-bad-header': // a control character in a header value
          return void raw('HTTP/1.1 200 OK\r\nx-bad: a\x01b\r\ncontent-length: 2\r\n\r\n{}');
        case 'up-done-reset': // the end marker, then a reset
          raw(
            'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n' +
              sse(m, { content: 'x' }) +
              'data: [DONE]\n\n',
          );
          return void setImmediate(() => s.resetAndDestroy());
        case 'up-done-flood': // the end marker, then endless bytes (past the drain limit)
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(sse(m, { content: 'x' }) + 'data: [DONE]\n\n');
          return flood(res);
        case 'up-content-reset': // content, then a reset
          raw(
            'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n' + sse(m, { role: 'assistant', content: 'x' }),
          );
          return void setImmediate(() => s.resetAndDestroy());
        case 'up-close-after-head': // headers, then a clean close with no body
          raw('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n');
          return void s.end();
        default:
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              id: 'x',
              object: 'chat.completion',
              created: 1,
              model: m,
              choices: [{ index: 0, message: { role: 'assistant', content: 'fine' }, finish_reason: 'stop' }],
            }),
          );
      }
    });
    const models = [
      'hdr-reset',
      'json-short',
      'json-extra',
      'chunk-garbage',
      '101',
      'bad-header',
      'done-reset',
      'done-flood',
      'content-reset',
      'close-after-head',
    ];
    const extra = `---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: hostile }
spec:
  type: chat
  routing: { targets: [ { provider: up, models: { plain: up-plain, ${models.map((m) => `${m}: up-${m}`).join(', ')} } } ] }
`;
    const gw = await startGateway(`${up.url}/base`, { extraManifests: extra });
    const ask = (model: string, stream: boolean): Promise<Response> =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEYS.app}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] }),
      });
    try {
      const escaped = await escapedDuring(async () => {
        for (const m of models) {
          for (const stream of [false, true]) {
            const r = await ask(m, stream);
            const text = await r.text().catch((e: unknown) => `cut: ${String(e)}`);
            if (r.status === 200) assert.ok(stream, `${m}: only a stream that started gets 200`);
            else assert.equal(r.status, 502, `${m} (stream ${stream}): ${text.slice(0, 200)}`);
          }
        }
        await turns(10);
        const ok = await ask('plain', false);
        assert.equal(ok.status, 200);
        await ok.text();
      });
      assert.deepEqual(escaped.map(String), [], 'no error escapes to the process');
    } finally {
      await gw.stop();
      await up.close();
    }
  });

  test('the transparent proxy: odd statuses, huge headers, a short body, an answer before the upload ended', async () => {
    let answeredEarly: (() => void) | undefined;
    const up = await rawUpstream((req, res) => {
      const s = req.socket;
      const raw = (x: string): void => void s.write(x);
      const path = req.url ?? '';
      if (path.startsWith('/base/early')) {
        // answers at once and never reads the upload
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('early');
        answeredEarly?.();
        return;
      }
      if (path.startsWith('/base/101'))
        return void raw('HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\nconnection: upgrade\r\n\r\n');
      if (path.startsWith('/base/short')) {
        raw('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 100\r\n\r\nabc');
        return void setImmediate(() => s.resetAndDestroy());
      }
      if (path.startsWith('/base/status099')) return void raw('HTTP/1.1 099 Odd\r\ncontent-length: 0\r\n\r\n');
      if (path.startsWith('/base/bigheader'))
        return void raw(`HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(20000)}\r\ncontent-length: 2\r\n\r\nok`);
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
      res.end('ok');
    });
    const extra = `---
apiVersion: gw/v1
kind: Provider
metadata: { name: svc }
spec:
  type: http
  baseUrl: ${up.url}/base
  auth: { none: true }
  timeout: 2s
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: api }
spec: { type: proxy, provider: svc }
`;
    const gw = await startGateway(`${up.url}/v1`, { extraManifests: extra });
    const u = new URL(gw.url);
    const auth = { authorization: `Bearer ${KEYS.app}` };
    try {
      const escaped = await escapedDuring(async () => {
        for (const [p, want] of [
          ['101', 502],
          ['short', 200],
          ['status099', 502],
          ['bigheader', 502],
        ] as const) {
          for (const method of ['GET', 'HEAD']) {
            const r = await fetch(`${gw.url}/proxy/svc/api/${p}`, { method, headers: auth });
            await r.text().catch(() => undefined); // 'short' is cut mid-body
            assert.equal(r.status, want, `${method} ${p}`);
          }
        }
        // An upload the upstream never reads: it answers at once, the caller keeps sending, then resets.
        const answered = new Promise<void>((r) => (answeredEarly = r));
        const req = request({
          host: u.hostname,
          port: u.port,
          method: 'POST',
          path: '/proxy/svc/api/early',
          headers: { ...auth, 'transfer-encoding': 'chunked' },
        });
        req.on('error', () => undefined);
        const status = new Promise<number>((r) =>
          req.on('response', (res) => {
            res.resume();
            r(res.statusCode ?? 0);
          }),
        );
        req.write(Buffer.alloc(64 * 1024, 1));
        await answered;
        for (let i = 0; i < 20; i++) req.write(Buffer.alloc(64 * 1024, 2));
        assert.equal(await status, 200);
        req.destroy();
        await turns(10);
        const ok = await fetch(`${gw.url}/proxy/svc/api/fine`, { headers: auth });
        assert.equal(ok.status, 200);
        assert.equal(await ok.text(), 'ok');
      });
      assert.deepEqual(escaped.map(String), [], 'no error escapes to the process');
    } finally {
      await gw.stop();
      await up.close();
    }
  });
});
