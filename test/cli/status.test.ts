// `gw status` against a fake admin API: a row per endpoint (RPS, p95, error rate, requests,
// last error), the JSON as the API sends it, and the admin address taken from gateway.yaml.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderStatus } from '../../src/cli/render/status.js';
import type { StatusResponse } from '../../src/cli/admin-client.js';
import { runGw } from '../helpers/gw.js';
import { startFakeAdmin, type FakeAdmin } from './control-helpers.js';

const STATUS: StatusResponse = {
  revision: 4,
  hash: 'sha256:0123456789abcdef0123',
  uptimeS: 3725,
  endpoints: [
    { workspace: 'default', name: 'support-bot', rps: 1.5, p95Ms: 212.4, errorRate: 0.025, requests: 5400, errors: 135, lastError: { code: 'GW_ERR_UPSTREAM_TIMEOUT', at: '2026-01-02T03:04:05.000Z' } },
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
      'ENDPOINT        RPS    P95  ERRORS  REQUESTS  LAST ERROR',
      'support-bot    1.50  212ms    2.5%      5400  GW_ERR_UPSTREAM_TIMEOUT at 2026-01-02T03:04:05.000Z',
      'slug-demo/bot     0      -       -         0  -',
      '',
    ].join('\n'),
  );
});

test('open and half-open circuit breakers are listed under the table; closed ones are not', () => {
  const out = renderStatus({
    ...STATUS,
    endpoints: [],
    breakers: [
      { provider: 'openai', workspace: 'default', model: 'gpt-4o', state: 'open', failures: 5, reopensAt: '2026-01-02T03:04:35.000Z' },
      { provider: 'local', workspace: 'lab', model: 'llama', state: 'half-open', failures: 7, reopensAt: '2026-01-02T03:04:00.000Z' },
      { provider: 'other', workspace: 'default', model: 'm', state: 'closed', failures: 1, reopensAt: null },
    ],
  }, 'http://127.0.0.1:3001');
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
  await writeFile(join(dir, 'gateway.yaml'), `apiVersion: gw/v1\nkind: Gateway\nmetadata: { name: status-test }\nspec:\n  admin: { listen: "127.0.0.1:${port}" }\n`);
  const r = await runGw(['status'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^http:\/\/127\.0\.0\.1:\d+: revision 4/);
  assert.match(r.stdout, /support-bot +1\.50 +212ms +2\.5% +5400 +GW_ERR_UPSTREAM_TIMEOUT/);
  const j = await runGw(['status', '--output', 'json'], { cwd: dir });
  assert.deepEqual(JSON.parse(j.stdout), STATUS);
});

test('gw status with nothing listening → exit 1, "cannot reach the gateway at URL"', { skip }, async () => {
  const other = await startFakeAdmin();
  const url = other.url;
  await other.close();
  const r = await runGw(['status', '--server', url]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`cannot reach the gateway at ${url.replace(/\./g, '\\.')} \\(connection refused\\); is \`gw serve\` running there\\?`));
});
