// Through the real `gw` binary: an admin key shorter than 32 characters is a located error at
// `gw validate` and stops `gw serve` (after ${env:} resolution) with nothing started; and the
// default keyless loopback listener refuses a hostile page's text/plain apply while
// `gw diff` / `gw apply` from the CLI still work. Needs `npm run build` (bin/gw runs dist/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGw } from '../helpers/gw.js';
import { admin, freePort, gatewayYaml, raw, startGw, type RunningGw } from './helpers.js';

const skip = !existsSync('dist/cli/main.js') && 'run npm run build first';

test(
  'gw validate: a literal admin key under 32 characters is GW_ERR_ADMIN_KEY_WEAK at its line',
  { skip },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gw-weak-v-'));
    try {
      await writeFile(
        join(dir, 'gateway.yaml'),
        'apiVersion: gw/v1\nkind: Gateway\nmetadata: { name: weak }\nspec:\n  admin:\n    listen: 0.0.0.0:3001\n    key: hunter2\n',
      );
      const r = await runGw(['validate', '-c', 'gateway.yaml'], { cwd: dir });
      assert.notEqual(r.code, 0);
      const out = r.stdout + r.stderr;
      assert.match(out, /gateway\.yaml:7:\d+/);
      assert.match(out, /GW_ERR_ADMIN_KEY_WEAK/);
      assert.match(out, /7 characters; it needs at least 32/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test('gw serve: a resolved admin key under 32 characters is refused; nothing is started', { skip }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gw-weak-s-'));
  try {
    const [proxyPort, adminPort] = [await freePort(), await freePort()];
    await writeFile(
      join(dir, 'gateway.yaml'),
      gatewayYaml({ proxyPort, adminListen: `127.0.0.1:${adminPort}`, manifests: false }),
    );
    const r = await runGw(['serve', '-c', 'gateway.yaml'], {
      cwd: dir,
      env: { GW_ADMIN_KEY: 'short-admin-key' },
      timeoutMs: 20_000,
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /GW_ERR_ADMIN_KEY_WEAK/);
    assert.match(r.stderr, /15 characters; it needs at least 32/);
    assert.doesNotMatch(r.stderr + r.stdout, /short-admin-key/, 'the key is never printed');
    assert.doesNotMatch(r.stdout, /listening/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test(
  "the default keyless loopback admin refuses a page's text/plain apply; gw diff and gw apply still work",
  { skip },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gw-xsite-'));
    let gw: RunningGw | undefined;
    try {
      const [proxyPort, adminPort] = [await freePort(), await freePort()];
      await writeFile(
        join(dir, 'gateway.yaml'),
        gatewayYaml({ proxyPort, adminListen: `127.0.0.1:${adminPort}`, key: false, manifests: false }),
      );
      await mkdir(join(dir, 'manifests'));
      await writeFile(
        join(dir, 'manifests', 'all.yaml'),
        'apiVersion: gw/v1\nkind: Provider\nmetadata: { name: mock }\nspec: { type: mock }\n---\napiVersion: gw/v1\nkind: Endpoint\nmetadata: { name: bot }\nspec:\n  type: chat\n  routing: { targets: [ { provider: mock, models: { fast: m1 } } ] }\n',
      );
      gw = await startGw(dir, { proxyPort, adminPort, env: { GW_ADMIN_KEY: '' } });
      const hostile = JSON.stringify({
        manifests: [
          {
            apiVersion: 'gw/v1',
            kind: 'Provider',
            metadata: { name: 'evil' },
            spec: { type: 'openai', baseUrl: 'http://evil.example/v1' },
          },
        ],
      });
      const page = await raw(gw.admin, '/admin/v1/apply', {
        method: 'POST',
        headers: { 'content-type': 'text/plain', origin: 'http://evil.example' },
        body: hostile,
      });
      assert.equal(page.status, 403, page.text);
      const plain = await raw(gw.admin, '/admin/v1/apply', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: hostile,
      });
      assert.equal(plain.status, 415, plain.text);
      const rebound = await raw(gw.admin, '/admin/v1/apply', {
        method: 'POST',
        headers: { host: `evil.example:${adminPort}`, 'content-type': 'application/json' },
        body: hostile,
      });
      assert.equal(rebound.status, 403, rebound.text);
      assert.equal(
        (await admin(gw.admin, '/admin/v1/config', { key: null })).body['revision'],
        null,
        'nothing was applied',
      );

      const env = { GW_ADMIN_KEY: undefined };
      const diff = await runGw(['diff', '-f', 'manifests'], { cwd: dir, env });
      assert.equal(diff.code, 2, diff.stderr);
      const apply = await runGw(['apply', '-f', 'manifests', '--yes'], { cwd: dir, env });
      assert.equal(apply.code, 0, apply.stderr);
      assert.equal((await admin(gw.admin, '/admin/v1/config', { key: null })).body['revision'], 1);
      assert.equal(gw.child.exitCode, null, 'gw serve is still up');
    } finally {
      await gw?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
);
