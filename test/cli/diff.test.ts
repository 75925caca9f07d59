// `gw diff` against a fake admin API that speaks the contract: exit codes 0/2/1, field-level
// update lines, JSON on stdout with warnings on stderr, local validation before any request,
// and clear messages when the gateway cannot be reached or refuses the key.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Manifest } from '../../src/manifest/types.js';
import { runPlanCommand, type PlanCommandOptions } from '../../src/cli/commands/apply-run.js';
import { baseManifests, captureIO, startFakeAdmin, SERVER_INVALID_LABEL, type FakeAdmin } from './control-helpers.js';

const DIFF = { command: 'diff', dryRun: true, exitTwoOnChanges: true } as const;
let dir: string;
let fake: FakeAdmin;

function docs(text: string): Manifest[] {
  return parseAllDocuments(text).map((d) => d.toJS() as Manifest);
}

async function file(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}

async function diff(o: Partial<PlanCommandOptions>): Promise<ReturnType<typeof captureIO>> {
  const io = captureIO();
  io.code = await runPlanCommand({ output: 'pretty', server: fake.url, ...o }, DIFF, io);
  return io;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gw-diff-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await fake?.close();
  fake = await startFakeAdmin({ initial: docs(baseManifests()) });
  delete process.env.GW_ADMIN_KEY;
});
after(async () => fake.close());

test('unchanged manifests (key order shuffled, defaults written out) → exit 0, "No changes", no apply request', async () => {
  const shuffled = `kind: Endpoint
spec:
  routing:
    strategy: fallback
    targets:
      - models: { fast: mock-1 }
        provider: mock-llm
  type: chat
metadata: { workspace: default, name: support-bot }
apiVersion: gw/v1
---
spec: { allow: { endpoints: [support-bot] }, keyHash: sha256:${'cd'.repeat(32)} }
metadata: { name: support-app }
kind: ApiKey
apiVersion: gw/v1
---
apiVersion: gw/v1
kind: Provider
metadata: { name: mock-llm }
spec: { mock: { reply: "hello" }, type: mock }
`;
  const io = await diff({ file: [await file('same.yaml', shuffled)] });
  assert.equal(io.code, 0, io.stderr);
  assert.match(io.stdout, /^No changes\. 3 resources unchanged\.\n$/);
  assert.deepEqual(
    fake.calls.map((c) => `${c.method} ${c.url}`),
    ['GET /admin/v1/config'],
  );
});

test('an edited field → exit 2 and the line names the field, old → new; the server dry-runs it', async () => {
  const io = await diff({ file: [await file('edited.yaml', baseManifests({ reply: 'bye' }))] });
  assert.equal(io.code, 2, io.stderr);
  assert.match(io.stdout, /^~ update provider mock-llm\n {4}spec\.mock\.reply: "hello" → "bye"\n/);
  assert.match(io.stdout, /Plan: 0 to create, 1 to update, 0 to delete, 2 unchanged\./);
  const post = fake.calls.find((c) => c.url === '/admin/v1/apply');
  assert.deepEqual((post?.body as { dryRun?: boolean; ifRevision?: number }).dryRun, true);
  assert.equal((post?.body as { ifRevision?: number }).ifRevision, 1);
  assert.equal(fake.revisions.length, 1, 'a diff never changes the gateway');
});

test('a gateway never configured: every resource is a create, in dependency order', async () => {
  await fake.close();
  fake = await startFakeAdmin();
  const io = await diff({ file: [await file('all.yaml', baseManifests())] });
  assert.equal(io.code, 2);
  assert.equal(
    io.stdout.split('\n').slice(0, 3).join('\n'),
    '+ create provider mock-llm\n+ create endpoint support-bot\n+ create apikey support-app',
  );
});

test('--output json: {changes, summary, warnings, errors} on stdout, secrets masked, warnings on stderr', async () => {
  const withSecret =
    baseManifests() +
    `---
apiVersion: gw/v1
kind: Provider
metadata: { name: openai-prod }
spec:
  type: openai
  baseUrl: https://api.openai.com/v1
  auth: { bearer: sk-literal-secret-value }
`;
  const io = await diff({ file: [await file('secret.yaml', withSecret)], output: 'json' });
  assert.equal(io.code, 2, io.stderr);
  const out = JSON.parse(io.stdout) as {
    changes: { op: string; name: string; after?: unknown }[];
    summary: { create: number };
    warnings: { code: string }[];
    errors: unknown[];
    revision: number;
  };
  assert.deepEqual(Object.keys(out).slice(0, 4), ['changes', 'summary', 'warnings', 'errors']);
  assert.equal(out.summary.create, 1);
  assert.equal(out.revision, 1);
  assert.deepEqual(out.errors, []);
  assert.ok(out.warnings.some((w) => w.code === 'GW_ERR_LITERAL_SECRET'));
  assert.match(io.stderr, /GW_ERR_LITERAL_SECRET/);
  assert.doesNotMatch(io.stdout, /sk-literal-secret-value/);
  assert.match(io.stdout, /\[masked\]/);
});

test('invalid manifests → exit 1 with file:line:col, and the gateway is never asked', async () => {
  const bad = await file('bad.yaml', baseManifests().replace('type: chat', 'type: chat\n  bogusField: 1'));
  const io = await diff({ file: [bad] });
  assert.equal(io.code, 1);
  assert.match(io.stderr, /bad\.yaml:\d+:\d+ error GW_ERR_SCHEMA/);
  assert.match(io.stderr, /nothing was compared or applied/);
  assert.equal(fake.calls.length, 0);
  const json = await diff({ file: [bad], output: 'json' });
  assert.equal(json.code, 1);
  const out = JSON.parse(json.stdout) as { errors: { code: string; line: number }[] };
  assert.equal(out.errors[0]?.code, 'GW_ERR_SCHEMA');
  assert.ok((out.errors[0]?.line ?? 0) > 0);
});

test('the gateway refuses what the files cannot show (its environment) → exit 1 with its diagnostics', async () => {
  const io = await diff({
    file: [await file('srv.yaml', baseManifests({ endpointLabels: `${SERVER_INVALID_LABEL}: "yes"` }))],
  });
  assert.equal(io.code, 1);
  // located in the local file (the endpoint's spec.routing), not in the gateway's copy
  assert.match(
    io.stderr,
    /\/srv\.yaml:14:\d+ error GW_ERR_ENV_UNSET support-bot: SERVER_ONLY is not set on the gateway \(spec\.routing\)$/m,
  );
  assert.match(io.stderr, /the gateway would refuse this config \(checked in its environment\)/);
});

test('no gateway at --server → exit 1, "cannot reach the gateway at URL"', async () => {
  const url = fake.url;
  await fake.close();
  const io = await diff({ file: [await file('x.yaml', baseManifests())], server: url });
  assert.equal(io.code, 1);
  assert.match(
    io.stderr,
    new RegExp(
      `GW_ERR_ADMIN_UNREACHABLE: cannot reach the gateway at ${url.replace(/\./g, '\\.')} \\(connection refused\\)`,
    ),
  );
  const json = await diff({ file: [await file('x.yaml', baseManifests())], server: url, output: 'json' });
  assert.equal(json.code, 1);
  const out = JSON.parse(json.stdout) as { changes: unknown[]; errors: { code: string; message: string }[] };
  assert.deepEqual(out.changes, []);
  assert.equal(out.errors[0]?.code, 'GW_ERR_ADMIN_UNREACHABLE');
  fake = await startFakeAdmin();
});

test('an admin key: missing → says to set GW_ADMIN_KEY; wrong → refused; right → sent as Bearer', async () => {
  await fake.close();
  fake = await startFakeAdmin({ key: 'admin-secret', initial: docs(baseManifests()) });
  const f = await file('k.yaml', baseManifests());
  const missing = await diff({ file: [f] });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /requires an admin key \(401\): set GW_ADMIN_KEY/);
  process.env.GW_ADMIN_KEY = 'wrong';
  const wrong = await diff({ file: [f] });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /refused the admin key in GW_ADMIN_KEY \(401\)/);
  process.env.GW_ADMIN_KEY = 'admin-secret';
  const ok = await diff({ file: [f] });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(fake.calls.at(-1)?.authorization, 'Bearer admin-secret');
});

test('--selector plans only matching resources; a live resource outside it is never deleted', async () => {
  const onlyEndpoint = baseManifests({ endpointLabels: 'team: search' }).split('---')[1] ?? '';
  const f = await file('sel.yaml', `${baseManifests().split('---')[0]}---${onlyEndpoint}`);
  const io = await diff({ file: [f], selector: 'team=search' });
  assert.equal(io.code, 2, io.stderr);
  assert.match(
    io.stdout,
    /^~ update endpoint support-bot\n {4}metadata\.labels: \(none\) → \{"team":"search"\}\n\nPlan: 0 to create, 1 to update, 0 to delete, 0 unchanged\.\n$/,
  );
  assert.doesNotMatch(io.stdout, /^- delete/m, 'the live apikey outside the selector stays');
  const bad = await diff({ file: [f], selector: 'a=b=c' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--selector "a=b=c": .*key=value/);
});

test('--server defaults to http://{admin.listen} of gateway.yaml (-c)', async () => {
  const port = new URL(fake.url).port;
  const gw = await file(
    'gateway.yaml',
    `apiVersion: gw/v1\nkind: Gateway\nmetadata: { name: test-gw }\nspec:\n  admin: { listen: "0.0.0.0:${port}" }\n  manifests: [m.yaml]\n`,
  );
  await file('m.yaml', baseManifests());
  const io = captureIO();
  io.code = await runPlanCommand({ output: 'pretty', config: gw }, DIFF, io);
  assert.equal(io.code, 0, io.stderr);
  assert.equal(fake.calls.length, 1);
});
