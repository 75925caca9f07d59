// Dependency order beyond the golden cases: workspaces, proxy endpoints, cycles.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointDepths } from '../../src/state/order.js';
import { plan } from '../../src/state/plan.js';
import { snap } from './helpers.js';

const ep = (name: string, target: string, workspace = 'default'): string => `
apiVersion: gw/v1
kind: Endpoint
metadata: { name: ${name}, workspace: ${workspace} }
spec:
  type: chat
  routing: { targets: [{ ${target}, models: { m: m } }] }
`;

describe('order', () => {
  test('endpoint refs resolve within their workspace only', () => {
    const s = snap(
      ep('aa', 'endpoint: bb', 'w1'),
      ep('bb', 'provider: p', 'w1'),
      ep('aa', 'provider: p', 'w2'),
      ep('bb', 'endpoint: aa', 'w2'),
    );
    const d = endpointDepths(s);
    assert.equal(d.get('Endpoint/w1/aa'), 1);
    assert.equal(d.get('Endpoint/w1/bb'), 0);
    assert.equal(d.get('Endpoint/w2/aa'), 0);
    assert.equal(d.get('Endpoint/w2/bb'), 1);
    const names = plan(s, snap('')).changes.map((c) => `${c.workspace}/${c.name}`);
    assert.deepEqual(names, ['w1/bb', 'w2/aa', 'w1/aa', 'w2/bb']);
  });

  test('a reference cycle (refused by validate) still gives an order and ends', () => {
    const s = snap(ep('aa', 'endpoint: bb'), ep('bb', 'endpoint: cc'), ep('cc', 'endpoint: aa'));
    const p = plan(s, snap(''));
    assert.equal(p.changes.length, 3);
    assert.deepEqual(new Set(p.changes.map((c) => c.name)), new Set(['aa', 'bb', 'cc']));
  });

  test('proxy endpoints sit with the other endpoints, after their provider', () => {
    const s = snap(`
apiVersion: gw/v1
kind: Endpoint
metadata: { name: files }
spec: { type: proxy, provider: files-http }
---
apiVersion: gw/v1
kind: Provider
metadata: { name: files-http }
spec: { type: http, baseUrl: https://files.internal }
`);
    assert.deepEqual(
      plan(s, snap('')).changes.map((c) => c.name),
      ['files-http', 'files'],
    );
    assert.deepEqual(
      plan(snap(''), s).changes.map((c) => c.name),
      ['files', 'files-http'],
    );
  });
});
