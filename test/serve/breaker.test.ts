// The circuit breaker in the real `gw serve`: upstream.breaker from gateway.yaml, a dead first
// target skipped after 2 failures (its request count stays put), the open breaker visible in
// /metrics, GET /admin/v1/status and `gw status`, then one probe after the cooldown closes it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ADMIN_KEY, admin, CALLER_KEY, freePort, sha, startGw, type RunningGw } from '../admin/helpers.js';
import { runGw } from '../helpers/gw.js';
import { echoHandler, startUpstream, type FakeUpstream } from './helpers.js';

const skip = !existsSync('dist/cli/main.js') && 'run npm run build first';

let first: FakeUpstream;
let second: FakeUpstream;
let gw: RunningGw | undefined;
let dir: string;
let firstUp = false;

before(async () => {
  first = await startUpstream((r, res, req) => {
    if (firstUp) return echoHandler(r, res, req);
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'first is down', type: 'server_error' } }));
  });
  second = await startUpstream();
  dir = await mkdtemp(join(tmpdir(), 'gw-breaker-'));
});
after(async () => {
  await gw?.stop();
  await first.close();
  await second.close();
  await rm(dir, { recursive: true, force: true });
});

async function chat(proxy: string): Promise<number> {
  const res = await fetch(`${proxy}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CALLER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hello' }] }),
  });
  await res.text();
  return res.status;
}

test(
  'a dead first target: skipped after 2 failures, shown open in /metrics and status, closed by one probe',
  { skip, timeout: 20_000 },
  async () => {
    const [proxyPort, adminPort] = [await freePort(), await freePort()];
    await writeFile(
      join(dir, 'gateway.yaml'),
      `apiVersion: gw/v1
kind: Gateway
metadata: { name: breaker-test }
spec:
  proxy: { listen: 127.0.0.1:${proxyPort} }
  admin: { listen: 127.0.0.1:${adminPort}, key: "\${env:GW_ADMIN_KEY}" }
  upstream: { breaker: { failures: 2, cooldown: 1500ms } }
  manifests: [manifests]
  storage: { sqlite: ./state/gw.db, flushInterval: 20ms }
  log: { level: warn }
  shutdown: { drainTimeout: 2s }
`,
    );
    await mkdir(join(dir, 'manifests'));
    await writeFile(
      join(dir, 'manifests', 'all.yaml'),
      `apiVersion: gw/v1
kind: Provider
metadata: { name: first }
spec: { type: openai, baseUrl: ${first.url}/v1, auth: { none: true } }
---
apiVersion: gw/v1
kind: Provider
metadata: { name: second }
spec: { type: openai, baseUrl: ${second.url}/v1, auth: { none: true } }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: support }
spec:
  type: chat
  routing:
    targets:
      - { provider: first, models: { fast: first-model } }
      - { provider: second, models: { fast: second-model } }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: app }
spec: { keyHash: "${sha(CALLER_KEY)}", roles: [editor], scopes: [chat] }
`,
    );
    gw = await startGw(dir, { proxyPort, adminPort });

    assert.equal(await chat(gw.proxy), 200);
    assert.equal(await chat(gw.proxy), 200);
    assert.equal(first.requests.length, 2);
    assert.equal(await chat(gw.proxy), 200);
    assert.equal(first.requests.length, 2, 'the third request did not touch the first target');
    assert.equal(second.requests.length, 3);

    const status = await admin(gw.admin, '/admin/v1/status');
    const breakers = status.body['breakers'] as {
      provider: string;
      model: string;
      state: string;
      failures: number;
      reopensAt: string;
    }[];
    assert.deepEqual(
      breakers.map((b) => [b.provider, b.model, b.state, b.failures]),
      [['first', 'first-model', 'open', 2]],
    );

    const metrics = await admin(gw.admin, '/metrics');
    assert.match(metrics.text, /gw_upstream_breaker_open\{provider="first",model="first-model"\} 1/);
    // The skip is counted from the request's usage row, written as the answer ends: poll briefly.
    let skips = metrics.text;
    for (
      let i = 0;
      i < 40 && !/gw_upstream_breaker_skips_total\{provider="first",model="first-model"\} 1/.test(skips);
      i++
    ) {
      await sleep(50);
      skips = (await admin(gw.admin, '/metrics')).text;
    }
    assert.match(skips, /gw_upstream_breaker_skips_total\{provider="first",model="first-model"\} 1/);

    const cli = await runGw(['status', '--server', gw.admin], { env: { GW_ADMIN_KEY: ADMIN_KEY } });
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /circuit breakers/);
    assert.match(cli.stdout, /first\s+first-model\s+(open|half-open)\s+2/);

    // The first target recovers; once the cooldown is over one probe goes and closes the breaker.
    firstUp = true;
    const wait = Date.parse(breakers[0]?.reopensAt ?? '') - Date.now();
    if (wait > 0) await sleep(wait + 20);
    assert.equal(await chat(gw.proxy), 200);
    assert.equal(first.requests.length, 3, 'exactly one probe');
    assert.equal(second.requests.length, 3, 'the probe answered');
    assert.equal(await chat(gw.proxy), 200);
    assert.equal(first.requests.length, 4, 'closed: the first target serves again');
    const closed = await admin(gw.admin, '/admin/v1/status');
    assert.deepEqual(closed.body['breakers'], []);
    assert.doesNotMatch(
      (await admin(gw.admin, '/metrics')).text,
      /gw_upstream_breaker_open\{provider="first",model="first-model"\} 1/,
    );
  },
);
