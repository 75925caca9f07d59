// The control-plane CLI against a real `gw serve` (config from `gw apply` only), through the real
// binary: apply → diff exits 0; an edit → diff exits 2 naming the field; a stale --if-revision and
// an invalid apply change nothing; rollback restores the previous routing (a request proves it);
// status shows the traffic. The steps share one gateway and run in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGw, type GwRun } from '../helpers/gw.js';
import { ADMIN_KEY, chat, manifestsYaml, startGateway, type RunningGateway } from './control-plane-helpers.js';

const skip = !existsSync('dist/cli/main.js') && 'run npm run build first';
let dir: string;
let gw: RunningGateway;

/** gw in the gateway's folder: --server comes from its gateway.yaml, the key from GW_ADMIN_KEY. */
const run = (...args: string[]): Promise<GwRun> => runGw(args, { cwd: dir, env: { GW_ADMIN_KEY: ADMIN_KEY } });
const write = (name: string, text: string): Promise<void> => writeFile(join(dir, 'manifests', name), text);
/** The revision in service, straight from the admin API. */
async function liveRevision(): Promise<number | null> {
  const res = await fetch(`${gw.adminUrl}/admin/v1/config`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  return ((await res.json()) as { revision: number | null }).revision;
}

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'gw-e2e-cp-'));
  await mkdir(join(dir, 'manifests'));
  await mkdir(join(dir, 'shuffled'));
  gw = await startGateway(dir);
});
after(async () => {
  if (skip) return;
  assert.equal(await gw.stop(), 0);
  await rm(dir, { recursive: true, force: true });
});

test(
  'an unconfigured gateway: diff exits 2 with three creates, apply makes revision 1, then diff exits 0',
  { skip },
  async () => {
    assert.equal((await chat(gw.proxyUrl)).status, 503, 'nothing is served before the first apply');
    await write('all.yaml', manifestsYaml('one'));
    const d = await run('diff', '-f', 'manifests');
    assert.equal(d.code, 2, d.stderr);
    assert.match(
      d.stdout,
      /^\+ create provider mock-llm\n\+ create endpoint support-bot\n\+ create apikey support-app\n\nPlan: 3 to create/,
    );
    const a = await run('apply', '-f', 'manifests');
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /Applied: revision 1 \(the first\)\.\n$/);
    const again = await run('diff', '-f', 'manifests');
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.equal(again.stdout, 'No changes. 3 resources unchanged.\n');
    assert.deepEqual(await chat(gw.proxyUrl), { status: 200, text: 'one' });
  },
);

test('unchanged manifests with keys shuffled and defaults written out → diff exits 0', { skip }, async () => {
  const provider = manifestsYaml('one').split('---\n')[0] ?? '';
  const keyHash = /keyHash: (\S+)/.exec(manifestsYaml('one'))?.[1] ?? '';
  const reordered = [
    `spec:\n  allow: { endpoints: [support-bot] }\n  keyHash: ${keyHash}\nkind: ApiKey\nmetadata: { name: support-app }\napiVersion: gw/v1\n`,
    `spec:\n  routing:\n    strategy: fallback\n    targets:\n      - models: { fast: mock-1 }\n        provider: mock-llm\n  type: chat\nmetadata: { name: support-bot, workspace: default }\nkind: Endpoint\napiVersion: gw/v1\n`,
    provider,
  ];
  await writeFile(join(dir, 'shuffled', 'all.yaml'), reordered.join('\n---\n'));
  const d = await run('diff', '-f', 'shuffled');
  assert.equal(d.code, 0, d.stdout + d.stderr);
});

test('an edited file → diff exits 2 and names the field, old → new', { skip }, async () => {
  await write('all.yaml', manifestsYaml('two'));
  const d = await run('diff', '-f', 'manifests');
  assert.equal(d.code, 2, d.stderr);
  assert.equal(
    d.stdout,
    '~ update provider mock-llm\n    spec.mock.reply: "one" → "two"\n\nPlan: 0 to create, 1 to update, 0 to delete, 2 unchanged.\n',
  );
  const j = await run('diff', '-f', 'manifests', '--output', 'json');
  assert.equal(j.code, 2);
  const out = JSON.parse(j.stdout) as { changes: { op: string; fields: { path: string }[] }[]; revision: number };
  assert.deepEqual(
    out.changes.map((c) => [c.op, c.fields.map((f) => f.path)]),
    [['update', ['spec.mock.reply']]],
  );
  assert.equal(out.revision, 1);
});

test('apply with a stale --if-revision is refused and nothing changes', { skip }, async () => {
  const a = await run('apply', '-f', 'manifests', '--if-revision', '7');
  assert.equal(a.code, 1);
  assert.match(a.stderr, /GW_ERR_REVISION_CONFLICT: the live config is at revision 1, not revision 7/);
  assert.equal(await liveRevision(), 1);
  assert.deepEqual(await chat(gw.proxyUrl), { status: 200, text: 'one' });
});

test(
  'an invalid apply changes nothing: locally invalid (never sent) and invalid on the gateway (422)',
  { skip },
  async () => {
    await writeFile(
      join(dir, 'bad-local.yaml'),
      manifestsYaml('two').replace('type: chat', 'type: chat\n  notAField: true'),
    );
    const local = await run('apply', '-f', 'bad-local.yaml');
    assert.equal(local.code, 1);
    assert.match(local.stderr, /bad-local\.yaml:\d+:\d+ error GW_ERR_SCHEMA/);
    // Valid as written; the gateway's environment lacks the variable, so its own check refuses it.
    const serverOnly = `${manifestsYaml('two')}---
apiVersion: gw/v1
kind: Provider
metadata: { name: needs-secret }
spec:
  type: openai
  baseUrl: https://api.openai.com/v1
  auth: { bearer: "\${env:GW_C2_E2E_NEVER_SET}" }
`;
    await writeFile(join(dir, 'bad-server.yaml'), serverOnly);
    const remote = await run('apply', '-f', 'bad-server.yaml');
    assert.equal(remote.code, 1, remote.stdout);
    assert.match(remote.stderr, /^bad-server\.yaml:\d+:\d+ error GW_ERR_ENV_UNSET .*GW_C2_E2E_NEVER_SET/m);
    assert.match(remote.stderr, /the gateway refused the config; nothing was applied/);
    const diff = await run('diff', '-f', 'bad-server.yaml');
    assert.equal(diff.code, 1, 'gw diff runs the same check: CI sees it before the merge');
    assert.equal(await liveRevision(), 1);
    assert.deepEqual(await chat(gw.proxyUrl), { status: 200, text: 'one' });
  },
);

test('apply the edit (revision 2), then rollback restores the previous routing as revision 3', { skip }, async () => {
  const a = await run('apply', '-f', 'manifests');
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stdout, /Applied: revision 2 \(was revision 1\)\./);
  assert.deepEqual(await chat(gw.proxyUrl), { status: 200, text: 'two' });
  const r = await run('rollback');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    '~ update provider mock-llm\n    spec.mock.reply: "two" → "one"\n\nPlan: 0 to create, 1 to update, 0 to delete, 2 unchanged.\nRolled back to revision 1: now at revision 3.\n',
  );
  assert.deepEqual(await chat(gw.proxyUrl), { status: 200, text: 'one' });
  const d = await run('diff', '-f', 'manifests');
  assert.equal(d.code, 2, 'the files still say two');
  const back = await run('rollback', '99');
  assert.equal(back.code, 1);
  assert.match(back.stderr, /GW_ERR_REVISION_NOT_FOUND/);
});

test('deletes: refused without --yes when there is no terminal, applied with it', { skip }, async () => {
  await write('all.yaml', manifestsYaml('one').split('---\n').slice(0, 2).join('---\n'));
  const refused = await run('apply', '-f', 'manifests');
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /- delete apikey support-app/);
  assert.match(refused.stderr, /GW_ERR_APPLY_UNCONFIRMED/);
  assert.equal(await liveRevision(), 3);
  const ok = await run('apply', '-f', 'manifests', '--yes');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /Applied: revision 4/);
  assert.equal((await chat(gw.proxyUrl)).status, 401, 'the key is gone');
});

test('status: the endpoint with its requests and last error; a wrong admin key is refused', { skip }, async () => {
  const s = await run('status');
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stdout, /: revision 4 \([0-9a-f]{12}\), up \d+/);
  assert.match(s.stdout, /^support-bot +\S+ +\d+ms +\S+ +\d+ +/m);
  const j = await run('status', '--output', 'json');
  const out = JSON.parse(j.stdout) as { revision: number; endpoints: { name: string; requests: number }[] };
  assert.equal(out.revision, 4);
  assert.ok((out.endpoints.find((e) => e.name === 'support-bot')?.requests ?? 0) >= 4);
  const wrong = await runGw(['status'], { cwd: dir, env: { GW_ADMIN_KEY: 'not-the-key' } });
  assert.equal(wrong.code, 1);
  assert.match(
    wrong.stderr,
    /GW_ERR_ADMIN_AUTH: the gateway at http:\/\/127\.0\.0\.1:\d+ refused the admin key in GW_ADMIN_KEY \(401\)/,
  );
});
