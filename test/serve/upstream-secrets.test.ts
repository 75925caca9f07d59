// An upstream 401 that echoes the credential gw sent it: the caller's error, the usage row's
// attempt log and the log lines carry [redacted], never gw's own upstream key.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KEYS, UPSTREAM_KEY, startGateway, startUpstream, type FakeUpstream, type TestGateway } from './helpers.js';

const HEADER_SECRET = 'hdr-Secret-0000-1111-2222';

let up: FakeUpstream;
let gw: TestGateway;

const headerAuth = (upstreamUrl: string): string => `apiVersion: gw/v1
kind: Provider
metadata: { name: hdr }
spec:
  type: openai
  baseUrl: ${upstreamUrl}/v1
  auth: { header: { name: x-shared, value: "${HEADER_SECRET}" } }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: shared }
spec:
  type: chat
  routing: { targets: [ { provider: hdr, models: { hdr-model: up-hdr } } ] }
`;

before(async () => {
  // Echoes whichever credential it received, as some servers do in their 401s.
  up = await startUpstream((_r, res, req) => {
    const got = String(req.headers['x-shared'] ?? req.headers.authorization ?? '');
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ error: { message: `invalid key ${got.replace(/^Bearer /, '')} received (sent as "${got}")` } }),
    );
  });
  gw = await startGateway(up.url);
  await writeFile(join(gw.dir, 'manifests', 'shared.yaml'), headerAuth(up.url));
  assert.ok(await gw.reloader.reload('test'));
});
after(async () => {
  await gw.stop();
  await up.close();
});

async function chat(model: string): Promise<{ status: number; message: string; id: string }> {
  const r = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEYS.app}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'x' }] }),
  });
  const body = (await r.json()) as { error?: { message?: string } };
  return { status: r.status, message: body.error?.message ?? '', id: r.headers.get('x-request-id') ?? '' };
}

describe('upstream error text never carries gw credentials', () => {
  for (const [label, model, secret] of [
    ['bearer auth', 'fast', UPSTREAM_KEY],
    ['header auth', 'hdr-model', HEADER_SECRET],
  ] as const) {
    test(`${label}: the caller's error, the attempt log and the log lines say [redacted]`, async () => {
      const r = await chat(model);
      assert.ok(
        up.requests.some((q) => JSON.stringify(q.headers).includes(secret)),
        'the upstream did get the credential',
      );
      assert.equal(r.status, 502);
      assert.match(r.message, /invalid key \[redacted\] received/);
      assert.ok(!r.message.includes(secret), r.message);

      gw.usageLog.flush();
      const row = gw.usageLog.recent({ limit: 20 }).find((x) => x.requestId === r.id);
      assert.ok(row);
      const logged = JSON.stringify(row.attemptLog);
      assert.match(logged, /\[redacted\]/);
      assert.ok(!logged.includes(secret), logged);
      assert.ok(!JSON.stringify(gw.logLines).includes(secret));
    });
  }
});
