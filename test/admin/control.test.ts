// The control plane in process: concurrent applies against one revision (one wins, the other
// is refused), a failing revision write changes nothing, and the metrics follow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ControlPlane } from '../../src/admin/control.js';
import type { RoutingTable } from '../../src/compile/routing-table.js';
import { buildFromManifests } from '../../src/config/from-manifests.js';
import type { Manifest } from '../../src/manifest/types.js';
import { RevisionStore } from '../../src/state/revisions.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { createMetrics } from '../../src/telemetry/metrics.js';

const endpoint = (model: string): Manifest[] =>
  [
    { apiVersion: 'gw/v1', kind: 'Provider', metadata: { name: 'mock' }, spec: { type: 'mock' } },
    {
      apiVersion: 'gw/v1',
      kind: 'Endpoint',
      metadata: { name: 'bot' },
      spec: { type: 'chat', routing: { targets: [{ provider: 'mock', models: { fast: model } }] } },
    },
  ] as Manifest[];

function setup(): {
  control: ControlPlane;
  store: RevisionStore;
  served: RoutingTable[];
  metrics: ReturnType<typeof createMetrics>;
} {
  const store = RevisionStore.open(':memory:');
  const served: RoutingTable[] = [];
  const metrics = createMetrics({ processMetrics: false });
  const control = new ControlPlane({
    store,
    swap: (t) => served.push(t),
    build: (m, label) => buildFromManifests(m, { gateway: undefined, configPath: undefined }, { label }),
    logger: createLogger({ level: 'silent' }),
    metrics,
  });
  return { control, store, served, metrics };
}

test('two applies planned against the same revision: one is applied, the other gets a conflict', async () => {
  const { control, served } = setup();
  const first = await control.apply({ manifests: endpoint('m0') });
  assert.equal(first.kind === 'done' && first.revision, 1);
  const [a, b] = await Promise.all([
    control.apply({ manifests: endpoint('m1'), ifRevision: 1 }),
    control.apply({ manifests: endpoint('m2'), ifRevision: 1 }),
  ]);
  assert.equal(a.kind, 'done');
  assert.deepEqual(b, { kind: 'conflict', currentRevision: 2 });
  assert.equal(served.length, 2);
  assert.equal(control.current?.number, 2);
  assert.deepEqual(control.current?.manifests, endpoint('m1'));
});

test('ifRevision 0 means "nothing applied yet"', async () => {
  const { control } = setup();
  assert.equal((await control.apply({ manifests: endpoint('m0'), ifRevision: 0 })).kind, 'done');
  assert.equal((await control.apply({ manifests: endpoint('m1'), ifRevision: 0 })).kind, 'conflict');
});

test('a fleet apply of a revision this instance recorded already serves that revision again, under its number', async () => {
  // As after a Redis outage: this instance applied m1 (revision 2) alone, the fleet then handed
  // it revision 1 back (m0), and then its own revision 2.
  const { control, store, served } = setup();
  await control.apply({ manifests: endpoint('m0') });
  await control.apply({ manifests: endpoint('m1') });
  const back = await control.apply({ manifests: endpoint('m0'), source: 'fleet/redis', revision: 1 });
  assert.equal(back.kind === 'done' && back.revision, 1);
  const again = await control.apply({ manifests: endpoint('m1'), source: 'fleet/redis', revision: 2 });
  assert.equal(again.kind === 'done' && again.revision, 2);
  assert.equal(control.current?.number, 2);
  assert.deepEqual(control.current?.manifests, endpoint('m1'));
  assert.equal(served.length, 4, 'each apply swapped the table');
  assert.deepEqual(
    store.list().map((r) => r.number),
    [2, 1],
    'no revision recorded twice under new numbers',
  );
  // A number this instance holds with other content is not reused: the next free one is taken.
  const other = await control.apply({ manifests: endpoint('m2'), source: 'fleet/redis', revision: 1 });
  assert.equal(other.kind === 'done' && other.revision, 3);
});

test('when the revision cannot be recorded, the apply fails and the old table keeps serving', async () => {
  const { control, store, served } = setup();
  await control.apply({ manifests: endpoint('m0') });
  store.close();
  await assert.rejects(control.apply({ manifests: endpoint('m1') }));
  assert.equal(served.length, 1);
  assert.equal(control.current?.number, 1);
});

test('metrics: the revision gauge and refused changes', async () => {
  const { control, metrics } = setup();
  await control.apply({ manifests: endpoint('m0') });
  const bad = await control.apply({ manifests: [{ kind: 'Endpoint' }] });
  assert.equal(bad.kind, 'invalid');
  const text = await metrics.text();
  assert.match(text, /^gw_config_revision 1$/m);
  assert.match(text, /^gw_config_reload_failures_total\{source="apply"\} 1$/m);
});

test('metrics: one usage row counts the request, its attempts, the fallback, tokens and cost', async () => {
  const metrics = createMetrics({ processMetrics: false });
  metrics.observe({
    ts: Date.now(),
    requestId: 'r',
    workspace: 'default',
    endpoint: 'bot',
    status: 200,
    latencyMs: 120,
    ttfbMs: 40,
    route: 'openai.chat',
    attempts: [
      { provider: 'a', model: 'x', status: 503, error: '5xx', ms: 10 },
      { provider: 'b', model: 'y', status: 200, error: null, ms: 100 },
    ],
    tokensIn: 11,
    tokensOut: 7,
    costUsd: 0.5,
  });
  const text = await metrics.text();
  assert.match(text, /^gw_requests_total\{route="openai.chat",endpoint="bot",status="200"\} 1$/m);
  assert.match(text, /^gw_upstream_attempts_total\{provider="a",outcome="5xx"\} 1$/m);
  assert.match(text, /^gw_upstream_attempts_total\{provider="b",outcome="ok"\} 1$/m);
  assert.match(text, /^gw_upstream_fallbacks_total\{endpoint="bot"\} 1$/m);
  assert.match(text, /^gw_tokens_total\{endpoint="bot",direction="in"\} 11$/m);
  assert.match(text, /^gw_cost_usd_total\{endpoint="bot"\} 0.5$/m);
  assert.match(text, /^gw_request_ttfb_seconds_count\{route="openai.chat",endpoint="bot"\} 1$/m);
});
