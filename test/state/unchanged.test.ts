// Unchanged manifests never produce a diff line, however they are written.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import chalk from 'chalk';
import { loadManifests } from '../../src/manifest/load.js';
import { plan } from '../../src/state/plan.js';
import { buildSnapshot } from '../../src/state/snapshot.js';
import { renderPlanPretty } from '../../src/cli/render/plan.js';
import { BASE, HASH, snap } from './helpers.js';

chalk.level = 0;

/** BASE again: keys shuffled, every default written out, workspace: default, sets reordered. */
const VERBOSE = `
kind: ApiKey
spec:
  enabled: true
  scopes: [chat]
  allow: { models: [fast, smart], endpoints: [support-bot] }
  roles: [admin, editor]
  keyHash: ${HASH}
metadata: { labels: { team: support }, workspace: default, name: support-app }
apiVersion: gw/v1
---
spec:
  guardrails: [pii-mask]
  streaming: true
  mcp: { expose: false }
  lockParams: false
  enabled: true
  allowedRoles: [reviewer, auditor, editor, admin]
  routing:
    fallbackOn: [5xx, "429", connect, timeout]
    retries: { backoff: 200ms, attempts: 0 }
    strategy: fallback
    targets:
      - weight: 1
        models: { smart: gpt-4o, fast: gpt-4o-mini }
        provider: openai-prod
  type: chat
metadata: { workspace: default, name: support-bot, labels: { team: support } }
kind: Endpoint
apiVersion: gw/v1
---
kind: Guardrail
apiVersion: gw/v1
metadata: { name: pii-mask, labels: {} }
spec:
  rules:
    - pii: [phone, email]
    - keywords: [confidential, internal-only]
  stage: input
  action: mask
---
metadata: { name: openai-prod, labels: { team: platform }, workspace: default }
apiVersion: gw/v1
kind: Provider
spec:
  timeout: 60s
  tls: { rejectUnauthorized: true }
  auth:
    bearer: \${env:OPENAI_API_KEY}
  baseUrl: https://api.openai.com/v1
  type: openai
`;

describe('unchanged manifests', () => {
  test('key order, written-out defaults, workspace default vs absent and set order give 0 changes', () => {
    for (const [desired, live] of [
      [snap(BASE), snap(VERBOSE)],
      [snap(VERBOSE), snap(BASE)],
    ] as const) {
      const p = plan(desired, live);
      assert.deepEqual(p.changes, []);
      assert.deepEqual(p.summary, { create: 0, update: 0, delete: 0, unchanged: 4 });
      assert.equal(renderPlanPretty(p), 'No changes. 4 resources unchanged.\n');
    }
  });

  test('references stay as written: ${env:X} is text, never resolved', () => {
    process.env.OPENAI_API_KEY = 'sk-resolved-would-be-wrong';
    try {
      const e = snap(BASE).entries.get('Provider/default/openai-prod');
      assert.ok(e !== undefined && e.manifest.kind === 'Provider');
      assert.equal(e.manifest.spec.auth?.bearer, '${env:OPENAI_API_KEY}');
    } finally {
      delete process.env.OPENAI_API_KEY;
    }
  });

  test('the input manifests are not changed by building a snapshot', () => {
    const docs = [
      {
        apiVersion: 'gw/v1',
        kind: 'ApiKey',
        metadata: { name: 'k1' },
        spec: { keyHash: HASH, roles: ['editor', 'admin'] },
      },
    ] as const;
    const copy = structuredClone(docs);
    buildSnapshot(docs as never);
    assert.deepEqual(docs, copy);
  });

  test('the same files loaded by the real loader plan as unchanged against their YAML twin', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'gw-state-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'a.yaml'), BASE);
    const loaded = await loadManifests([dir]);
    assert.deepEqual(
      loaded.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    const p = plan(buildSnapshot(loaded.resources.map((r) => r.manifest)), snap(VERBOSE));
    assert.deepEqual(p.summary, { create: 0, update: 0, delete: 0, unchanged: 4 });
  });
});

describe('what is not a set keeps its order', () => {
  const swapped = BASE.replace(
    '      - provider: openai-prod\n        models: { fast: gpt-4o-mini, smart: gpt-4o }',
    '      - provider: openai-prod\n        models: { fast: gpt-4o-mini, smart: gpt-4o }\n      - provider: backup\n        models: { fast: small }',
  );

  test('reordered routing targets are an update (fallback order changed), shown as the whole list', () => {
    const reordered = swapped.replace(/(      - provider: openai-prod\n.*\n)(      - provider: backup\n.*\n)/, '$2$1');
    assert.notEqual(reordered, swapped);
    const p = plan(snap(reordered), snap(swapped));
    assert.equal(p.summary.update, 1);
    const fields = p.changes[0]?.fields ?? [];
    assert.deepEqual(
      fields.map((f) => f.path),
      ['spec.routing.targets'],
    );
    const providers = (v: unknown): unknown => (v as { provider: string }[]).map((t) => t.provider);
    assert.deepEqual(providers(fields[0]?.before), ['openai-prod', 'backup']);
    assert.deepEqual(providers(fields[0]?.after), ['backup', 'openai-prod']);
  });
});
