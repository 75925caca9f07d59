// `gw status` against a fake admin API: a row per endpoint (RPS, p95, error rate, requests,
// 429 and 422 refusals, last error), the JSON as the API sends it, and the admin address taken from gateway.yaml.
// Then against a real `gw serve` after a burst of requests: the figures come from the usage
// log's per-minute roll-up and must match what the callers saw.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderStatus } from '../../src/cli/render/status.js';
import type { StatusResponse } from '../../src/cli/admin-client.js';
import { runGw } from '../helpers/gw.js';
import { startFakeAdmin, type FakeAdmin } from './control-helpers.js';
import { startUpstream, echoHandler } from '../serve/helpers.js';
import { ADMIN_KEY, CALLER_KEY, admin, freePort, gatewayYaml, manifestsYaml, startGw } from '../admin/helpers.js';

const STATUS: StatusResponse = {
  revision: 4,
  hash: 'sha256:0123456789abcdef0123',
  uptimeS: 3725,
  endpoints: [
    {
      workspace: 'default',
      name: 'support-bot',
      rps: 1.5,
      p95Ms: 212.4,
      errorRate: 0.025,
      requests: 5400,
      errors: 135,
      limited: 12,
      refused: 3,
      lastError: { code: 'GW_ERR_UPSTREAM_TIMEOUT', at: '2026-01-02T03:04:05.000Z' },
    },
    { workspace: 'slug-demo', name: 'bot', rps: 0, p95Ms: null, errorRate: 0, requests: 0, errors: 0, lastError: null },
  ],
};

let fake: FakeAdmin;
let dir: string;
before(async () => {
  fake = await startFakeAdmin();
  fake.status = STATUS;
  dir = await mkdtemp(join(tmpdir(), 'gw-status-'));
});
after(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

test('the status table: one aligned row per endpoint, "-" where there is no traffic', () => {
  assert.equal(
    renderStatus(STATUS, 'http://127.0.0.1:3001'),
    [
      'http://127.0.0.1:3001: revision 4 (0123456789ab), up 1h2m; last hour per endpoint',
      'ENDPOINT        RPS    P95  ERRORS  REQUESTS  429  422  LAST ERROR',
      'support-bot    1.50  212ms    2.5%      5400   12    3  GW_ERR_UPSTREAM_TIMEOUT at 2026-01-02T03:04:05.000Z',
      'slug-demo/bot     0      -       -         0    -    -  -',
      '',
    ].join('\n'),
  );
});

test('open and half-open circuit breakers are listed under the table; closed ones are not', () => {
  const out = renderStatus(
    {
      ...STATUS,
      endpoints: [],
      breakers: [
        {
          provider: 'openai',
          workspace: 'default',
          model: 'gpt-4o',
          state: 'open',
          failures: 5,
          reopensAt: '2026-01-02T03:04:35.000Z',
        },
        {
          provider: 'local',
          workspace: 'lab',
          model: 'llama',
          state: 'half-open',
          failures: 7,
          reopensAt: '2026-01-02T03:04:00.000Z',
        },
        { provider: 'other', workspace: 'default', model: 'm', state: 'closed', failures: 1, reopensAt: null },
      ],
    },
    'http://127.0.0.1:3001',
  );
  assert.equal(
    out,
    [
      'http://127.0.0.1:3001: revision 4 (0123456789ab), up 1h2m; last hour per endpoint',
      'no endpoints',
      '',
      'circuit breakers (targets skipped until their probe)',
      'PROVIDER   MODEL   BREAKER    FAILURES  PROBE AT',
      'openai     gpt-4o  open              5  2026-01-02T03:04:35.000Z',
      'lab/local  llama   half-open         7  2026-01-02T03:04:00.000Z',
      '',
    ].join('\n'),
  );
});

const skip = !existsSync('dist/cli/main.js') && 'run npm run build first';

test('gw status reads admin.listen from gateway.yaml; --output json prints the API answer', { skip }, async () => {
  const port = new URL(fake.url).port;
  await writeFile(
    join(dir, 'gateway.yaml'),
    `apiVersion: gw/v1\nkind: Gateway\nmetadata: { name: status-test }\nspec:\n  admin: { listen: "127.0.0.1:${port}" }\n`,
  );
  const r = await runGw(['status'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^http:\/\/127\.0\.0\.1:\d+: revision 4/);
  assert.match(r.stdout, /support-bot +1\.50 +212ms +2\.5% +5400 +12 +3 +GW_ERR_UPSTREAM_TIMEOUT/);
  const j = await runGw(['status', '--output', 'json'], { cwd: dir });
  assert.deepEqual(JSON.parse(j.stdout), STATUS);
});

test('gw status with nothing listening → exit 1, "cannot reach the gateway at URL"', { skip }, async () => {
  const other = await startFakeAdmin();
  const url = other.url;
  await other.close();
  const r = await runGw(['status', '--server', url]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    new RegExp(
      `cannot reach the gateway at ${url.replace(/\./g, '\\.')} \\(connection refused\\); is \`gw serve\` running there\\?`,
    ),
  );
});

test(
  'a real gw serve: after a burst of requests, /admin/v1/status and gw status count them right',
  { skip },
  async () => {
    // Requests saying "fail" get a 500 from the upstream; the rest an answer.
    const up = await startUpstream((r, res, req) => {
      if (JSON.stringify(r.body).includes('fail')) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'boom', type: 'server_error' } }));
      } else echoHandler(r, res, req);
    });
    const work = await mkdtemp(join(tmpdir(), 'gw-status-live-'));
    const [proxyPort, adminPort] = [await freePort(), await freePort()];
    await mkdir(join(work, 'manifests'));
    // A second endpoint with limits, for the 429 and 422 columns.
    const capped = `---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: capped }
spec:
  type: chat
  limits: { rpm: 2, maxInputTokens: 20 }
  routing: { targets: [ { provider: up, models: { slow: up-one } } ] }
`;
    await writeFile(join(work, 'manifests', 'all.yaml'), manifestsYaml(up.url, 'up-one') + capped);
    await writeFile(join(work, 'gateway.yaml'), gatewayYaml({ proxyPort, adminListen: `127.0.0.1:${adminPort}` }));
    const gw = await startGw(work, { proxyPort, adminPort });
    try {
      const send = async (content: string, model = 'fast'): Promise<number> => {
        const res = await fetch(`${gw.proxy}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${CALLER_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
        });
        await res.arrayBuffer();
        return res.status;
      };
      const statuses = await Promise.all(
        Array.from({ length: 60 }, (_, i) => send(i % 10 === 0 ? 'fail' : `hello ${i}`)),
      );
      const errors = statuses.filter((s) => s >= 400).length;
      assert.equal(errors, 6, JSON.stringify(statuses));

      const r = await admin(gw.admin, '/admin/v1/status');
      assert.equal(r.status, 200, r.text);
      const support = (
        r.body['endpoints'] as {
          name: string;
          requests: number;
          errors: number;
          errorRate: number;
          rps: number;
          p95Ms: number;
          lastError: { code: string; at: string } | null;
        }[]
      ).find((e) => e.name === 'support');
      assert.ok(support !== undefined, r.text);
      assert.equal(support.requests, 60);
      assert.equal(support.errors, 6);
      assert.equal(support.errorRate, 0.1);
      assert.equal(support.rps, Math.round((60 / 3600) * 1e4) / 1e4);
      assert.ok(support.p95Ms > 0);
      assert.match(support.lastError?.code ?? '', /^(GW_ERR_|HTTP_5)/);
      assert.ok(
        Math.abs(Date.parse(support.lastError?.at ?? '') - Date.now()) < 600_000,
        'the last error is from this burst',
      );

      const usage = await admin(gw.admin, '/admin/v1/usage?since=1h&by=key');
      assert.deepEqual(
        (usage.body['rows'] as { group: string; requests: number; errors: number }[]).map((g) => [
          g.group,
          g.requests,
          g.errors,
        ]),
        [['app', 60, 6]],
      );
      const recent = await admin(gw.admin, '/admin/v1/requests?endpoint=support&limit=3');
      assert.equal((recent.body['requests'] as unknown[]).length, 3);
      assert.equal((await admin(gw.admin, '/admin/v1/requests?limit=5000')).status, 400, 'the limit is capped');

      // On `capped` (rpm 2, cap 20 tokens): over the cap → 422 (it took a slot), fits → 200, then 429.
      const refusals = [];
      for (const content of ['x'.repeat(400), 'hi', 'hi']) refusals.push(await send(content, 'slow'));
      assert.deepEqual(refusals, [422, 200, 429]);

      const cli = await runGw(['status', '--server', gw.admin, '-o', 'json'], { env: { GW_ADMIN_KEY: ADMIN_KEY } });
      assert.equal(cli.code, 0, cli.stderr);
      type Row = { name: string; requests: number; errors: number; limited: number; refused: number };
      const rows = (JSON.parse(cli.stdout) as { endpoints: Row[] }).endpoints;
      const counts = (name: string): unknown[] => {
        const e = rows.find((x) => x.name === name);
        return [e?.requests, e?.errors, e?.limited, e?.refused];
      };
      assert.deepEqual(counts('support'), [60, 6, 0, 0]);
      assert.deepEqual(counts('capped'), [3, 2, 1, 1]);
      const pretty = await runGw(['status', '--server', gw.admin], { env: { GW_ADMIN_KEY: ADMIN_KEY } });
      assert.match(pretty.stdout, /ENDPOINT .*REQUESTS\s+429\s+422\s+LAST ERROR/);
      assert.match(pretty.stdout, /\ncapped .* 3\s+1\s+1\s+GW_ERR_RATE_LIMITED at /);
    } finally {
      await gw.stop();
      await up.close();
      await rm(work, { recursive: true, force: true });
    }
  },
);
