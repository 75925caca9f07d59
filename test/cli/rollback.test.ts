// `gw rollback [N]` against a fake admin API: the default goes one revision back, N is sent as
// given, the plan of what changed is printed, and a missing revision is an error (exit 1).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { Manifest } from '../../src/manifest/types.js';
import { runGw } from '../helpers/gw.js';
import { baseManifests, startFakeAdmin, type FakeAdmin } from './control-helpers.js';

const docs = (text: string): Manifest[] => parseAllDocuments(text).map((d) => d.toJS() as Manifest);
let fake: FakeAdmin;

before(async () => {
  fake = await startFakeAdmin({ initial: docs(baseManifests({ reply: 'one' })) });
  fake.revisions.push({ number: 2, manifests: docs(baseManifests({ reply: 'two' })), source: 'apply' });
  fake.revisions.push({ number: 3, manifests: docs(baseManifests({ reply: 'three' })), source: 'apply' });
});
after(() => fake.close());

const skip = !existsSync('dist/cli/main.js') && 'run npm run build first';

test('gw rollback: back to the previous revision as a new one, showing what changed', { skip }, async () => {
  const r = await runGw(['rollback', '--server', fake.url], { env: { GW_ACTOR: 'tester' } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    '~ update provider mock-llm\n    spec.mock.reply: "three" → "two"\n\nPlan: 0 to create, 1 to update, 0 to delete, 2 unchanged.\nRolled back to revision 2: now at revision 4.\n',
  );
  // A dry run plans first; the rollback itself names what was planned and the revision it was planned at.
  assert.deepEqual(fake.calls.at(-2)?.body, { dryRun: true });
  assert.deepEqual(fake.calls.at(-1)?.body, { revision: 2, ifRevision: 3, actor: 'tester' });
});

test('gw rollback N --output json: the revision is sent; the answer printed as JSON', { skip }, async () => {
  const r = await runGw(['rollback', '1', '--server', fake.url, '--output', 'json'], { env: { GW_ACTOR: 'tester' } });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(fake.calls.at(-1)?.body, { revision: 1, ifRevision: 4, actor: 'tester' });
  const out = JSON.parse(r.stdout) as { revision: number; rolledBackTo: number; plan: { summary: { update: number } } };
  assert.deepEqual([out.revision, out.rolledBackTo, out.plan.summary.update], [5, 1, 1]);
});

test(
  'gw rollback to a revision that does not exist → exit 1 with the server message; bad N → usage error',
  { skip },
  async () => {
    const r = await runGw(['rollback', '99', '--server', fake.url]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /gw rollback: GW_ERR_REVISION_NOT_FOUND: no revision 99 \(\/admin\/v1\/rollback answered 404\)/,
    );
    assert.equal(fake.current()?.number, 5);
    const bad = await runGw(['rollback', '0', '--server', fake.url]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /a revision number/);
  },
);
