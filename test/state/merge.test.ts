// The config an apply installs: after it, the same plan is empty; outside the selector nothing moves.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Manifest } from '../../src/manifest/types.js';
import { mergeSelected } from '../../src/state/merge.js';
import { plan } from '../../src/state/plan.js';
import { parseSelector } from '../../src/state/selector.js';
import { buildSnapshot } from '../../src/state/snapshot.js';
import { BASE, manifests, snap } from './helpers.js';

const OTHER = `
apiVersion: gw/v1
kind: Endpoint
metadata: { name: search-bot, labels: { team: search } }
spec:
  type: chat
  routing: { targets: [{ provider: openai-prod, models: { s: gpt-4o } }] }
`;

describe('mergeSelected', () => {
  test('applying the result makes the plan empty, without a selector', () => {
    const desired = snap(BASE.replace('timeout: 60s', 'timeout: 30s'));
    const live = snap(BASE, OTHER);
    const after = buildSnapshot(mergeSelected(desired, live));
    assert.deepEqual(plan(desired, after).changes, []);
    assert.equal(after.entries.has('Endpoint/default/search-bot'), false);
  });

  test('with a selector, resources outside it stay as they are live', () => {
    const r = parseSelector('team=support');
    assert.ok(r.ok);
    const opts = { selector: r.selector };
    const desired = snap(
      BASE.replace('timeout: 60s', 'timeout: 30s').replace('models: [smart, fast]', 'models: [fast]'),
    );
    const live = snap(BASE, OTHER);
    const after = buildSnapshot(mergeSelected(desired, live, opts));
    assert.deepEqual(plan(desired, after, opts).changes, []);
    // the provider is labelled team=platform: its timeout change is not applied
    const provider = after.entries.get('Provider/default/openai-prod')?.manifest;
    assert.ok(provider?.kind === 'Provider');
    assert.equal(provider.spec.timeout, '60s');
    assert.equal(after.entries.has('Endpoint/default/search-bot'), true);
  });

  test('returns the manifests as written (not normalized), references unresolved', () => {
    const written = manifests(BASE);
    const out = mergeSelected(buildSnapshot(written), snap(''));
    const provider = out.find((m) => m.kind === 'Provider') as Manifest & { kind: 'Provider' };
    assert.deepEqual(
      provider,
      written.find((m) => m.kind === 'Provider'),
    );
    assert.equal(provider.spec.auth?.bearer, '${env:OPENAI_API_KEY}');
    assert.equal(Object.isFrozen(provider), false);
  });
});

describe('buildSnapshot on malformed input', () => {
  test('a document without kind or name is reported, not thrown', () => {
    const s = buildSnapshot([{ apiVersion: 'gw/v1', kind: 'Nope' }, null, ...manifests(BASE)] as unknown as Manifest[]);
    assert.equal(s.entries.size, 4);
    assert.deepEqual(
      s.diagnostics.map((d) => d.code),
      ['GW_ERR_SCHEMA', 'GW_ERR_SCHEMA'],
    );
  });

  test('Gateway documents are not planned resources', () => {
    const s = snap('apiVersion: gw/v1\nkind: Gateway\nmetadata: { name: local }\nspec: {}\n---\n' + BASE);
    assert.deepEqual([...s.entries.keys()].map((k) => k.split('/')[0]).sort(), [
      'ApiKey',
      'Endpoint',
      'Guardrail',
      'Provider',
    ]);
    assert.deepEqual(s.diagnostics, []);
  });
});
