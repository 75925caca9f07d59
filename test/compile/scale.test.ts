import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/compile/compile.js';
import type { Resource } from '../../src/manifest/types.js';
import { res } from './helpers.js';

test('10k resources compile into one consistent table', () => {
  const resources: Resource[] = [res('Guardrail', 'g0', { rules: [{ regex: '(?i)secret' }, { pii: ['email'] }] })];
  for (let i = 0; i < 2500; i++) {
    resources.push(
      res('Provider', `p${i}`, {
        type: 'openai',
        baseUrl: `http://127.0.0.1:${1000 + (i % 50)}/v1`,
        auth: { bearer: 'k' },
      }),
    );
    resources.push(
      res('Endpoint', `e${i}`, {
        type: 'chat',
        routing: {
          targets: [
            { provider: `p${i}`, models: { [`m${i}`]: 'up' } },
            { endpoint: 'e0', models: { [`b${i}`]: 'm0' } },
          ],
        },
        guardrails: ['g0'],
      }),
    );
    resources.push(res('Endpoint', `x${i}`, { type: 'proxy', provider: `p${i}`, headers: { 'X-I': String(i) } }));
  }
  for (let i = 0; i < 2499; i++)
    resources.push(res('ApiKey', `k${i}`, { keyHash: `sha256:${i.toString(16).padStart(64, '0')}` }));
  assert.equal(resources.length, 10_000);
  const t = compile(resources);
  assert.deepEqual(t.counts, { providers: 2500, endpoints: 5000, keys: 2499, guardrails: 1 });
  assert.equal(t.workspaces.get('default')?.models.size, 5000);
});
