// Config across a fleet run from `gw apply`, through one real Redis: `gw apply` (the real CLI) to
// one `gw serve` changes routing on every instance (proven by requests to each), an apply to
// another instance wins in turn, and an instance started later serves the fleet's config from
// its first request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGw } from '../helpers/gw.js';
import { SKIP_NO_REDIS, startRedis, type RedisServer } from '../helpers/redis.js';
import { chat, manifestsYaml } from './control-plane-helpers.js';
import { ADMIN_KEY, startMember, type Member } from './fleet-helpers.js';

const skip = !existsSync('dist/cli/main.js') ? 'run npm run build first' : SKIP_NO_REDIS;
if (skip !== false) console.log(`# skipping the fleet config e2e tests: ${skip}`);

let root: string;
let redis: RedisServer;
const members: Member[] = [];
const start = async (): Promise<Member> => {
  const m = await startMember(root, { redisUrl: redis.url, keyPrefix: 'cfg:' });
  members.push(m);
  return m;
};

/** `gw apply` of manifests replying `reply`, to one instance's admin API. */
async function apply(m: Member, reply: string): Promise<void> {
  const file = join(root, `${reply}.yaml`);
  await writeFile(file, manifestsYaml(reply));
  const r = await runGw(['apply', '-f', file, '--server', m.adminUrl, '--yes'], { env: { GW_ADMIN_KEY: ADMIN_KEY } });
  assert.equal(r.code, 0, r.stderr + r.stdout);
}

/** The reply `m` gives, once it is `want` (checked every 50 ms, for at most 10 s: a first build starts a worker thread); the last reply otherwise. */
async function replyOf(m: Member, want: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { text } = await chat(m.proxyUrl);
    if (text === want || Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function configHash(m: Member): Promise<string> {
  const res = await fetch(`${m.adminUrl}/admin/v1/config`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  return ((await res.json()) as { hash: string }).hash;
}

interface StatusJson {
  revision: number | null;
  hash: string | null;
  fleet: {
    shared: boolean;
    instances: { admin: string; revision: number | null; hash: string | null; self: boolean }[];
  };
}

/** `gw status --output json` (the real CLI) against one instance. */
async function status(m: Member): Promise<StatusJson> {
  const r = await runGw(['status', '--server', m.adminUrl, '--output', 'json'], { env: { GW_ADMIN_KEY: ADMIN_KEY } });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as StatusJson;
}

/** `m`'s status once every instance it lists serves revision `want` (heartbeats land within a second); the last one read otherwise. */
async function statusAt(m: Member, count: number, want: number): Promise<StatusJson> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const s = await status(m);
    const all = s.fleet.instances;
    if ((all.length === count && all.every((i) => i.revision === want)) || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  if (skip !== false) return;
  root = await mkdtemp(join(tmpdir(), 'gw-e2e-fleet-cfg-'));
  redis = await startRedis();
  await Promise.all([start(), start()]);
});
after(async () => {
  if (skip !== false) return;
  await Promise.all(members.map((m) => m.stop()));
  await redis.stop();
  await rm(root, { recursive: true, force: true });
});

test(
  'gw apply to one instance changes routing on all; a later apply elsewhere wins; a late starter catches up',
  { skip },
  async () => {
    const [a, b] = members as [Member, Member];
    await apply(a, 'one');
    assert.equal((await chat(a.proxyUrl)).text, 'one');
    const t0 = Date.now();
    assert.equal(await replyOf(b, 'one'), 'one', b.stderr());
    console.log(`# the second instance converged in ${Date.now() - t0} ms`);

    await apply(b, 'two');
    const t1 = Date.now();
    assert.equal(await replyOf(a, 'two'), 'two');
    console.log(`# the first instance converged in ${Date.now() - t1} ms`);
    assert.equal((await chat(b.proxyUrl)).text, 'two');

    const c = await start();
    assert.equal((await chat(c.proxyUrl)).text, 'two', 'the first request of a late starter sees the fleet config');
    const hashes = await Promise.all([a, b, c].map(configHash));
    assert.equal(new Set(hashes).size, 1, `one config hash across the fleet: ${hashes.join(' ')}`);

    // One revision number across the fleet, and `gw status` on any instance lists them all.
    const revision = (await status(b)).revision;
    assert.ok(revision !== null && revision >= 2);
    for (const m of [a, b, c]) {
      const s = await statusAt(m, 3, revision);
      assert.equal(s.revision, revision, 'the same revision number on every instance');
      assert.equal(s.hash, hashes[0]);
      assert.equal(s.fleet.shared, true);
      assert.deepEqual(s.fleet.instances.map((i) => i.admin).sort(), [a, b, c].map((x) => x.adminUrl).sort());
      assert.ok(s.fleet.instances.every((i) => i.revision === revision && i.hash === hashes[0]));
      assert.equal(s.fleet.instances.filter((i) => i.self).length, 1);
    }
    const pretty = await runGw(['status', '--server', c.adminUrl], { env: { GW_ADMIN_KEY: ADMIN_KEY } });
    assert.match(pretty.stdout, /fleet: 3 live instances/);
  },
);

test(
  'an apply while Redis is down serves on that instance and reaches the others once Redis is back',
  { skip },
  async () => {
    const [a, b] = members as [Member, Member];
    const before = (await status(a)).revision ?? 0;
    await redis.kill();
    await apply(a, 'three');
    assert.equal((await chat(a.proxyUrl)).text, 'three', 'the applying instance serves it at once');
    assert.notEqual((await chat(b.proxyUrl)).text, 'three', 'the others cannot know yet');
    const s = await status(a);
    assert.equal(s.fleet.shared, false, 'status says Redis does not answer');
    await redis.restart();
    assert.equal(await replyOf(b, 'three'), 'three', b.stderr());
    const after = await statusAt(b, members.length, before + 1);
    assert.equal(after.revision, before + 1);
    assert.ok(
      after.fleet.instances.every((i) => i.revision === before + 1),
      JSON.stringify(after.fleet),
    );
  },
);
