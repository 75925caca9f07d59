// examples/ci/gw-ci.sh against a real `gw serve`, copied (with the workflow) into a manifest
// repository of its own, as a user would: check (validate + diff) is green with and without
// changes, apply applies the example manifests (a request proves it), an invalid manifest fails
// with exit 1 and changes nothing, deletes need GW_APPLY_DELETES=1, the plan goes to
// $GITHUB_STEP_SUMMARY as Markdown, and the workflow names only files of that repository.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { GW_BIN } from '../helpers/gw.js';
import { ADMIN_KEY, startGateway, type RunningGateway } from './control-plane-helpers.js';

const SCRIPT_SOURCE = resolve('examples/ci/gw-ci.sh');
const WORKFLOW_SOURCE = resolve('examples/ci/github-workflow.yaml.example');
const EXAMPLE = resolve('examples/ci/manifests/ci.yaml');
const skip = !existsSync('dist/cli/main.js') && 'run npm run build first';
let dir: string;
let gw: RunningGateway;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** sh gw-ci.sh <mode> in the gateway's folder, gw being the built binary. */
function ci(mode: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn('sh', ['ci/gw-ci.sh', mode], {
      cwd: dir,
      env: {
        PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
        HOME: process.env.HOME ?? dir,
        NO_COLOR: '1',
        GW: `${process.execPath} ${GW_BIN}`,
        GW_ADMIN_KEY: ADMIN_KEY,
        GW_MANIFESTS: 'manifests',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

async function chatCi(): Promise<string> {
  const res = await fetch(`${gw.proxyUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer gw-ci-demo-key', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'ci-chat', messages: [{ role: 'user', content: 'hello' }] }),
  });
  const body = (await res.json()) as { choices?: { message: { content: string } }[]; error?: { code: string } };
  return body.choices?.[0]?.message.content ?? `${res.status} ${body.error?.code}`;
}

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'gw-e2e-ci-'));
  await mkdir(join(dir, 'manifests'));
  await copyFile(EXAMPLE, join(dir, 'manifests', 'ci.yaml'));
  // Copied as the workflow's header says: nothing below runs from gw's own tree.
  await mkdir(join(dir, 'ci'));
  await copyFile(SCRIPT_SOURCE, join(dir, 'ci', 'gw-ci.sh'));
  await mkdir(join(dir, '.github', 'workflows'), { recursive: true });
  await copyFile(WORKFLOW_SOURCE, join(dir, '.github', 'workflows', 'gw.yaml'));
  gw = await startGateway(dir);
});
after(async () => {
  if (skip) return;
  await gw.stop();
  await rm(dir, { recursive: true, force: true });
});

test(
  'check: validate + diff, green with pending changes; GW_FAIL_ON_CHANGES=1 turns changes into exit 2',
  { skip },
  async () => {
    const r = await ci('check');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /== gw validate\n/);
    assert.match(r.stdout, /\+ create provider ci-mock\n\+ create endpoint ci-chat\n\+ create apikey ci-app\n/);
    assert.match(r.stdout, /gw-ci: the plan above has changes\n$/);
    const drift = await ci('check', { GW_FAIL_ON_CHANGES: '1' });
    assert.equal(drift.code, 2);
  },
);

test(
  'apply: the example manifests go live (a request proves it); a second check finds no changes',
  { skip },
  async () => {
    const r = await ci('apply');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /== gw apply\n[\s\S]*Applied: revision 1 \(the first\)\.\n$/);
    assert.equal(await chatCi(), 'ci reply: hello');
    const again = await ci('check');
    assert.equal(again.code, 0);
    assert.match(again.stdout, /No changes\. 3 resources unchanged\.\ngw-ci: no changes\n$/);
  },
);

test('an invalid manifest: check and apply exit 1 at the validate step; nothing changes', { skip }, async () => {
  const good = await readFile(join(dir, 'manifests', 'ci.yaml'), 'utf8');
  await writeFile(
    join(dir, 'manifests', 'ci.yaml'),
    good.replace('reply: "ci reply: {{input}}"', 'reply: "changed"\n    bogus: 1'),
  );
  try {
    const check = await ci('check');
    assert.equal(check.code, 1);
    assert.match(check.stdout, /manifests\/ci\.yaml:\d+:\d+ error GW_ERR_SCHEMA/);
    assert.match(check.stderr, /gw-ci: the manifests are invalid/);
    assert.doesNotMatch(check.stdout, /== gw diff/);
    const apply = await ci('apply');
    assert.equal(apply.code, 1);
    assert.equal(await chatCi(), 'ci reply: hello');
  } finally {
    await writeFile(join(dir, 'manifests', 'ci.yaml'), good);
  }
});

test('deletes: apply refuses them unless GW_APPLY_DELETES=1', { skip }, async () => {
  const good = await readFile(join(dir, 'manifests', 'ci.yaml'), 'utf8');
  await writeFile(join(dir, 'manifests', 'ci.yaml'), good.slice(0, good.lastIndexOf('---')));
  const refused = await ci('apply');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /GW_ERR_APPLY_UNCONFIRMED[\s\S]*gw-ci: the apply was refused; nothing changed/);
  assert.equal(await chatCi(), 'ci reply: hello');
  const ok = await ci('apply', { GW_APPLY_DELETES: '1' });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /- delete apikey ci-app[\s\S]*Applied: revision 2/);
  assert.match(await chatCi(), /^401 /);
});

test('the workflow, copied into a manifest repository, runs only files of that repository', { skip }, async () => {
  const wf = parse(await readFile(join(dir, '.github', 'workflows', 'gw.yaml'), 'utf8')) as {
    jobs: Record<string, { steps: { run?: string }[] }>;
  };
  const runs = Object.values(wf.jobs).flatMap((j) => j.steps.flatMap((s) => (s.run !== undefined ? [s.run] : [])));
  assert.ok(runs.includes('npm ci'), 'gw is installed from the repository package.json, as the README says');
  for (const run of runs) {
    assert.doesNotMatch(run, /examples\//, `${run}: a path into gw's own tree`);
    const script = /^sh (\S+)/.exec(run)?.[1];
    if (script !== undefined) assert.ok(existsSync(join(dir, script)), `${run}: ${script} is not in the repository`);
  }
});

test('on GitHub Actions the plan is appended to $GITHUB_STEP_SUMMARY as Markdown', { skip }, async () => {
  const summary = join(dir, 'summary.md');
  const r = await ci('check', { GITHUB_STEP_SUMMARY: summary, GITHUB_ACTIONS: 'true' });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const md = await readFile(summary, 'utf8');
  assert.match(md, /^### gw diff against http:\/\/127\.0\.0\.1:\d+ \(revision \d+\)\n\n\*\*No changes\./);
});
