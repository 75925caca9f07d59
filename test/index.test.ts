// The programmatic API (src/index.ts, the package's main): a gateway started from a temp
// gateway.yaml with the mock provider on port 0 answers a chat request and closes; reload()
// puts a changed manifest in service; validateManifests reports what `gw validate` reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GwError, startGateway, validateManifests } from '../src/index.js';
import { createLogger } from '../src/telemetry/logger.js';

const KEY = 'gw-index-test-caller-key';
const sha = (s: string): string => `sha256:${createHash('sha256').update(s).digest('hex')}`;

const GATEWAY = `apiVersion: gw/v1
kind: Gateway
metadata: { name: index-test }
spec:
  proxy: { listen: 127.0.0.1:0 }
  admin: { listen: 127.0.0.1:0 }
  manifests: [manifests]
  storage: { sqlite: ./gw.db, flushInterval: 20ms }
  log: { level: silent }
  shutdown: { drainTimeout: 1s }
`;

function manifests(model: string): string {
  return `apiVersion: gw/v1
kind: Provider
metadata: { name: mock }
spec: { type: mock }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: bot }
spec:
  type: chat
  routing: { targets: [ { provider: mock, models: { ${model}: m1 } } ] }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: app }
spec: { keyHash: "${sha(KEY)}", scopes: [chat] }
`;
}

async function tempConfig(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gw-index-'));
  await mkdir(join(dir, 'manifests'));
  await writeFile(join(dir, 'gateway.yaml'), GATEWAY);
  await writeFile(join(dir, 'manifests', 'all.yaml'), manifests('fast'));
  return dir;
}

async function chat(url: string, model: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test('startGateway: a gateway from a config path answers, reloads and closes', async () => {
  const dir = await tempConfig();
  const gw = await startGateway({ configPath: join(dir, 'gateway.yaml'), logger: createLogger({ level: 'silent' }) });
  try {
    assert.match(gw.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(gw.adminUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(gw.url, gw.adminUrl);
    const first = await chat(gw.url, 'fast');
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.ok(Array.isArray(first.body['choices']), JSON.stringify(first.body));
    // The admin listener answers too (no key configured: loopback only, no auth needed).
    assert.equal((await fetch(`${gw.adminUrl}/admin/v1/config`)).status, 200);

    await writeFile(join(dir, 'manifests', 'all.yaml'), manifests('quick'));
    assert.equal(await gw.reload(), true);
    assert.equal((await chat(gw.url, 'quick')).status, 200);
    assert.equal((await chat(gw.url, 'fast')).status, 404);
  } finally {
    await gw.close();
    await gw.close();
    await rm(dir, { recursive: true, force: true });
  }
  await assert.rejects(fetch(`${gw.url}/healthz`));
});

test('startGateway: an invalid config rejects with GW_ERR_CONFIG_INVALID and its diagnostics', async () => {
  const dir = await tempConfig();
  try {
    await writeFile(
      join(dir, 'manifests', 'all.yaml'),
      'apiVersion: gw/v1\nkind: Endpoint\nmetadata: { name: bot }\nspec:\n  type: chat\n  routing: { targets: [ { provider: nowhere } ] }\n',
    );
    await assert.rejects(
      startGateway({ configPath: join(dir, 'gateway.yaml'), logger: createLogger({ level: 'silent' }) }),
      (err: unknown) => {
        assert.ok(err instanceof GwError);
        assert.equal(err.code, 'GW_ERR_CONFIG_INVALID');
        const diagnostics = err.details?.['diagnostics'] as { code: string }[];
        assert.ok(
          diagnostics.some((d) => d.code === 'GW_ERR_REF_UNKNOWN_PROVIDER'),
          JSON.stringify(diagnostics),
        );
        return true;
      },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('validateManifests: valid and invalid sets', async () => {
  const dir = await tempConfig();
  try {
    const ok = await validateManifests({ configPath: join(dir, 'gateway.yaml') });
    assert.equal(ok.valid, true, JSON.stringify(ok.diagnostics));
    await writeFile(
      join(dir, 'bad.yaml'),
      'apiVersion: gw/v1\nkind: Provider\nmetadata: { name: p }\nspec: { type: nope }\n',
    );
    const bad = await validateManifests({ files: [join(dir, 'bad.yaml')] });
    assert.equal(bad.valid, false);
    assert.ok(
      bad.diagnostics.some((d) => d.severity === 'error' && d.code === 'GW_ERR_SCHEMA'),
      JSON.stringify(bad.diagnostics),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
