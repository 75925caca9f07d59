// The control plane through real `gw serve` processes: admin key, apply (as written, new
// routing), stale ifRevision, invalid apply, rollback, SIGHUP, the revision list, /metrics, and
// a restart with no manifests in gateway.yaml that comes back on the last revision.
// Needs `npm run build` (bin/gw runs dist/).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runGw } from '../helpers/gw.js';
import { startUpstream, type FakeUpstream } from '../serve/helpers.js';
import {
  ADMIN_KEY,
  UPSTREAM_SECRET,
  admin,
  chat,
  freePort,
  gatewayYaml,
  manifestsYaml,
  startGw,
  waitForLine,
  type RunningGw,
} from './helpers.js';

const skip = !existsSync('dist/cli/main.js') && 'run npm run build first';

describe('gw serve control plane', { skip }, () => {
  let up: FakeUpstream;
  let dir: string;
  let gw: RunningGw;
  let proxyPort: number;
  let adminPort: number;

  const lastUpstreamModel = (): unknown => up.requests.at(-1)?.body['model'];
  const docs = (yaml: string): unknown[] => parseAllDocuments(yaml).map((d) => d.toJS() as unknown);
  /** A chat request must reach the upstream with this model: it proves which routing serves. */
  const expectRouting = async (model: string): Promise<void> => {
    const r = await chat(gw.proxy);
    assert.equal(r.status, 200);
    assert.equal(lastUpstreamModel(), model);
  };

  before(async () => {
    up = await startUpstream();
    dir = await mkdtemp(join(tmpdir(), 'gw-c1-'));
    [proxyPort, adminPort] = [await freePort(), await freePort()];
    await mkdir(join(dir, 'manifests'));
    await writeFile(join(dir, 'manifests', 'all.yaml'), manifestsYaml(up.url, 'up-one'));
    await writeFile(join(dir, 'gateway.yaml'), gatewayYaml({ proxyPort, adminListen: `127.0.0.1:${adminPort}` }));
    gw = await startGw(dir, { proxyPort, adminPort });
  });
  after(async () => {
    await gw?.stop();
    await up.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('starts from the files and records revision 1 (source start)', async () => {
    assert.match(gw.line, new RegExp(`admin on http://127\\.0\\.0\\.1:${adminPort}`));
    const cfg = await admin(gw.admin, '/admin/v1/config');
    assert.equal(cfg.status, 200);
    assert.equal(cfg.body['revision'], 1);
    assert.equal(cfg.body['source'], 'start');
    await expectRouting('up-one');
    // The reference was resolved for the upstream, never for the admin API.
    assert.equal(up.requests.at(-1)?.headers['authorization'], `Bearer ${UPSTREAM_SECRET}`);
    assert.ok(cfg.text.includes('${env:GW_C1_UPSTREAM_KEY}'));
    assert.ok(!cfg.text.includes(UPSTREAM_SECRET));
  });

  test('no key, a wrong key of the same length and of another length: the same 401', async () => {
    const none = await admin(gw.admin, '/admin/v1/config', { key: null });
    const sameLength = await admin(gw.admin, '/admin/v1/config', { key: 'x'.repeat(ADMIN_KEY.length) });
    const otherLength = await admin(gw.admin, '/admin/v1/config', { key: 'short' });
    const metrics = await admin(gw.admin, '/metrics', { key: null });
    for (const r of [none, sameLength, otherLength, metrics]) {
      assert.equal(r.status, 401);
      assert.deepEqual(r.body, none.body);
    }
    assert.deepEqual((none.body['error'] as Record<string, unknown>)['code'], 'GW_ERR_ADMIN_AUTH');
    assert.equal((none.body['error'] as Record<string, unknown>)['type'], 'authentication_error');
  });

  test('apply: the config shows the manifests as written and requests take the new routing', async () => {
    const manifests = docs(manifestsYaml(up.url, 'up-two'));
    const r = await admin(gw.admin, '/admin/v1/apply', { body: { manifests, ifRevision: 1 } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body['applied'], true);
    assert.equal(r.body['revision'], 2);
    const plan = r.body['plan'] as { summary: Record<string, number>; changes: { op: string; name: string }[] };
    assert.deepEqual(plan.summary, { create: 0, update: 1, delete: 0, unchanged: 2 });
    assert.equal(plan.changes[0]?.name, 'support');
    const cfg = await admin(gw.admin, '/admin/v1/config');
    assert.equal(cfg.body['revision'], 2);
    assert.equal(cfg.body['source'], 'apply');
    assert.deepEqual(cfg.body['manifests'], manifests);
    assert.ok(!cfg.text.includes(UPSTREAM_SECRET));
    await expectRouting('up-two');
  });

  test('apply with a stale ifRevision: 409 and nothing changes', async () => {
    const r = await admin(gw.admin, '/admin/v1/apply', {
      body: { manifests: docs(manifestsYaml(up.url, 'up-stale')), ifRevision: 1 },
    });
    assert.equal(r.status, 409);
    assert.equal((r.body['error'] as Record<string, unknown>)['code'], 'GW_ERR_REVISION_CONFLICT');
    assert.equal(r.body['currentRevision'], 2);
    await expectRouting('up-two');
    assert.equal((await admin(gw.admin, '/admin/v1/config')).body['revision'], 2);
  });

  test('an invalid apply: 422 with located diagnostics and nothing changes', async () => {
    const manifests = docs(manifestsYaml(up.url, 'up-bad').replace('provider: up,', 'provider: nowhere,'));
    const r = await admin(gw.admin, '/admin/v1/apply', { body: { manifests } });
    assert.equal(r.status, 422, r.text);
    assert.equal((r.body['error'] as Record<string, unknown>)['code'], 'GW_ERR_CONFIG_INVALID');
    const diags = r.body['diagnostics'] as { code: string; file: string; line: number }[];
    const unknown = diags.find((d) => d.code === 'GW_ERR_REF_UNKNOWN_PROVIDER');
    assert.ok(unknown, JSON.stringify(diags));
    assert.equal(unknown.file, 'apply[1]');
    assert.ok(unknown.line > 0);
    await expectRouting('up-two');
    assert.equal((await admin(gw.admin, '/admin/v1/config')).body['revision'], 2);
  });

  test('a dry run and an unchanged apply record nothing', async () => {
    const dry = await admin(gw.admin, '/admin/v1/apply', {
      body: { manifests: docs(manifestsYaml(up.url, 'up-dry')), dryRun: true },
    });
    assert.equal(dry.status, 200);
    assert.equal(dry.body['applied'], false);
    assert.equal(dry.body['revision'], 2);
    const same = await admin(gw.admin, '/admin/v1/apply', {
      body: { manifests: docs(manifestsYaml(up.url, 'up-two')) },
    });
    assert.equal(same.body['applied'], false);
    await expectRouting('up-two');
  });

  test('rollback re-applies the previous revision as a new one', async () => {
    const r = await admin(gw.admin, '/admin/v1/rollback', { body: {} });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body['revision'], 3);
    assert.equal(r.body['rolledBackTo'], 1);
    await expectRouting('up-one');
    const missing = await admin(gw.admin, '/admin/v1/rollback', { body: { revision: 99 } });
    assert.equal(missing.status, 404);
    assert.equal((missing.body['error'] as Record<string, unknown>)['code'], 'GW_ERR_REVISION_NOT_FOUND');
  });

  test('SIGHUP reloads the files as a new revision; the list grows with sources', async () => {
    await writeFile(join(dir, 'manifests', 'all.yaml'), manifestsYaml(up.url, 'up-three'));
    const reloaded = waitForLine(gw.child, /"source":"sighup".*configuration reloaded/);
    gw.child.kill('SIGHUP');
    await reloaded;
    await expectRouting('up-three');
    const list = await admin(gw.admin, '/admin/v1/revisions');
    const revisions = list.body['revisions'] as {
      number: number;
      source: string;
      resources: number;
      appliedAt: string;
    }[];
    assert.deepEqual(
      revisions.map((x) => [x.number, x.source]),
      [
        [4, 'sighup'],
        [3, 'rollback'],
        [2, 'apply'],
        [1, 'start'],
      ],
    );
    assert.equal(revisions[0]?.resources, 3);
    assert.ok(!Number.isNaN(Date.parse(revisions[0]?.appliedAt ?? '')));
    assert.equal(((await admin(gw.admin, '/admin/v1/revisions?limit=1')).body['revisions'] as unknown[]).length, 1);
  });

  test('/metrics counts requests and shows the revision; status and requests see them', async () => {
    const m = await admin(gw.admin, '/metrics');
    assert.equal(m.status, 200);
    assert.match(m.text, /gw_requests_total\{route="openai\.chat",endpoint="support",status="200"\} \d+/);
    assert.match(m.text, /gw_upstream_attempts_total\{provider="up",outcome="ok"\} \d+/);
    assert.match(m.text, /^gw_config_revision 4$/m);
    assert.match(m.text, /gw_config_reload_failures_total\{source="apply"\} 1/);
    const status = await admin(gw.admin, '/admin/v1/status');
    assert.equal(status.body['revision'], 4);
    const support = (status.body['endpoints'] as { name: string; requests: number; errors: number }[]).find(
      (e) => e.name === 'support',
    );
    assert.ok(support !== undefined && support.requests >= 6 && support.errors === 0, JSON.stringify(status.body));
    const reqs = await admin(gw.admin, '/admin/v1/requests?endpoint=support&limit=2');
    assert.equal((reqs.body['requests'] as unknown[]).length, 2);
    const usage = await admin(gw.admin, '/admin/v1/usage?since=1h&by=endpoint');
    assert.ok(
      (usage.body['rows'] as { group: string }[]).some((r) => r.group === 'support'),
      usage.text,
    );
    const wrong = await admin(gw.admin, '/admin/v1/usage?by=colour');
    assert.equal(wrong.status, 400);
    assert.equal((wrong.body['error'] as Record<string, unknown>)['code'], 'GW_ERR_BAD_REQUEST');
  });

  test('with no manifests in gateway.yaml a restart serves the last revision', async () => {
    assert.equal(await gw.stop(), 0, gw.stderr());
    await writeFile(
      join(dir, 'gateway.yaml'),
      gatewayYaml({ proxyPort, adminListen: `127.0.0.1:${adminPort}`, manifests: false }),
    );
    gw = await startGw(dir, { proxyPort, adminPort });
    assert.match(gw.line, /revision 4/);
    await expectRouting('up-three');
    const cfg = await admin(gw.admin, '/admin/v1/config');
    assert.equal(cfg.body['revision'], 4);
    // Nothing new recorded for serving an existing revision.
    assert.equal(((await admin(gw.admin, '/admin/v1/revisions')).body['revisions'] as unknown[]).length, 4);
  });
});

test('no admin key and a non-loopback admin address: serve refuses to start', { skip }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gw-c1-open-'));
  try {
    const proxyPort = await freePort();
    await mkdir(join(dir, 'manifests'));
    await writeFile(join(dir, 'manifests', 'all.yaml'), manifestsYaml('http://127.0.0.1:9', 'm'));
    await writeFile(join(dir, 'gateway.yaml'), gatewayYaml({ proxyPort, adminListen: '0.0.0.0:3999', key: false }));
    const r = await runServe(dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no admin key is set.*loopback/);
    assert.match(r.stderr, /GW_ERR_ADMIN_LISTEN/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

async function runServe(dir: string): Promise<{ code: number | null; stderr: string }> {
  const r = await runGw(['serve', '-c', 'gateway.yaml'], {
    cwd: dir,
    env: { GW_ADMIN_KEY: undefined, GW_C1_UPSTREAM_KEY: 'x' },
    timeoutMs: 20_000,
  });
  return { code: r.code, stderr: r.stderr };
}

test('no manifests and no revision: health checks only until the first apply', { skip }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gw-c1-empty-'));
  const up = await startUpstream();
  let gw: RunningGw | undefined;
  try {
    const [proxyPort, adminPort] = [await freePort(), await freePort()];
    await writeFile(
      join(dir, 'gateway.yaml'),
      gatewayYaml({ proxyPort, adminListen: `127.0.0.1:${adminPort}`, manifests: false }),
    );
    gw = await startGw(dir, { proxyPort, adminPort });
    assert.match(gw.line, /no configuration yet/);
    assert.equal((await fetch(`${gw.proxy}/readyz`)).status, 503);
    const cfg = await admin(gw.admin, '/admin/v1/config');
    assert.deepEqual(cfg.body, { revision: null, hash: null, source: null, appliedAt: null, manifests: [] });
    // A SIGHUP has nothing to load: still not ready.
    const hup = waitForLine(gw.child, /nothing to reload/);
    gw.child.kill('SIGHUP');
    await hup;
    assert.equal((await fetch(`${gw.proxy}/readyz`)).status, 503);
    const manifests = parseAllDocuments(manifestsYaml(up.url, 'up-first')).map((d) => d.toJS() as unknown);
    const r = await admin(gw.admin, '/admin/v1/apply', { body: { manifests, ifRevision: 0 } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body['revision'], 1);
    assert.equal((await fetch(`${gw.proxy}/readyz`)).status, 200);
    assert.equal((await chat(gw.proxy)).status, 200);
    assert.equal(up.requests.at(-1)?.body['model'], 'up-first');
  } finally {
    await gw?.stop();
    await up.close();
    await rm(dir, { recursive: true, force: true });
  }
});
