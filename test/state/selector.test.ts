// --selector: which resources a plan may touch.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { plan } from '../../src/state/plan.js';
import { matchesSelector, parseSelector, type Selector } from '../../src/state/selector.js';
import { BASE, snap } from './helpers.js';

function sel(text: string): Selector {
  const r = parseSelector(text);
  assert.ok(r.ok, `selector ${text} should parse`);
  return r.selector;
}

describe('parseSelector', () => {
  test('k=v terms joined by commas must all hold; != means absent or different', () => {
    const s = sel('team=support, env=prod');
    assert.deepEqual(s.terms, [
      { key: 'team', op: '=', value: 'support' },
      { key: 'env', op: '=', value: 'prod' },
    ]);
    assert.equal(matchesSelector({ team: 'support', env: 'prod', x: 'y' }, s), true);
    assert.equal(matchesSelector({ team: 'support' }, s), false);
    assert.equal(matchesSelector({ team: 'search' }, sel('team!=support')), true);
    assert.equal(matchesSelector({}, sel('team!=support')), true);
    assert.equal(matchesSelector({ team: 'support' }, sel('team!=support')), false);
    assert.equal(matchesSelector({ 'app.kubernetes.io/name': 'gw' }, sel('app.kubernetes.io/name=gw')), true);
  });

  test('set-based terms as kubectl writes them: in, notin, key, !key', () => {
    const s = sel('env in (prod, staging),tier notin (frontend),team,!experimental');
    assert.deepEqual(s.terms, [
      { key: 'env', op: 'in', values: ['prod', 'staging'] },
      { key: 'tier', op: 'notin', values: ['frontend'] },
      { key: 'team', op: 'exists' },
      { key: 'experimental', op: '!exists' },
    ]);
    assert.equal(matchesSelector({ env: 'prod', team: 'a' }, s), true);
    assert.equal(matchesSelector({ env: 'staging', tier: 'backend', team: 'a' }, s), true);
    assert.equal(matchesSelector({ env: 'dev', team: 'a' }, s), false);
    assert.equal(matchesSelector({ env: 'prod', tier: 'frontend', team: 'a' }, s), false);
    assert.equal(matchesSelector({ env: 'prod' }, s), false);
    assert.equal(matchesSelector({ env: 'prod', team: 'a', experimental: 'yes' }, s), false);
    assert.equal(matchesSelector({}, sel('env notin (prod)')), true);
    assert.equal(matchesSelector({}, sel('env in (prod)')), false);
    assert.deepEqual(sel('team==search').terms, [{ key: 'team', op: '=', value: 'search' }]);
  });

  test('malformed selectors are usage errors that say what to write', () => {
    for (const bad of ['', 'team=a,', '=x', 'a=b=c', 'bad key=x', 'env in (a,b', 'env in ()', 'env within (a)', '!']) {
      const r = parseSelector(bad);
      assert.equal(r.ok, false, bad);
      if (!r.ok) {
        assert.equal(r.error.code, 'GW_ERR_CLI_USAGE');
        assert.match(r.error.message, /key=value/);
      }
    }
  });
});

describe('plan with a selector', () => {
  const OTHER = `
apiVersion: gw/v1
kind: Endpoint
metadata: { name: search-bot, labels: { team: search } }
spec:
  type: chat
  routing: { targets: [{ provider: openai-prod, models: { s: gpt-4o } }] }
`;

  test('live resources outside the selector are never deleted', () => {
    const p = plan(snap(BASE), snap(BASE, OTHER), { selector: sel('team=support') });
    assert.deepEqual(p.changes, []);
    assert.deepEqual(p.summary, { create: 0, update: 0, delete: 0, unchanged: 2 });
  });

  test('only matching resources are created, updated or deleted', () => {
    const desired = BASE.replace('timeout: 60s', 'timeout: 30s').replace(
      'models: { fast: gpt-4o-mini, smart: gpt-4o }',
      'models: { fast: gpt-4o-mini }',
    );
    const p = plan(snap(desired, OTHER), snap(BASE), { selector: sel('team=support') });
    assert.deepEqual(
      p.changes.map((c) => `${c.op} ${c.name}`),
      ['update support-bot'],
    );
    const q = plan(snap(''), snap(BASE, OTHER), { selector: sel('team=search') });
    assert.deepEqual(
      q.changes.map((c) => `${c.op} ${c.name}`),
      ['delete search-bot'],
    );
  });

  test('a label added or removed brings the resource into the plan as an update, not a delete', () => {
    const added = BASE.replace(
      'metadata: { name: pii-mask }',
      'metadata: { name: pii-mask, labels: { team: support } }',
    );
    const p = plan(snap(added), snap(BASE), { selector: sel('team=support') });
    assert.deepEqual(
      p.changes.map((c) => `${c.op} ${c.name}`),
      ['update pii-mask'],
    );
    assert.deepEqual(p.changes[0]?.fields, [{ path: 'metadata.labels', after: { team: 'support' } }]);
    const removed = plan(snap(BASE), snap(added), { selector: sel('team=support') });
    assert.deepEqual(
      removed.changes.map((c) => `${c.op} ${c.name}`),
      ['update pii-mask'],
    );
  });
});
