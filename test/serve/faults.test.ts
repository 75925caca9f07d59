// Upstream faults as the caller sees them through gw: a timeout is 504, refused connections
// 502, and a failing first target falls back to the next, with every attempt in the usage row.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KEYS, scriptedHandler, startGateway, startUpstream, type FakeUpstream, type TestGateway } from './helpers.js';

let up: FakeUpstream;
let gw: TestGateway;

const faults = (upstreamUrl: string): string => `apiVersion: gw/v1
kind: Provider
metadata: { name: impatient }
spec:
  type: openai
  baseUrl: ${upstreamUrl}/v1
  auth: { none: true }
  timeout: 300ms
---
apiVersion: gw/v1
kind: Provider
metadata: { name: dead }
spec:
  type: openai
  baseUrl: http://127.0.0.1:1/v1
  auth: { none: true }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: faulty }
spec:
  type: chat
  routing:
    fallbackOn: [timeout, connect, "429", 5xx]
    targets:
      - { provider: impatient, models: { stall: up-stall, sturdy: up-fail } }
      - { provider: dead, models: { refused: dead-model } }
      - { provider: impatient, models: { sturdy: up-fast } }
`;

before(async () => {
  up = await startUpstream(scriptedHandler());
  gw = await startGateway(up.url);
  await writeFile(join(gw.dir, 'manifests', 'faults.yaml'), faults(up.url));
  const ok = await gw.reloader.reload('test');
  assert.ok(ok, JSON.stringify(gw.logLines.filter((l) => Number(l['level']) >= 40).map((l) => l['msg'])));
});
after(async () => {
  await gw.stop();
  await up.close();
});

async function chat(model: string): Promise<{ status: number; code: string | undefined; id: string }> {
  const r = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEYS.app}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'x' }] }),
  });
  const body = (await r.json()) as { error?: { code: string } };
  return { status: r.status, code: body.error?.code, id: r.headers.get('x-request-id') ?? '' };
}

describe('upstream faults', () => {
  test('an upstream that never answers: 504 GW_ERR_UPSTREAM_TIMEOUT', async () => {
    const r = await chat('stall');
    assert.equal(r.status, 504);
    assert.equal(r.code, 'GW_ERR_UPSTREAM_TIMEOUT');
  });

  test('connection refused: 502 GW_ERR_UPSTREAM_EXHAUSTED', async () => {
    const r = await chat('refused');
    assert.equal(r.status, 502);
    assert.equal(r.code, 'GW_ERR_UPSTREAM_EXHAUSTED');
  });

  test('a 500 falls back to the next target; the usage row records both attempts', async () => {
    const r = await chat('sturdy');
    assert.equal(r.status, 200);
    gw.usageLog.flush();
    const row = gw.usageLog.recent({ limit: 20 }).find((x) => x.requestId === r.id);
    assert.ok(row);
    assert.deepEqual(
      row.attemptLog.map((a) => `${a.provider}/${a.model}:${a.status}`),
      ['impatient/up-fail:500', 'impatient/up-fast:200'],
    );
    assert.equal(row.upstreamModel, 'up-fast');
  });

  test('after every fault the gateway still serves', async () => {
    assert.equal((await chat('fast')).status, 200);
  });
});
