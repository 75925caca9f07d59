// A fleet of three real `gw serve` processes with one real Redis (limits.backend: redis): an rpm
// across the fleet admits exactly that many requests under concurrent load, a budget cannot be
// overspent by concurrent requests on different instances, and when Redis is killed each
// instance answers in its failMode (open admits, closed refuses with 503
// GW_ERR_LIMITS_UNAVAILABLE), never hangs, and recovers once Redis is back. The steps share
// the fleet and run in order.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SKIP_NO_REDIS, startRedis, type RedisServer } from '../helpers/redis.js';
import {
  chat,
  fleetManifests,
  KEYS,
  metrics,
  startMember,
  startUpstream,
  type Member,
  type Upstream,
} from './fleet-helpers.js';

const skip = !existsSync('dist/cli/main.js') ? 'run npm run build first' : SKIP_NO_REDIS;
if (skip !== false) console.log(`# skipping the fleet e2e tests: ${skip}`);

let root: string;
let redis: RedisServer;
let upstream: Upstream;
/** open, closed, open (failMode). */
let gws: [Member, Member, Member];

before(async () => {
  if (skip !== false) return;
  root = await mkdtemp(join(tmpdir(), 'gw-e2e-fleet-'));
  redis = await startRedis();
  upstream = await startUpstream(50);
  const manifests = fleetManifests(upstream.url);
  const start = (failMode: 'open' | 'closed'): Promise<Member> =>
    startMember(root, { redisUrl: redis.url, keyPrefix: 'e2e:', manifests, failMode });
  const t0 = Date.now();
  gws = (await Promise.all([start('open'), start('closed'), start('open')])) as [Member, Member, Member];
  console.log(`# fleet started in ${Date.now() - t0} ms`);
});
after(async () => {
  if (skip !== false) return;
  await Promise.all((gws ?? []).map((m) => m.stop()));
  await upstream.close();
  await redis.stop();
  await rm(root, { recursive: true, force: true });
});

test('rpm 7 on a key across three instances admits exactly 7 of 45 concurrent requests', { skip }, async () => {
  const t0 = Date.now();
  const answers = await Promise.all(Array.from({ length: 45 }, (_, i) => chat(gws[i % 3]!.proxyUrl, 'rated')));
  console.log(`# 45 requests in ${Date.now() - t0} ms`);
  const ok = answers.filter((a) => a.status === 200).length;
  assert.equal(ok, 7, JSON.stringify(answers));
  assert.ok(answers.filter((a) => a.status !== 200).every((a) => a.status === 429 && a.code === 'GW_ERR_RATE_LIMITED'));
  // Every instance refuses now: the window is the fleet's, not one instance's.
  for (const g of gws) assert.equal((await chat(g.proxyUrl, 'rated')).status, 429);
});

test('a $0.10 budget across three instances is never overspent by concurrent requests', { skip }, async () => {
  // Each request costs $0.011 (1 + 10 tokens at $1/1k) and holds its worst case (more) while in flight.
  const before = upstream.calls;
  const first = await Promise.all(Array.from({ length: 30 }, (_, i) => chat(gws[i % 3]!.proxyUrl, 'payer')));
  // Then one at a time, until the budget refuses on every instance.
  const more: { status: number; code: string }[] = [];
  for (let i = 0; i < 12; i++) more.push(await chat(gws[i % 3]!.proxyUrl, 'payer'));
  const all = [...first, ...more];
  const ok = all.filter((a) => a.status === 200).length;
  assert.equal(upstream.calls - before, ok, 'only admitted requests reach the upstream');
  assert.ok(ok * 0.011 <= 0.1 + 1e-9, `${ok} requests spent $${(ok * 0.011).toFixed(3)} of a $0.10 budget`);
  assert.ok(ok >= 8, `the budget admits as much as fits (${ok})`);
  assert.ok(all.filter((a) => a.status !== 200).every((a) => a.status === 422 && a.code === 'GW_ERR_BUDGET_EXCEEDED'));
  for (const g of gws) assert.equal((await chat(g.proxyUrl, 'payer')).code, 'GW_ERR_BUDGET_EXCEEDED');
});

test('a session started on one instance continues on the others (sessions in Redis)', { skip }, async () => {
  const say = async (g: Member, content: string, session?: string): Promise<{ status: number; session: string }> => {
    const res = await fetch(`${g.proxyUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${KEYS.free}`,
        'content-type': 'application/json',
        ...(session !== undefined ? { 'x-gw-session-id': session } : {}),
      },
      body: JSON.stringify({ model: 'talk', messages: [{ role: 'user', content }] }),
      signal: AbortSignal.timeout(5000),
    });
    await res.arrayBuffer();
    return { status: res.status, session: res.headers.get('x-gw-session-id') ?? '' };
  };
  const first = await say(gws[0], 'one');
  assert.equal(first.status, 200);
  assert.ok(first.session.length > 0, 'a new session id comes back');
  assert.equal((await say(gws[1], 'two', first.session)).status, 200);
  assert.deepEqual(upstream.lastMessages, ['one', 'ok', 'two'], 'instance 2 sent the history instance 1 kept');
  assert.equal((await say(gws[2], 'three', first.session)).status, 200);
  assert.deepEqual(upstream.lastMessages, ['one', 'ok', 'two', 'ok', 'three']);
  // Unknown on every instance: 404, as on one.
  const res = await fetch(`${gws[1].proxyUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEYS.free}`, 'content-type': 'application/json', 'x-gw-session-id': 'nope' },
    body: JSON.stringify({ model: 'talk', messages: [{ role: 'user', content: 'x' }] }),
  });
  assert.equal(res.status, 404);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'GW_ERR_SESSION_NOT_FOUND');
});

test(
  'Redis killed: open admits, closed refuses with 503, nobody hangs; both recover when Redis is back',
  { skip },
  async () => {
    const [open, closed] = gws;
    assert.equal((await chat(open.proxyUrl, 'free')).status, 200);
    assert.equal((await chat(closed.proxyUrl, 'free')).status, 200);
    await redis.kill();
    const t0 = Date.now();
    const [o, c] = await Promise.all([chat(open.proxyUrl, 'free', 3000), chat(closed.proxyUrl, 'free', 3000)]);
    assert.ok(Date.now() - t0 < 2000, `answered in ${Date.now() - t0} ms`);
    assert.deepEqual(o, { status: 200, code: 'ok' });
    assert.deepEqual(c, { status: 503, code: 'GW_ERR_LIMITS_UNAVAILABLE' });
    const m = await metrics(open.adminUrl);
    assert.match(m, /^gw_limits_backend_up 0$/m);
    assert.match(m, /^gw_limits_backend_failures_total\{op="take"\} [1-9]/m);
    // Log lines go out in batches (every 100 ms): wait for the line rather than read once.
    const logged = (): boolean => /limits backend \(redis\) does not answer/.test(open.stderr() + closed.stderr());
    for (const until = Date.now() + 3000; !logged() && Date.now() < until;) await new Promise((r) => setTimeout(r, 50));
    assert.ok(logged(), `no outage log line: ${open.stderr()}${closed.stderr()}`);
    await redis.restart();
    // Recovery without a restart: the client reconnects within about half a second.
    const deadline = Date.now() + 5000;
    let back = await chat(closed.proxyUrl, 'free', 3000);
    while (back.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      back = await chat(closed.proxyUrl, 'free', 3000);
    }
    assert.equal(back.status, 200, 'closed admits again once Redis answers');
    assert.match(await metrics(closed.adminUrl), /^gw_limits_backend_up 1$/m);
  },
);
