// The pure routing decision behind `gw route`, in process: the same codes the server answers
// for each key state, role, allow list and model name, and the route explanation's shape.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RoutingTable } from '../../src/compile/routing-table.js';
import { decideChatRoute, keyAccess, resolveModel } from '../../src/ops/access-decision.js';
import { buildOffline } from '../../src/ops/offline-config.js';
import { explainRoute } from '../../src/ops/route-explain.js';
import { KEYS, MANIFESTS } from '../cli/route-fixture.js';

const hex = (s: string): string => createHash('sha256').update(s).digest('hex');
const NOW = Date.parse('2026-06-01T00:00:00Z');

describe('access decision', () => {
  let dir: string;
  let table: RoutingTable;
  let placeholders: readonly string[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-access-'));
    await writeFile(join(dir, 'm.yaml'), MANIFESTS);
    const built = await buildOffline({ files: [join(dir, 'm.yaml')], cwd: dir, env: {} });
    assert.ok(built.ok, JSON.stringify(built.diagnostics));
    table = built.table;
    placeholders = built.placeholders;
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('an unset provider secret does not stop an offline build; it is reported', () => {
    assert.deepEqual(placeholders, ['GW_ROUTE_TEST_UNSET_SECRET']);
  });

  test('key states map to the auth codes, in the server order', () => {
    const code = (k: string): string | undefined => {
      const a = keyAccess(table, hex(k), 'chat', NOW);
      return a.ok ? undefined : a.error.code;
    };
    assert.equal(code(KEYS.app), undefined);
    assert.equal(code('gw-unknown'), 'GW_ERR_AUTH_INVALID_KEY');
    assert.equal(code(KEYS.expired), 'GW_ERR_AUTH_EXPIRED_KEY');
    assert.equal(code(KEYS.disabled), 'GW_ERR_AUTH_DISABLED_KEY');
    assert.equal(code(KEYS.noscope), 'GW_ERR_AUTH_SCOPE');
    // The expired key was valid before its expiry.
    assert.ok(keyAccess(table, hex(KEYS.expired), 'chat', Date.parse('2019-12-31T00:00:00Z')).ok);
  });

  test('models: exposed name, endpoint name, allow list, roles, unknown', () => {
    const key = table.keys.get(hex(KEYS.app));
    assert.ok(key);
    const fast = resolveModel(table, key, 'fast');
    assert.ok(fast.ok && fast.endpoint.name === 'support' && fast.model === 'fast' && !fast.viaEndpointName);
    const viaName = resolveModel(table, key, 'support');
    assert.ok(viaName.ok && viaName.model === 'fast' && viaName.viaEndpointName);
    const smart = resolveModel(table, key, 'smart');
    assert.ok(!smart.ok && smart.error.code === 'GW_ERR_AUTH_MODEL' && smart.error.status === 403);
    const unknown = resolveModel(table, key, 'nope');
    assert.ok(!unknown.ok && unknown.error.code === 'GW_ERR_MODEL_NOT_FOUND' && unknown.error.status === 404);
    assert.deepEqual(unknown.error.details?.['available'], ['backup', 'fast', 'small', 'support']);
    const scoped = resolveModel(table, key, 'small', 'support');
    assert.ok(!scoped.ok && scoped.error.code === 'GW_ERR_MODEL_NOT_FOUND');
    // The editor-only key may not use the admin-only endpoint.
    const tools = table.keys.get(hex(KEYS.noscope));
    assert.ok(tools);
    const role = resolveModel(table, tools, 'secret');
    assert.ok(!role.ok && role.error.code === 'GW_ERR_AUTH_ROLE');
  });

  test('a refused key still shows where the model would go', () => {
    const d = decideChatRoute(table, hex(KEYS.expired), 'fast', NOW);
    assert.equal(d.error?.code, 'GW_ERR_AUTH_EXPIRED_KEY');
    assert.equal(d.resolution?.ok, true);
    const x = explainRoute(table, hex(KEYS.expired), 'fast', NOW);
    assert.equal(x.allowed, false);
    assert.equal(x.key?.status, 'expired');
    assert.equal(x.refusal?.status, 401);
    assert.equal(x.targets.length, 3);
  });

  test('the explanation inherits the endpoint timeout into refs and never holds the key', () => {
    const x = explainRoute(table, hex(KEYS.app), 'fast', NOW);
    assert.ok(x.allowed);
    const ref = x.targets[2];
    assert.ok(ref?.kind === 'endpoint');
    assert.equal(ref.problem, null);
    assert.deepEqual(
      ref.targets.map((t) => (t.kind === 'provider' ? [t.provider, t.upstreamModel, t.timeoutMs] : [])),
      [['local', 'tiny', 20_000]],
    );
    assert.ok(!JSON.stringify(x).includes(KEYS.app));
  });
});
