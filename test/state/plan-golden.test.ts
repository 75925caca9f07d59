// The pretty plan, compared with test/golden/plan/*.txt (no colour): one file per change kind,
// per dependency-order case, and for masked vs referenced secrets.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import chalk from 'chalk';
import { renderPlanPretty } from '../../src/cli/render/plan.js';
import { plan } from '../../src/state/plan.js';
import { assertGolden, BASE, HASH, snap } from './helpers.js';
import { LITERAL_SECRETS, SECRET_DESIRED, SECRET_LIVE } from './secrets-fixture.js';

chalk.level = 0;

const OLD_CI = `
apiVersion: gw/v1
kind: ApiKey
metadata: { name: old-ci }
spec: { keyHash: ${HASH}, roles: [admin], scopes: [admin] }
`;

/** A provider, a guardrail, an endpoint chain alpha -> beta -> gamma, delta alone, and a key. */
const CHAIN = `
apiVersion: gw/v1
kind: ApiKey
metadata: { name: a-key }
spec: { keyHash: ${HASH}, allow: { endpoints: [alpha] } }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: alpha }
spec:
  type: chat
  routing: { targets: [{ endpoint: beta, models: { fast: fast } }] }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: beta }
spec:
  type: chat
  guardrails: [aa-guard]
  routing: { targets: [{ endpoint: gamma, models: { fast: small } }, { provider: zeta-llm, models: { fast: m1 } }] }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: gamma }
spec:
  type: chat
  routing: { targets: [{ provider: zeta-llm, models: { small: m2 } }] }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: delta }
spec:
  type: chat
  routing: { targets: [{ provider: zeta-llm, models: { other: m3 } }] }
---
apiVersion: gw/v1
kind: Guardrail
metadata: { name: aa-guard }
spec: { rules: [{ maxChars: 1000 }] }
---
apiVersion: gw/v1
kind: Provider
metadata: { name: zeta-llm }
spec: { type: mock }
`;

describe('plan pretty output (golden)', () => {
  test('create: a new endpoint', async () => {
    const withoutEndpoint = BASE.split('---').filter((d) => !d.includes('kind: Endpoint'));
    const p = plan(snap(BASE), snap(withoutEndpoint.join('---')));
    assert.deepEqual(p.summary, { create: 1, update: 0, delete: 0, unchanged: 3 });
    await assertGolden('create.txt', renderPlanPretty(p));
  });

  test('update: nested fields by path, added and removed ones', async () => {
    const desired = BASE.replace('timeout: 60s', 'timeout: 30s')
      .replace(
        'models: { fast: gpt-4o-mini, smart: gpt-4o }',
        'models: { fast: gpt-4.1-mini, "gpt-4.1": gpt-4.1 }\n        weight: 2',
      )
      .replace('  guardrails: [pii-mask]', '  guardrails: [pii-mask]\n  limits: { rpm: 60 }');
    const p = plan(snap(desired), snap(BASE));
    assert.deepEqual(p.summary, { create: 0, update: 2, delete: 0, unchanged: 2 });
    await assertGolden('update-nested.txt', renderPlanPretty(p));
  });

  test('delete: an api key no longer in the files', async () => {
    const p = plan(snap(BASE), snap(BASE, OLD_CI));
    await assertGolden('delete.txt', renderPlanPretty(p));
  });

  test('create, update, delete and unchanged together; workspace shown when not default', async () => {
    const live = `${BASE}---${OLD_CI}---
apiVersion: gw/v1
kind: Provider
metadata: { name: anthropic-prod }
spec: { type: anthropic, baseUrl: https://api.anthropic.com/v1, timeout: 60s }
`;
    const desired = `${BASE}---
apiVersion: gw/v1
kind: Provider
metadata: { name: anthropic-prod }
spec: { type: anthropic, baseUrl: https://api.anthropic.com/v1, timeout: 2m }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: bot, workspace: slug-demo }
spec:
  type: chat
  routing: { targets: [{ provider: anthropic-prod, models: { fast: claude-3-5-haiku-latest } }] }
`;
    const p = plan(snap(desired), snap(live));
    assert.deepEqual(p.summary, { create: 1, update: 1, delete: 1, unchanged: 4 });
    await assertGolden('mixed.txt', renderPlanPretty(p));
  });

  test('no changes: a single summary line', async () => {
    await assertGolden('no-changes.txt', renderPlanPretty(plan(snap(BASE), snap(BASE))));
  });

  test('order: creates go providers, guardrails, endpoints (targets first), keys', async () => {
    const p = plan(snap(CHAIN), snap(''));
    await assertGolden('order-create-chain.txt', renderPlanPretty(p));
  });

  test('order: deletes go the other way round', async () => {
    const p = plan(snap(''), snap(CHAIN));
    await assertGolden('order-delete-reversed.txt', renderPlanPretty(p));
  });

  test('order: updates and creates share one order; deletes come after them', async () => {
    // beta switches from gamma to a new endpoint epsilon; gamma goes away.
    const desired = CHAIN.replace(
      '{ endpoint: gamma, models: { fast: small } }',
      '{ endpoint: epsilon, models: { fast: small } }',
    ).replace('metadata: { name: gamma }', 'metadata: { name: epsilon }');
    const p = plan(snap(desired), snap(CHAIN));
    await assertGolden('order-replace.txt', renderPlanPretty(p));
  });
});

describe('secrets in plans (golden)', () => {
  test('literal values are [masked], references are shown as written', async () => {
    const out = renderPlanPretty(plan(snap(SECRET_DESIRED), snap(SECRET_LIVE)));
    for (const s of LITERAL_SECRETS) assert.ok(!out.includes(s), `${s} leaked into the plan`);
    assert.match(out, /\$\{env:OPENAI_API_KEY\}/);
    await assertGolden('secrets.txt', out);
  });
});

describe('colour', () => {
  test('with colour on, each change line is coloured by its op; off, the text is the golden one', () => {
    const p = plan(snap(BASE.replace('timeout: 60s', 'timeout: 30s')), snap(''));
    chalk.level = 1;
    try {
      const out = renderPlanPretty(p);
      assert.ok(out.includes('\u001b[32m+ create provider openai-prod\u001b[39m'), out);
    } finally {
      chalk.level = 0;
    }
    assert.ok(!renderPlanPretty(p).includes('\u001b['));
  });
});
