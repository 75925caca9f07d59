// Provider probes in process: TLS settings honoured (self-signed upstream refused, then trusted
// through tls.ca), error classes, the requests and model lists the adapters build and read, and
// the cap on how much of a model list is read.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { CompiledProvider } from '../../src/compile/routing-table.js';
import { classifyProbeError, probeProvider } from '../../src/ops/probe.js';
import { anthropicAdapter } from '../../src/wire/anthropic/upstream/index.js';
import { openaiAdapter } from '../../src/wire/openai/upstream/index.js';

const fixture = (name: string): Promise<string> => readFile(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function provider(origin: string, o: Partial<CompiledProvider> = {}): CompiledProvider {
  return {
    id: 'default/p',
    name: 'p',
    workspace: 'default',
    type: 'openai',
    baseUrl: `${origin}/v1`,
    origin,
    basePath: '/v1',
    headers: { authorization: 'Bearer sk-x' },
    tls: { rejectUnauthorized: true, ca: undefined },
    timeoutMs: 60_000,
    pricing: new Map(),
    mock: undefined,
    probePath: '/models',
    ...o,
  };
}

describe('probe', () => {
  let server: Server;
  let origin: string;
  let cert: string;

  before(async () => {
    cert = await fixture('tls-cert.pem');
    server = createServer({ cert, key: await fixture('tls-key.pem') }, (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ data: [{ id: 'm1' }, { id: 'm2' }, { id: 'm3' }] }));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
    origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((done) => server.close(() => done())));

  test('a self-signed upstream fails as TLS; trusted through tls.ca it answers; rejectUnauthorized: false too', async () => {
    const mapped = new Set(['m1', 'm9']);
    const refused = await probeProvider(provider(origin), mapped, { timeoutMs: 5000 });
    assert.equal(refused.ok, false);
    assert.equal(refused.status, 'TLS');
    const trusted = await probeProvider(provider(origin, { tls: { rejectUnauthorized: true, ca: cert } }), mapped, {
      timeoutMs: 5000,
    });
    assert.equal(trusted.ok, true, trusted.message ?? '');
    assert.equal(trusted.models, 3);
    assert.deepEqual(trusted.missing, ['m9']);
    const lax = await probeProvider(provider(origin, { tls: { rejectUnauthorized: false, ca: undefined } }), mapped, {
      timeoutMs: 5000,
    });
    assert.equal(lax.ok, true);
  });

  test('mock providers are ok without I/O', async () => {
    const r = await probeProvider(provider('mock:', { type: 'mock', baseUrl: '' }), new Set(['x']), { timeoutMs: 1 });
    assert.deepEqual([r.ok, r.url, r.models, r.missing], [true, null, null, []]);
  });

  test('error classes from undici and node error codes', () => {
    const err = (code: string): Error => Object.assign(new Error('x'), { code });
    assert.equal(
      classifyProbeError(Object.assign(new TypeError('fetch failed'), { cause: err('ECONNREFUSED') }), false),
      'connect refused',
    );
    assert.equal(classifyProbeError(err('UND_ERR_CONNECT_TIMEOUT'), false), 'timeout');
    assert.equal(classifyProbeError(err('ENOTFOUND'), false), 'DNS');
    assert.equal(classifyProbeError(err('DEPTH_ZERO_SELF_SIGNED_CERT'), false), 'TLS');
    assert.equal(classifyProbeError(err('ERR_TLS_CERT_ALTNAME_INVALID'), false), 'TLS');
    assert.equal(classifyProbeError(err('ECONNRESET'), false), 'connection reset');
    assert.equal(classifyProbeError(new Error('aborted'), true), 'timeout');
    assert.equal(classifyProbeError(new Error('odd'), false), 'network error');
  });

  test('model lists: the adapters read the {data: [{id}]} shape, anything else is no list', () => {
    for (const adapter of [openaiAdapter, anthropicAdapter]) {
      const parse = adapter.parseModels;
      assert.ok(parse !== undefined && adapter.buildModelsRequest !== undefined, adapter.type);
      assert.deepEqual(parse({ object: 'list', data: [{ id: 'a' }, { id: 'b' }, { x: 1 }] }), {
        ok: true,
        value: ['a', 'b'],
      });
      assert.equal(parse({ models: [] }).ok, false);
      assert.equal(parse(undefined).ok, false);
    }
  });
});

describe('probe requests and answers (plain http)', () => {
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  let answer: (res: import('node:http').ServerResponse) => void = (res) => res.end('{"data":[]}');
  const server = createHttpServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    answer(res);
  });
  let origin: string;
  before(async () => {
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((done) => server.close(() => done())));

  test('anthropic: one page of 1000 with anthropic-version; the provider may set its own version', async () => {
    seen.length = 0;
    answer = (res) => res.end('{"data":[{"id":"claude-x"}],"has_more":false}');
    const r = await probeProvider(provider(origin, { type: 'anthropic' }), new Set(['claude-x']), { timeoutMs: 5000 });
    assert.deepEqual([r.ok, r.models, r.missing, r.url], [true, 1, [], `${origin}/v1/models?limit=1000`]);
    assert.equal(seen[0]?.headers['anthropic-version'], '2023-06-01');
    assert.equal(seen[0]?.headers.authorization, 'Bearer sk-x');
    await probeProvider(
      provider(origin, { type: 'anthropic', headers: { 'anthropic-version': '2099-01-01' } }),
      new Set(),
      { timeoutMs: 5000 },
    );
    assert.equal(seen[1]?.headers['anthropic-version'], '2099-01-01');
  });

  test('http providers: a GET of the probe path, status only', async () => {
    seen.length = 0;
    answer = (res) => res.end('not json at all');
    const r = await probeProvider(provider(origin, { type: 'http', probePath: '/health' }), new Set(), {
      timeoutMs: 5000,
    });
    assert.deepEqual([r.ok, r.httpStatus, r.models, r.message, seen[0]?.url], [true, 200, null, null, '/v1/health']);
  });

  test('a model list that is no list is ok with a note', async () => {
    answer = (res) => res.end('<html>');
    const r = await probeProvider(provider(origin), new Set(['m1']), { timeoutMs: 5000 });
    assert.deepEqual([r.ok, r.models, r.missing], [true, null, []]);
    assert.match(r.message ?? '', /not a model list/);
  });

  test('a model list over 16 MiB is not read to the end, with or without a content-length', async () => {
    const big = Buffer.alloc(1024 * 1024, 0x20);
    answer = (res) => {
      // chunked: no content-length, 17 MiB of blanks
      let left = 17;
      const more = (): void => {
        while (left > 0) {
          left -= 1;
          if (!res.write(big)) return void res.once('drain', more);
        }
        res.end();
      };
      res.on('error', () => undefined);
      more();
    };
    const chunked = await probeProvider(provider(origin), new Set(), { timeoutMs: 10_000 });
    assert.deepEqual([chunked.ok, chunked.models], [true, null]);
    assert.match(chunked.message ?? '', /larger than 16 MiB/);
    answer = (res) => {
      res.setHeader('content-length', String(17 * 1024 * 1024));
      res.on('error', () => undefined);
      res.write(big, () => setTimeout(() => res.destroy(), 50)); // a lie: 1 MiB sent, then the socket goes
    };
    const declared = await probeProvider(provider(origin), new Set(), { timeoutMs: 10_000 });
    assert.match(declared.message ?? '', /larger than 16 MiB/);
  });
});
