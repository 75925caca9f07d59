// Provider probes in process: TLS settings honoured (self-signed upstream refused, then trusted
// through tls.ca), error classes, and the model-list shapes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { CompiledProvider } from '../../src/compile/routing-table.js';
import { classifyProbeError, listedModels, probeProvider } from '../../src/ops/probe.js';

const fixture = (name: string): Promise<string> => readFile(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function provider(origin: string, o: Partial<CompiledProvider> = {}): CompiledProvider {
  return {
    id: 'default/p', name: 'p', workspace: 'default', type: 'openai',
    baseUrl: `${origin}/v1`, origin, basePath: '/v1', headers: { authorization: 'Bearer sk-x' },
    tls: { rejectUnauthorized: true, ca: undefined }, timeoutMs: 60_000, pricing: new Map(), mock: undefined, probePath: '/models',
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
    const trusted = await probeProvider(provider(origin, { tls: { rejectUnauthorized: true, ca: cert } }), mapped, { timeoutMs: 5000 });
    assert.equal(trusted.ok, true, trusted.message ?? '');
    assert.equal(trusted.models, 3);
    assert.deepEqual(trusted.missing, ['m9']);
    const lax = await probeProvider(provider(origin, { tls: { rejectUnauthorized: false, ca: undefined } }), mapped, { timeoutMs: 5000 });
    assert.equal(lax.ok, true);
  });

  test('mock providers are ok without I/O', async () => {
    const r = await probeProvider(provider('mock:', { type: 'mock', baseUrl: '' }), new Set(['x']), { timeoutMs: 1 });
    assert.deepEqual([r.ok, r.url, r.models, r.missing], [true, null, null, []]);
  });

  test('error classes from undici and node error codes', () => {
    const err = (code: string): Error => Object.assign(new Error('x'), { code });
    assert.equal(classifyProbeError(Object.assign(new TypeError('fetch failed'), { cause: err('ECONNREFUSED') }), false), 'connect refused');
    assert.equal(classifyProbeError(err('UND_ERR_CONNECT_TIMEOUT'), false), 'timeout');
    assert.equal(classifyProbeError(err('ENOTFOUND'), false), 'DNS');
    assert.equal(classifyProbeError(err('DEPTH_ZERO_SELF_SIGNED_CERT'), false), 'TLS');
    assert.equal(classifyProbeError(err('ERR_TLS_CERT_ALTNAME_INVALID'), false), 'TLS');
    assert.equal(classifyProbeError(err('ECONNRESET'), false), 'connection reset');
    assert.equal(classifyProbeError(new Error('aborted'), true), 'timeout');
    assert.equal(classifyProbeError(new Error('odd'), false), 'network error');
  });

  test('model lists: the {data: [{id}]} shape, anything else is no list', () => {
    assert.deepEqual(listedModels('{"object":"list","data":[{"id":"a"},{"id":"b"},{"x":1}]}'), ['a', 'b']);
    assert.equal(listedModels('{"models":[]}'), undefined);
    assert.equal(listedModels('<html>'), undefined);
  });
});
