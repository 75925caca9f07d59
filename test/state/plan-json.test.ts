// The JSON form of a plan: {changes, summary, warnings, errors}, the same data as the pretty
// form, secrets masked in before/after and in field values.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import chalk from 'chalk';
import { renderPlan, renderPlanJson } from '../../src/cli/render/plan.js';
import type { Diagnostic } from '../../src/manifest/diagnostics.js';
import { plan } from '../../src/state/plan.js';
import { planJson } from '../../src/state/report.js';
import { BASE, HASH, snap } from './helpers.js';
import { LITERAL_SECRETS, SECRET_DESIRED, SECRET_LIVE } from './secrets-fixture.js';

interface JsonChange {
  op: string;
  kind: string;
  workspace: string;
  name: string;
  before?: { spec: Record<string, unknown> };
  after?: { spec: Record<string, unknown>; metadata: Record<string, unknown> };
  fields?: { path: string; before?: unknown; after?: unknown }[];
}
interface JsonPlan {
  changes: JsonChange[];
  summary: Record<string, number>;
  warnings: Diagnostic[];
  errors: Diagnostic[];
}

chalk.level = 0;

const parse = (text: string): JsonPlan => JSON.parse(text) as JsonPlan;

describe('plan JSON', () => {
  test('has exactly changes, summary, warnings, errors; changes carry op, kind, workspace, name', () => {
    const desired = BASE.replace('timeout: 60s', 'timeout: 30s');
    const out = parse(
      renderPlanJson(
        plan(
          snap(
            desired,
            'apiVersion: gw/v1\nkind: ApiKey\nmetadata: { name: new-ci, workspace: ci }\nspec: { keyHash: ' +
              HASH +
              ' }\n',
          ),
          snap(BASE),
        ),
      ),
    );
    assert.deepEqual(Object.keys(out), ['changes', 'summary', 'warnings', 'errors']);
    assert.deepEqual(out.summary, { create: 1, update: 1, delete: 0, unchanged: 3 });
    assert.deepEqual(out.warnings, []);
    assert.deepEqual(out.errors, []);
    const [update, create] = out.changes;
    assert.equal(update?.op, 'update');
    assert.equal(update?.kind, 'Provider');
    assert.equal(update?.workspace, 'default');
    assert.equal(update?.name, 'openai-prod');
    assert.deepEqual(update?.fields, [{ path: 'spec.timeout', before: '60s', after: '30s' }]);
    assert.equal(update?.before?.spec['timeout'], '60s');
    assert.equal(update?.after?.spec['timeout'], '30s');
    assert.equal(create?.op, 'create');
    assert.equal(create?.workspace, 'ci');
    assert.equal(create?.before, undefined);
    // the manifest as normalized: defaults filled, workspace kept when not default
    assert.deepEqual(create?.after?.spec, { enabled: true, keyHash: HASH, roles: ['editor'], scopes: ['chat'] });
    assert.deepEqual(create?.after?.metadata, { name: 'new-ci', workspace: 'ci' });
  });

  test('an added field has no "before", a removed one no "after"', () => {
    const desired = BASE.replace('  guardrails: [pii-mask]\n', '  limits: { rpm: 5 }\n');
    const fields = parse(renderPlanJson(plan(snap(desired), snap(BASE)))).changes[0]?.fields;
    assert.deepEqual(fields, [
      { path: 'spec.guardrails', before: ['pii-mask'] },
      { path: 'spec.limits', after: { rpm: 5 } },
    ]);
  });

  test('secrets are masked in before, after and fields; references are kept; keyHash is shown', () => {
    const text = renderPlanJson(plan(snap(SECRET_DESIRED, BASE), snap(SECRET_LIVE)));
    for (const s of LITERAL_SECRETS) assert.ok(!text.includes(s), `${s} leaked into the JSON plan`);
    const out = parse(text);
    const created = out.changes.find((c) => c.name === 'files-http');
    assert.deepEqual(created?.after?.spec['auth'], { bearer: '[masked]' });
    const provider = out.changes.find((c) => c.name === 'openai-prod');
    assert.deepEqual(provider?.after?.spec['auth'], { bearer: '${env:OPENAI_API_KEY}' });
    assert.deepEqual(provider?.before?.spec['auth'], { bearer: '[masked]' });
    assert.ok(text.includes(HASH), 'keyHash is not a secret and is shown');
  });

  test('diagnostics are split into warnings and errors, the snapshots own included', () => {
    const warning: Diagnostic = {
      code: 'GW_ERR_LITERAL_SECRET',
      severity: 'warning',
      message: 'w',
      file: 'a.yaml',
      line: 3,
      col: 5,
      path: 'spec.auth.bearer',
    };
    const duplicate = snap(BASE, BASE.split('---')[0] ?? '');
    const out = planJson(plan(duplicate, snap(BASE)), { diagnostics: [warning] });
    assert.deepEqual(out.warnings, [warning]);
    assert.equal(out.errors.length, 1);
    assert.equal(out.errors[0]?.code, 'GW_ERR_DUPLICATE_NAME');
    assert.match(out.errors[0]?.message ?? '', /provider openai-prod is given twice/);
  });

  test('renderPlan picks the format', () => {
    const p = plan(snap(BASE), snap(BASE));
    assert.equal(renderPlan('json', p), renderPlanJson(p));
    assert.equal(renderPlan('pretty', p), 'No changes. 4 resources unchanged.\n');
  });
});
