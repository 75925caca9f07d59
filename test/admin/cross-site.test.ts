// A hostile web page against the default admin listener (loopback, no key): a text/plain POST
// (no CORS preflight), a foreign Origin, DNS rebinding (Host: evil.example:PORT), a no-cors GET
// (Sec-Fetch-Site: cross-site). Each is refused before it reaches a route and the config in
// service stays as it was; the gw CLI's admin client (no Origin, Host of the address dialled,
// JSON bodies) still applies and rolls back.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { createAdminClient } from '../../src/cli/admin-client.js';
import { createAdminGuard } from '../../src/admin/guard.js';
import type { Manifest } from '../../src/manifest/types.js';
import { raw, startAdminInProcess, type InProcessAdmin } from './helpers.js';

const mine = [
  { apiVersion: 'gw/v1', kind: 'Provider', metadata: { name: 'mock' }, spec: { type: 'mock' } },
  {
    apiVersion: 'gw/v1',
    kind: 'Endpoint',
    metadata: { name: 'bot' },
    spec: { type: 'chat', routing: { targets: [{ provider: 'mock', models: { fast: 'm1' } }] } },
  },
] as Manifest[];
/** What a hostile page would like the gateway to serve: its own upstream for every call. */
const hostile = JSON.stringify({
  manifests: [
    {
      apiVersion: 'gw/v1',
      kind: 'Provider',
      metadata: { name: 'evil' },
      spec: { type: 'openai', baseUrl: 'http://evil.example/v1' },
    },
    {
      apiVersion: 'gw/v1',
      kind: 'Endpoint',
      metadata: { name: 'bot' },
      spec: { type: 'chat', routing: { targets: [{ provider: 'evil', models: { fast: 'x' } }] } },
    },
  ],
});

let gw: InProcessAdmin;
let host: string;

before(async () => {
  gw = await startAdminInProcess();
  host = `127.0.0.1:${gw.port}`;
  const first = await createAdminClient({ baseUrl: gw.url }).apply({ manifests: mine });
  assert.equal(first.revision, 1);
});
after(async () => gw.close());

async function unchanged(): Promise<void> {
  const cfg = await createAdminClient({ baseUrl: gw.url }).config();
  assert.equal(cfg.revision, 1);
  assert.deepEqual(
    cfg.manifests.map((m) => `${m.kind}/${m.metadata.name}`),
    ['Provider/mock', 'Endpoint/bot'],
  );
}

test('a text/plain POST (a simple request, no preflight) is refused with 415 and changes nothing', async () => {
  const r = await raw(gw.url, '/admin/v1/apply', {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: hostile,
  });
  assert.equal(r.status, 415, r.text);
  assert.equal((r.body['error'] as { code: string }).code, 'GW_ERR_UNSUPPORTED_MEDIA_TYPE');
  for (const type of [
    undefined,
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/jsonp',
    'text/plain; application/json',
  ]) {
    const headers: Record<string, string> = type === undefined ? {} : { 'content-type': type };
    const again = await raw(gw.url, '/admin/v1/apply', { method: 'POST', headers, body: hostile });
    assert.equal(again.status, 415, `${type}: ${again.text}`);
  }
  const rollback = await raw(gw.url, '/admin/v1/rollback', {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: '{}',
  });
  assert.equal(rollback.status, 415);
  await unchanged();
});

test('a large text/plain upload is answered 415 before it is sent, and its connection closed', async () => {
  const socket = connect(gw.port, '127.0.0.1');
  let text = '';
  socket.setEncoding('utf8');
  const closed = new Promise<void>((done) => socket.on('close', () => done()));
  const answered = new Promise<void>((done) =>
    socket.on('data', (d: string) => ((text += d), text.includes('\r\n\r\n') && done())),
  );
  socket.on('error', () => {}); // the server may reset once it closes
  socket.write(
    `POST /admin/v1/apply HTTP/1.1\r\nHost: ${host}\r\nContent-Type: text/plain\r\nContent-Length: 104857600\r\n\r\n`,
  );
  socket.write('x'.repeat(64 * 1024));
  // The rest of the 100 MiB is never sent: the answer comes while the upload is still in flight.
  await answered;
  assert.match(text, /^HTTP\/1\.1 415 /);
  assert.match(text, /connection: close/i);
  await closed;
  await unchanged();
});

test('a foreign Origin is refused with 403 GW_ERR_ADMIN_CROSS_SITE, even with a JSON body', async () => {
  for (const origin of [
    'http://evil.example',
    'null',
    `http://localhost.evil.example:${gw.port}`,
    `http://127.0.0.1:${gw.port + 1}`,
  ]) {
    const r = await raw(gw.url, '/admin/v1/apply', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: hostile,
    });
    assert.equal(r.status, 403, `${origin}: ${r.text}`);
    assert.equal((r.body['error'] as { code: string }).code, 'GW_ERR_ADMIN_CROSS_SITE');
  }
  await unchanged();
});

test('DNS rebinding (Host: evil.example:PORT) is refused for writes and for reads', async () => {
  const evil = `evil.example:${gw.port}`;
  const post = await raw(gw.url, '/admin/v1/apply', {
    method: 'POST',
    headers: { host: evil, 'content-type': 'application/json', origin: `http://${evil}` },
    body: hostile,
  });
  assert.equal(post.status, 403, post.text);
  assert.equal((post.body['error'] as { code: string }).code, 'GW_ERR_ADMIN_CROSS_SITE');
  // A rebinding page reading the config back: refused too.
  const get = await raw(gw.url, '/admin/v1/config', { headers: { host: evil } });
  assert.equal(get.status, 403);
  assert.doesNotMatch(get.text, /mock/);
  for (const h of ['127.0.0.1', `127.0.0.1:${gw.port + 1}`, `localhost:${gw.port}.evil.example`]) {
    const r = await raw(gw.url, '/admin/v1/status', { headers: { host: h } });
    assert.equal(r.status, 403, `Host ${h}: ${r.text}`);
  }
  await unchanged();
});

test('a no-cors GET from a page (Sec-Fetch-Site: cross-site or same-site) is refused', async () => {
  for (const site of ['cross-site', 'same-site']) {
    const r = await raw(gw.url, '/admin/v1/config', { headers: { 'sec-fetch-site': site } });
    assert.equal(r.status, 403, site);
  }
});

test('the admin listener addressed by its loopback names, and its own origin, passes', async () => {
  for (const h of [host, `localhost:${gw.port}`, `LOCALHOST:${gw.port}`, `[::1]:${gw.port}`]) {
    const r = await raw(gw.url, '/admin/v1/config', { headers: { host: h } });
    assert.equal(r.status, 200, `Host ${h}: ${r.text}`);
  }
  const same = await raw(gw.url, '/admin/v1/config', {
    headers: { origin: `http://${host}`, 'sec-fetch-site': 'same-origin' },
  });
  assert.equal(same.status, 200, same.text);
  const dry = await raw(gw.url, '/admin/v1/apply', {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ manifests: mine, dryRun: true }),
  });
  assert.equal(dry.status, 200, dry.text);
});

test('the CLI admin client still applies, reads and rolls back', async () => {
  const client = createAdminClient({ baseUrl: gw.url });
  const changed = mine.map((m) =>
    m.kind === 'Endpoint'
      ? { ...m, spec: { type: 'chat', routing: { targets: [{ provider: 'mock', models: { fast: 'm2' } }] } } }
      : m,
  ) as Manifest[];
  const applied = await client.apply({ manifests: changed, ifRevision: 1 });
  assert.equal(applied.revision, 2);
  assert.equal((await client.config()).revision, 2);
  const back = await client.rollback({ revision: 1 });
  assert.equal(back.rolledBackTo, 1);
  assert.equal((await client.status()).revision, back.revision);
  // localhost in --server works the same.
  assert.equal((await createAdminClient({ baseUrl: `localhost:${gw.port}` }).config()).revision, back.revision);
});

function fakeReq(o: {
  host?: string;
  origin?: string;
  method?: string;
  type?: string;
  port?: number;
}): IncomingMessage {
  const headers: Record<string, string> = {};
  if (o.host !== undefined) headers.host = o.host;
  if (o.origin !== undefined) headers.origin = o.origin;
  if (o.type !== undefined) headers['content-type'] = o.type;
  return { headers, method: o.method ?? 'GET', socket: { localPort: o.port ?? 3001 } } as unknown as IncomingMessage;
}

test('a keyed listener on every address accepts any Host (the key protects it) but no foreign Origin', () => {
  const guard = createAdminGuard({ bindHost: '0.0.0.0', keyed: true });
  assert.equal(guard(fakeReq({ host: 'admin.internal:3001' })), undefined);
  assert.equal(guard(fakeReq({ host: 'admin.internal', origin: 'https://admin.internal' })), undefined);
  assert.equal(guard(fakeReq({ host: 'admin.internal:3001', origin: 'http://evil.example' }))?.status, 403);
  assert.equal(guard(fakeReq({ host: 'admin.internal:3001', method: 'POST', type: 'text/plain' }))?.status, 415);
  // Loopback with a key: the Host check stays (a page could still burn the key's throttle).
  const loop = createAdminGuard({ bindHost: '127.0.0.1', keyed: true });
  assert.equal(loop(fakeReq({ host: 'evil.example:3001' }))?.status, 403);
  assert.equal(loop(fakeReq({ host: '127.0.0.1:3001' })), undefined);
  // Bound to one IPv6 loopback or another 127/8 address: that literal is accepted too.
  assert.equal(createAdminGuard({ bindHost: '::1', keyed: false })(fakeReq({ host: '[::1]:3001' })), undefined);
  assert.equal(
    createAdminGuard({ bindHost: '127.0.0.2', keyed: false })(fakeReq({ host: '127.0.0.2:3001' })),
    undefined,
  );
  assert.equal(
    createAdminGuard({ bindHost: '127.0.0.2', keyed: false })(fakeReq({ host: '127.0.0.3:3001' }))?.status,
    403,
  );
});
