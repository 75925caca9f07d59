// The GitOps loop through the real `gw` binary against a real `gw serve` (run from `gw apply`,
// no manifests named): identity-keyed list diffs, saved plans (diff --out, apply plan.json,
// refused when the gateway moved), --output markdown, gw revisions (+ show), a rollback that
// plans and asks before deleting (--dry-run, --if-revision, --yes), and gw export whose files
// validate and diff clean against the gateway they came from.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGw, type GwRun } from '../helpers/gw.js';
import { ADMIN_KEY, UPSTREAM_SECRET, freePort, gatewayYaml, sha, startGw, type RunningGw } from '../admin/helpers.js';

const skip = !existsSync('dist/cli/main.js') && 'run npm run build first';

let dir: string;
let gw: RunningGw | undefined;

/** Two mock providers, an openai provider whose key is a reference, a guardrail, an endpoint, a key. */
function manifests(o: { targets?: string[]; extraKey?: boolean; rules?: string[] } = {}): string {
  const targets = o.targets ?? ['mock-a', 'mock-b'];
  const rules = o.rules ?? ['- keywords: [internal-only]', '- maxChars: 20000'];
  return `apiVersion: gw/v1
kind: Provider
metadata: { name: mock-a }
spec: { type: mock }
---
apiVersion: gw/v1
kind: Provider
metadata: { name: mock-b }
spec: { type: mock }
---
apiVersion: gw/v1
kind: Provider
metadata: { name: real-up }
spec:
  type: openai
  baseUrl: http://127.0.0.1:9/v1
  auth: { bearer: "\${env:GW_C1_UPSTREAM_KEY}" }
---
apiVersion: gw/v1
kind: Guardrail
metadata: { name: no-secrets }
spec:
  stage: input
  action: block
  rules:
${rules.map((r) => `    ${r}`).join('\n')}
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: bot }
spec:
  type: chat
  guardrails: [no-secrets]
  routing:
    targets:
${targets.map((t) => `      - provider: ${t}\n        models: { fast: m-${t} }`).join('\n')}
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: app }
spec: { keyHash: "${sha('caller-key-gitops')}", roles: [editor], scopes: [chat] }
${
  o.extraKey === true
    ? `---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: extra }
spec: { keyHash: "${sha('caller-key-extra')}", roles: [editor], scopes: [chat] }
`
    : ''
}`;
}

const env = { GW_ADMIN_KEY: ADMIN_KEY, GW_ACTOR: 'ci-bot', GW_C1_UPSTREAM_KEY: UPSTREAM_SECRET };
const gwIn = (args: string[]): Promise<GwRun> => runGw(args, { cwd: dir, env });
async function write(name: string, text: string): Promise<string> {
  await writeFile(join(dir, name), text);
  return name;
}
async function liveRevision(): Promise<number | null> {
  const res = await fetch(`${gw?.admin}/admin/v1/config`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  return ((await res.json()) as { revision: number | null }).revision;
}

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'gw-gitops-'));
  const [proxyPort, adminPort] = [await freePort(), await freePort()];
  await writeFile(
    join(dir, 'gateway.yaml'),
    gatewayYaml({ proxyPort, adminListen: `127.0.0.1:${adminPort}`, manifests: false }),
  );
  gw = await startGw(dir, { proxyPort, adminPort });
  const first = await gwIn(['apply', '-f', await write('v1.yaml', manifests())]);
  assert.equal(first.code, 0, first.stderr);
});

after(async () => {
  await gw?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

test('removing the first routing target is one removal, not every later target shifted', { skip }, async () => {
  const r = await gwIn(['diff', '-f', await write('v2.yaml', manifests({ targets: ['mock-b'] }))]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(
    r.stdout,
    '~ update endpoint bot\n' +
      '    spec.routing.targets[0]: {"models":{"fast":"m-mock-a"},"provider":"mock-a","weight":1} → (none)\n' +
      '\nPlan: 0 to create, 1 to update, 0 to delete, 5 unchanged.\n',
  );
  // Guardrail rules are matched by content: dropping the first rule is one removal too.
  const rules = await gwIn(['diff', '-f', await write('v2r.yaml', manifests({ rules: ['- maxChars: 20000'] }))]);
  assert.equal(rules.code, 2, rules.stderr);
  assert.match(rules.stdout, /^ {4}spec\.rules\[0\]: \{"keywords":\["internal-only"\]\} → \(none\)$/m);
  assert.equal(rules.stdout.match(/^ {4}spec\./gm)?.length, 1, rules.stdout);
});

test('--output markdown: a heading, the summary, the changes in a diff block', { skip }, async () => {
  const r = await gwIn(['diff', '-f', 'v2.yaml', '--output', 'markdown']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stdout,
    /^### gw diff against http:\/\/127\.0\.0\.1:\d+ \(revision 1\)\n\n\*\*Plan: 0 to create, 1 to update, 0 to delete, 5 unchanged\.\*\*\n/,
  );
  assert.match(r.stdout, /```diff\n! update endpoint bot\n- {5}spec\.routing\.targets\[0\]: \{.*"mock-a".*\}\n```/);
  assert.doesNotMatch(r.stdout, new RegExp(UPSTREAM_SECRET));
});

test('gw diff --out then gw apply plan.json applies exactly that plan', { skip }, async () => {
  const d = await gwIn(['diff', '-f', 'v2.yaml', '--out', 'plan.json']);
  assert.equal(d.code, 2, d.stderr);
  assert.match(d.stderr, /plan saved to plan\.json; apply exactly it with gw apply plan\.json/);
  const saved = JSON.parse(await readFile(join(dir, 'plan.json'), 'utf8')) as { revision: number; format: string };
  assert.deepEqual([saved.format, saved.revision], ['gw-plan/v1', 1]);
  // The files changing after the plan was saved does not change what the plan applies.
  await write('v2.yaml', manifests({ targets: ['mock-b', 'mock-a'] }));
  const a = await gwIn(['apply', 'plan.json']);
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stdout, /spec\.routing\.targets\[0\]: .*"mock-a".* → \(none\)\n/);
  assert.match(a.stdout, /Applied: revision 2 \(was revision 1\)\.\n$/);
  const live = await fetch(`${gw?.admin}/admin/v1/config`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  const body = (await live.json()) as { manifests: { kind: string; spec: { routing?: { targets: unknown[] } } }[] };
  const bot = body.manifests.find((m) => m.kind === 'Endpoint');
  assert.equal(bot?.spec.routing?.targets.length, 1);
});

test('a saved plan is refused when the live revision moved; nothing is applied', { skip }, async () => {
  const d = await gwIn(['diff', '-f', await write('v3.yaml', manifests({ targets: ['mock-a'] })), '--out', 'p3.json']);
  assert.equal(d.code, 2, d.stderr);
  const moved = await gwIn(['apply', '-f', await write('v3b.yaml', manifests({ targets: ['mock-b', 'mock-a'] }))]);
  assert.equal(moved.code, 0, moved.stderr);
  assert.equal(await liveRevision(), 3);
  const a = await gwIn(['apply', 'p3.json']);
  assert.equal(a.code, 1);
  assert.match(
    a.stderr,
    /GW_ERR_REVISION_CONFLICT: the plan in p3\.json was made against revision 2, but the gateway is at revision 3 now; nothing was applied/,
  );
  assert.equal(await liveRevision(), 3);
  const bad = await gwIn(['apply', 'v3.yaml']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /GW_ERR_PLAN_FILE: v3\.yaml is not JSON/);
});

test('gw revisions: number, hash, source, who, time, what changed; --output json; show N', { skip }, async () => {
  const r = await gwIn(['revisions']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[1] ?? '', /^REV\s+HASH\s+SOURCE\s+BY\s+APPLIED AT\s+CHANGES\s+RESOURCES$/);
  assert.match(lines[2] ?? '', /^\s*3\s+[0-9a-f]{12}\s+apply\s+ci-bot\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+~1\s+6$/);
  assert.match(lines[4] ?? '', /^\s*1\s+[0-9a-f]{12}\s+apply\s+ci-bot\s+\S+\s+\+6\s+6$/);
  const j = await gwIn(['revisions', '--output', 'json']);
  const list = (
    JSON.parse(j.stdout) as {
      revisions: { number: number; actor: string; previous: number | null; changes: { create: number } }[];
    }
  ).revisions;
  assert.deepEqual(
    list.map((x) => [x.number, x.actor, x.previous, x.changes.create]),
    [
      [3, 'ci-bot', 2, 0],
      [2, 'ci-bot', 1, 0],
      [1, 'ci-bot', null, 6],
    ],
  );
  const s = await gwIn(['revisions', 'show', '2']);
  assert.equal(s.code, 0, s.stderr);
  assert.match(
    s.stdout,
    /^Revision 2 \(apply, [^)]+\), against revision 1:\n~ update endpoint bot\n {4}spec\.routing\.targets\[0\]: .*"mock-a".* → \(none\)\n\nPlan: 0 to create, 1 to update, 0 to delete, 5 unchanged\.\n$/,
  );
  const missing = await gwIn(['revisions', 'show', '99']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /GW_ERR_REVISION_NOT_FOUND: there is no revision 99/);
});

test(
  'gw rollback plans first, asks before deleting (--yes in CI), takes --dry-run and --if-revision',
  { skip },
  async () => {
    const added = await gwIn(['apply', '-f', await write('v4.yaml', manifests({ extraKey: true }))]);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(await liveRevision(), 4);
    // Back to revision 1 deletes the extra key: no terminal here, so it is refused without --yes.
    const refused = await gwIn(['rollback', '1']);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /- delete apikey extra\n/);
    assert.match(
      refused.stderr,
      /GW_ERR_APPLY_UNCONFIRMED: the rollback deletes 1 resource and was no terminal to ask on; pass --yes/,
    );
    assert.equal(await liveRevision(), 4);
    const dry = await gwIn(['rollback', '1', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /- delete apikey extra\n[\s\S]*Dry run: nothing was changed/);
    assert.equal(await liveRevision(), 4);
    const stale = await gwIn(['rollback', '1', '--yes', '--if-revision', '3']);
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /GW_ERR_REVISION_CONFLICT/);
    assert.equal(await liveRevision(), 4);
    const ok = await gwIn(['rollback', '1', '--yes', '--if-revision', '4']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /- delete apikey extra\n[\s\S]*Rolled back to revision 1: now at revision 5\.\n$/);
    const revs = JSON.parse((await gwIn(['revisions', '-o', 'json'])).stdout) as {
      revisions: { source: string; actor: string }[];
    };
    assert.deepEqual([revs.revisions[0]?.source, revs.revisions[0]?.actor], ['rollback', 'ci-bot']);
  },
);

test(
  'gw export writes the live config as files that validate and diff clean; references stay references',
  { skip },
  async () => {
    const r = await gwIn(['export', '--out', 'adopted']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await readdir(join(dir, 'adopted'))).sort(), [
      'apikeys.yaml',
      'endpoints.yaml',
      'guardrails.yaml',
      'providers.yaml',
    ]);
    const providers = await readFile(join(dir, 'adopted', 'providers.yaml'), 'utf8');
    assert.match(providers, /bearer: \$\{env:GW_C1_UPSTREAM_KEY\}/);
    assert.doesNotMatch(providers + r.stderr + r.stdout, new RegExp(UPSTREAM_SECRET));
    const v = await gwIn(['validate', '-f', 'adopted']);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    const d = await gwIn(['diff', '-f', 'adopted']);
    assert.equal(d.code, 0, d.stdout + d.stderr);
    assert.match(d.stdout, /^No changes\. 6 resources unchanged\.\n$/);
    const again = await gwIn(['dump', '--out', 'adopted']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /exists; pass --force/);
    const stdout = await gwIn(['dump']);
    assert.equal(stdout.code, 0, stdout.stderr);
    assert.match(stdout.stdout, /kind: Endpoint/);
    await mkdir(join(dir, 'empty'));
  },
);

test('gw apply --output markdown: the plan and the outcome, for $GITHUB_STEP_SUMMARY', { skip }, async () => {
  const before = await liveRevision();
  const r = await gwIn(['apply', '-f', await write('v6.yaml', manifests({ targets: ['mock-b'] })), '-o', 'markdown']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^### gw apply against http:\/\/127\.0\.0\.1:\d+ \(revision \d+\)\n/);
  assert.match(r.stdout, /```diff\n! update endpoint bot\n/);
  assert.match(r.stdout, new RegExp(`Applied: revision ${(before ?? 0) + 1}\\.\\n$`));
});
