// `gw route --server`: the real binary asks a real `gw serve` how a key's request would be
// routed and what each rate limit and budget that would apply has left after real traffic.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGw } from '../helpers/gw.js';
import { startUpstream, echoHandler, type FakeUpstream } from '../serve/helpers.js';
import { ADMIN_KEY, CALLER_KEY, freePort, gatewayYaml, sha, startGw, type RunningGw } from '../admin/helpers.js';

function manifests(url: string): string {
  return `apiVersion: gw/v1
kind: Provider
metadata: { name: up }
spec:
  type: openai
  baseUrl: ${url}/v1
  auth: { none: true }
  models:
    up-one: { inputPer1k: 1, outputPer1k: 2 }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: support }
spec:
  type: chat
  routing: { targets: [ { provider: up, models: { fast: up-one } } ] }
  limits: { rpm: 10, tpm: 5000, monthlyBudgetUsd: 5 }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: open }
spec:
  type: chat
  routing: { targets: [ { provider: up, models: { free: up-one } } ] }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: app }
spec: { keyHash: "${sha(CALLER_KEY)}", roles: [editor], scopes: [chat], limits: { rpm: 3 } }
`;
}

let up: FakeUpstream;
let gw: RunningGw;
let work: string;

before(async () => {
  up = await startUpstream(echoHandler);
  work = await mkdtemp(join(tmpdir(), 'gw-route-live-'));
  const [proxyPort, adminPort] = [await freePort(), await freePort()];
  await mkdir(join(work, 'manifests'));
  await writeFile(join(work, 'manifests', 'all.yaml'), manifests(up.url));
  await writeFile(join(work, 'gateway.yaml'), gatewayYaml({ proxyPort, adminListen: `127.0.0.1:${adminPort}` }));
  gw = await startGw(work, { proxyPort, adminPort });
});

after(async () => {
  await gw?.stop();
  await up?.close();
  await rm(work, { recursive: true, force: true });
});

async function send(model: string): Promise<number> {
  const res = await fetch(`${gw.proxy}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CALLER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }], max_tokens: 10 }),
  });
  await res.arrayBuffer();
  return res.status;
}

interface Live {
  allowed: boolean;
  live: {
    limits: { subject: string; name: string; kind: string; limit: number; remaining: number; resetMs: number }[];
    budgets: {
      subject: string;
      name: string;
      budgetUsd: number;
      spentUsd: number;
      heldUsd: number;
      remainingUsd: number;
    }[];
  };
}

const route = (model: string, ...extra: string[]) =>
  runGw(['route', '--server', gw.admin, '--key', CALLER_KEY, '--model', model, ...extra], {
    env: { GW_ADMIN_KEY: ADMIN_KEY },
  });

test('gw route --server shows each limit and budget that would apply with what it has left now', async () => {
  const before = JSON.parse((await route('fast', '-o', 'json')).stdout) as Live;
  assert.deepEqual(
    before.live.limits.map((l) => [l.subject, l.name, l.kind, l.limit, l.remaining]),
    [
      ['key', 'app', 'rpm', 3, 3],
      ['endpoint', 'support', 'rpm', 10, 10],
      ['endpoint', 'support', 'tpm', 5000, 5000],
    ],
  );
  assert.deepEqual(before.live.budgets[0]?.spentUsd, 0);

  assert.deepEqual([await send('fast'), await send('fast')], [200, 200]);
  const r = await route('fast', '-o', 'json');
  assert.equal(r.code, 0, r.stderr);
  const x = JSON.parse(r.stdout) as Live;
  assert.equal(x.allowed, true);
  const left = Object.fromEntries(x.live.limits.map((l) => [`${l.subject} ${l.kind}`, l.remaining]));
  assert.equal(left['key rpm'], 1);
  assert.equal(left['endpoint rpm'], 8);
  assert.ok((left['endpoint tpm'] ?? 5000) < 5000, 'the tokens the two requests used are counted');
  for (const l of x.live.limits)
    assert.ok(l.resetMs > 0 && l.resetMs <= 60_000, 'the oldest entry leaves within a minute');
  const b = x.live.budgets[0];
  assert.ok(b !== undefined && b.subject === 'endpoint' && b.name === 'support' && b.budgetUsd === 5);
  assert.ok(b.spentUsd > 0, 'the spend of the two requests counts');
  assert.equal(b.remainingUsd, Math.max(0, 5 - b.spentUsd - b.heldUsd));

  const pretty = await route('fast');
  assert.equal(pretty.code, 0, pretty.stderr);
  assert.match(pretty.stdout, /now \(the running gateway\)/);
  assert.match(pretty.stdout, /key app +rpm 3 +1 requests +oldest leaves in (\d+s|1m0s)/);
  assert.match(pretty.stdout, /endpoint support +budget \$5\.00\/month +\$4\.\d\d +spent \$0\.\d+ in \d{4}-\d\d/);
});

test('gw route --server: no limit on the endpoint or key → says so; unknown key → refused, exit 1', async () => {
  const open = await route('free');
  assert.equal(open.code, 0, open.stderr);
  // The key's own rpm still applies on every endpoint.
  assert.match(open.stdout, /key app +rpm 3/);
  const unknown = await runGw(['route', '--server', gw.admin, '--key', 'nope', '--model', 'fast'], {
    env: { GW_ADMIN_KEY: ADMIN_KEY },
  });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stdout, /refused: 401 GW_ERR_/);
  assert.doesNotMatch(unknown.stdout, /now \(the running gateway\)/);
});

test('gw route --server without the admin key → the admin API refusal, exit 1', async () => {
  const r = await runGw(['route', '--server', gw.admin, '--key', CALLER_KEY, '--model', 'fast'], {
    env: { GW_ADMIN_KEY: '' },
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /gw route: GW_ERR_\w+: .*requires an admin key \(401\)/);
});
