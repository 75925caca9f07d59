// `gw apply` against a fake admin API: what it sends (the full merged set, the revision the plan
// was made against), when it refuses (stale --if-revision, a race, unconfirmed deletes, a config
// the gateway rejects) and that a refusal changes nothing. One test runs the real binary.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Manifest } from '../../src/manifest/types.js';
import { runPlanCommand, type PlanCommandMode, type PlanCommandOptions } from '../../src/cli/commands/apply-run.js';
import { GW_BIN, runGw } from '../helpers/gw.js';
import {
  baseManifests,
  captureIO,
  startFakeAdmin,
  SERVER_INVALID_LABEL,
  type FakeAdmin,
  type FakeAdminOptions,
} from './control-helpers.js';

let dir: string;
let fake: FakeAdmin;

function docs(text: string): Manifest[] {
  return parseAllDocuments(text).map((d) => d.toJS() as Manifest);
}

/** The base set without its ApiKey: applying it deletes one resource. */
const WITHOUT_KEY = baseManifests().split('---').slice(0, 2).join('---');

async function file(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}

async function restart(opts: FakeAdminOptions = {}): Promise<void> {
  await fake?.close();
  fake = await startFakeAdmin({ initial: docs(baseManifests()), ...opts });
}

async function apply(
  o: Partial<PlanCommandOptions>,
  mode: Partial<PlanCommandMode> = {},
): Promise<ReturnType<typeof captureIO>> {
  const io = captureIO();
  io.code = await runPlanCommand(
    { output: 'pretty', server: fake.url, ...o },
    { command: 'apply', dryRun: false, exitTwoOnChanges: false, ...mode },
    io,
  );
  return io;
}

const applyPosts = (): { manifests: Manifest[]; ifRevision?: number; dryRun?: boolean }[] =>
  fake.calls
    .filter((c) => c.url === '/admin/v1/apply')
    .map((c) => c.body as { manifests: Manifest[]; ifRevision?: number; dryRun?: boolean });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gw-apply-'));
  delete process.env.GW_ADMIN_KEY;
});
after(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => restart());

test('an update is applied as a new revision; the body is the full set and the plan revision', async () => {
  const io = await apply({ file: [await file('edit.yaml', baseManifests({ reply: 'bye' }))] });
  assert.equal(io.code, 0, io.stderr);
  assert.match(io.stdout, /~ update provider mock-llm\n {4}spec\.mock\.reply: "hello" → "bye"\n/);
  assert.match(io.stdout, /Applied: revision 2 \(was revision 1\)\.\n$/);
  const [post] = applyPosts();
  assert.equal(post?.ifRevision, 1);
  assert.equal(post?.dryRun, undefined);
  assert.deepEqual(post?.manifests.map((m) => m.metadata.name).sort(), ['mock-llm', 'support-app', 'support-bot']);
  assert.equal(fake.current()?.number, 2);
});

test('nothing to change → exit 0, no apply request, no new revision', async () => {
  const io = await apply({ file: [await file('same.yaml', baseManifests())] });
  assert.equal(io.code, 0);
  assert.match(
    io.stdout,
    /No changes\. 3 resources unchanged\.\nNothing to apply; the gateway stays at revision 1\.\n/,
  );
  assert.equal(applyPosts().length, 0);
});

test('a stale --if-revision is refused before anything is sent; the gateway keeps its revision', async () => {
  const io = await apply({ file: [await file('edit.yaml', baseManifests({ reply: 'bye' }))], ifRevision: 7 });
  assert.equal(io.code, 1);
  assert.match(io.stderr, /the live config is at revision 1, not revision 7 \(--if-revision\); nothing was applied/);
  assert.equal(applyPosts().length, 0);
  assert.equal(fake.revisions.length, 1);
});

test('a change made between plan and apply is refused by the gateway (409), not overwritten', async () => {
  await restart({
    afterConfig: (f) => {
      if (f.revisions.length === 1)
        f.revisions.push({ number: 2, manifests: docs(baseManifests({ reply: 'theirs' })), source: 'watch' });
    },
  });
  const io = await apply({ file: [await file('mine.yaml', baseManifests({ reply: 'mine' }))], output: 'json' });
  assert.equal(io.code, 1);
  assert.match(
    io.stderr,
    /GW_ERR_REVISION_CONFLICT: the live config is at revision 2 \(\/admin\/v1\/apply answered 409\)/,
  );
  const out = JSON.parse(io.stdout) as { errors: { message: string }[]; revision: number };
  assert.equal(out.revision, 1);
  assert.match(out.errors[0]?.message ?? '', /409/);
  assert.equal(fake.revisions.length, 2, 'the concurrent change stays; mine was not applied');
  assert.match(JSON.stringify(fake.current()?.manifests), /theirs/);
});

test('deletes: refused without --yes and no terminal; asked on a terminal; --yes applies them', async () => {
  const f = await file('fewer.yaml', WITHOUT_KEY);
  const noTty = await apply({ file: [f] });
  assert.equal(noTty.code, 1);
  assert.match(noTty.stdout, /- delete apikey support-app/);
  assert.match(
    noTty.stderr,
    /GW_ERR_APPLY_UNCONFIRMED: the plan deletes 1 resource and was no terminal to ask on; pass --yes/,
  );
  assert.equal(applyPosts().length, 0);

  const questions: string[] = [];
  const declined = await apply({ file: [f] }, { confirm: async (q) => (questions.push(q), false) });
  assert.equal(declined.code, 1);
  assert.match(questions[0] ?? '', /this deletes 1 resource from http:\/\/127\.0\.0\.1:\d+\. Apply\? \[y\/N\]/);
  assert.match(declined.stderr, /was not confirmed; nothing was applied/);
  assert.equal(applyPosts().length, 0);

  const agreed = await apply({ file: [f] }, { confirm: async () => true });
  assert.equal(agreed.code, 0, agreed.stderr);
  assert.equal(fake.current()?.number, 2);

  await restart();
  const yes = await apply({ file: [f], yes: true });
  assert.equal(yes.code, 0, yes.stderr);
  assert.deepEqual(
    fake.current()?.manifests.map((m) => m.kind),
    ['Endpoint', 'Provider'],
  );
});

test('--selector: the gateway gets the live resources outside the selector unchanged', async () => {
  // the files hold the provider (references are checked locally) with another reply, and no key
  const [provider, endpoint] = baseManifests({ endpointLabels: 'team: search', reply: 'not applied' }).split('---');
  const io = await apply({ file: [await file('sel.yaml', `${provider}---${endpoint}`)], selector: 'team=search' });
  assert.equal(io.code, 0, io.stderr);
  const sent = applyPosts()[0]?.manifests ?? [];
  assert.deepEqual(
    sent.map((m) => `${m.kind}/${m.metadata.name}`),
    ['ApiKey/support-app', 'Endpoint/support-bot', 'Provider/mock-llm'],
  );
  assert.deepEqual(sent.find((m) => m.kind === 'Endpoint')?.metadata.labels, { team: 'search' });
  assert.match(JSON.stringify(sent.find((m) => m.kind === 'Provider')), /"reply":"hello"/);
});

test('a config the gateway rejects (422) changes nothing and shows its diagnostics', async () => {
  const io = await apply({
    file: [await file('srv.yaml', baseManifests({ endpointLabels: `${SERVER_INVALID_LABEL}: "x"` }))],
    output: 'json',
  });
  assert.equal(io.code, 1);
  const out = JSON.parse(io.stdout) as { errors: { code: string; message: string }[] };
  assert.equal(out.errors[0]?.code, 'GW_ERR_ENV_UNSET');
  assert.equal(fake.revisions.length, 1);
});

test('--dry-run shows the plan, lets the gateway check it, changes nothing, exits 0', async () => {
  const io = await apply(
    { file: [await file('dry.yaml', baseManifests({ reply: 'dry' }))], dryRun: true },
    { dryRun: true },
  );
  assert.equal(io.code, 0);
  assert.match(io.stdout, /Plan: 0 to create, 1 to update/);
  assert.equal(applyPosts()[0]?.dryRun, true);
  assert.equal(fake.revisions.length, 1);
});

test('--output json after an apply: the plan, applied and the new revision', async () => {
  const io = await apply({ file: [await file('j.yaml', baseManifests({ reply: 'json' }))], output: 'json' });
  assert.equal(io.code, 0, io.stderr);
  const out = JSON.parse(io.stdout) as {
    summary: { update: number };
    applied: boolean;
    appliedRevision: number;
    revision: number;
  };
  assert.deepEqual([out.summary.update, out.applied, out.appliedRevision, out.revision], [1, true, 2, 1]);
});

test(
  'the real binary: gw apply without --yes refuses deletes (exit 1), with --yes applies (exit 0)',
  { skip: !existsSync('dist/cli/main.js') && 'run npm run build first' },
  async () => {
    const f = await file('bin.yaml', WITHOUT_KEY);
    const refused = await runGw(['apply', '-f', f, '--server', fake.url], { cwd: dir });
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /pass --yes/);
    const ok = await runGw(['apply', '-f', f, '--server', fake.url, '--yes'], { cwd: dir });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Applied: revision 2/);
    const bad = await runGw(['apply', '-f', f, '--server', fake.url, '--if-revision', 'abc'], { cwd: dir });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /a revision number/);
  },
);

test('a gateway never configured: the first apply carries ifRevision 0, so a concurrent first apply wins cleanly', async () => {
  await fake.close();
  fake = await startFakeAdmin();
  const io = await apply({ file: [await file('first.yaml', baseManifests())] });
  assert.equal(io.code, 0, io.stderr);
  assert.match(io.stdout, /Applied: revision 1 \(the first\)\.\n$/);
  assert.equal(applyPosts()[0]?.ifRevision, 0);
});

test(
  'on a terminal (a pty via script(1)) gw apply asks before deleting: "n" keeps everything, "y" applies',
  {
    skip:
      (!existsSync('dist/cli/main.js') && 'run npm run build first') ||
      (spawnSync('script', ['-V']).status !== 0 && 'no script(1) for a pty'),
  },
  async () => {
    const f = await file('tty.yaml', WITHOUT_KEY);
    const inPty = (answer: string): Promise<{ code: number | null; out: string }> =>
      new Promise((done, fail) => {
        const cmd = [process.execPath, GW_BIN, 'apply', '-f', f, '--server', fake.url].map((a) => `'${a}'`).join(' ');
        const child = spawn('script', ['-qec', cmd, '/dev/null'], {
          env: { ...process.env, NO_COLOR: '1' },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let out = '';
        let asked = false;
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          // readline follows the prompt with cursor moves, so the question is not the last text
          if (!asked && out.includes('[y/N]')) {
            asked = true;
            child.stdin.write(`${answer}\n`);
          }
        });
        child.on('exit', () => clearTimeout(timer));
        child.on('error', fail);
        child.on('close', (code) => done({ code, out }));
      });
    const no = await inPty('n');
    assert.equal(no.code, 1, no.out);
    assert.match(no.out, /this deletes 1 resource from http:\/\/127\.0\.0\.1:\d+\. Apply\? \[y\/N\]/);
    assert.match(no.out, /was not confirmed; nothing was applied/);
    assert.equal(fake.revisions.length, 1);
    const yes = await inPty('y');
    assert.equal(yes.code, 0, yes.out);
    assert.match(yes.out, /Applied: revision 2/);
  },
);
