// The Redis stores against a real redis-server: the same answers as the in-memory stores, atomic
// across two connections (two gw instances), the fail modes when Redis is down or slow, and
// recovery once it is back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RedisLink } from '../../src/fleet/redis-link.js';
import { RedisBudgetStore, RedisRateCounter, RedisSessionStore } from '../../src/fleet/redis-stores.js';
import { GwError } from '../../src/errors.js';
import { SKIP_NO_REDIS, startRedis, type RedisServer } from '../helpers/redis.js';

const skip = SKIP_NO_REDIS;
if (skip !== false) console.log(`# skipping the Redis store tests: ${skip}`);

let redis: RedisServer;
const links: RedisLink[] = [];
let prefixN = 0;

async function link(
  failMode: 'open' | 'closed' = 'open',
  events: { onUp?(up: boolean): void; onFailure?(op: string): void } = {},
  prefix = `t${++prefixN}:`,
): Promise<RedisLink> {
  const l = new RedisLink({ url: redis.url, keyPrefix: prefix, timeoutMs: 200, failMode, ...events });
  links.push(l);
  assert.equal(await l.connect(2000), true);
  return l;
}

describe('Redis stores', { skip }, () => {
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await Promise.all(links.map((l) => l.close()));
    await redis?.stop();
  });

  test('rate counter: a limit of 5 admits exactly 5 of 40 concurrent takes from two connections', async () => {
    const a = new RedisRateCounter(await link());
    const b = new RedisRateCounter(await link('open', {}, `t${prefixN}:`));
    const take = [{ id: 'ws\u0000key\u0000app\u0000rpm', limit: 5, windowMs: 60_000, cost: 1 }];
    const now = Date.now();
    const verdicts = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).take(take, now)));
    assert.equal(verdicts.filter((v) => v.ok).length, 5);
    const no = verdicts.find((v) => !v.ok)!;
    assert.equal(no.refused, 0);
    assert.equal(no.remaining[0], 0);
    assert.ok(no.waitMs > 59_000 && no.waitMs <= 60_000, `waitMs ${no.waitMs}`);
    const handles = verdicts.filter((v) => v.ok).map((v) => v.handles[0]);
    assert.equal(new Set(handles).size, 5, 'handles are unique across instances');
  });

  test('rate counter: all counters or none; the window slides; settle replaces a cost; peek takes nothing', async () => {
    const c = new RedisRateCounter(await link());
    const t0 = Date.now();
    const rpm = { id: 'r', limit: 10, windowMs: 1000, cost: 1 };
    const tpm = { id: 't', limit: 100, windowMs: 1000, cost: 60 };
    const first = await c.take([rpm, tpm], t0);
    assert.equal(first.ok, true);
    assert.deepEqual(first.remaining, [9, 40]);
    assert.deepEqual(first.resetMs, [1000, 1000]);
    // tpm is full for a cost of 60: refused, and the rpm counter was not taken from either.
    const second = await c.take([rpm, tpm], t0 + 100);
    assert.equal(second.ok, false);
    assert.equal(second.refused, 1);
    assert.equal(second.waitMs, 900);
    assert.deepEqual(second.remaining, [9, 40]);
    // The real count was 10 tokens: now 60 more fit.
    await c.settle('t', first.handles[1]!, 10);
    const peeked = await c.peek([rpm, tpm], t0 + 200);
    assert.deepEqual(peeked.remaining, [9, 90]);
    const third = await c.take([rpm, tpm], t0 + 200);
    assert.equal(third.ok, true);
    assert.deepEqual(third.remaining, [8, 30]);
    // A cost above the limit never fits.
    const never = await c.take([{ ...tpm, cost: 101 }], t0 + 300);
    assert.equal(never.ok, false);
    assert.equal(never.waitMs, Infinity);
    // Once the first entry left the window, its units are back.
    const later = await c.peek([rpm, tpm], t0 + 1000);
    assert.deepEqual(later.remaining, [9, 40]);
    assert.deepEqual(later.resetMs, [200, 200]);
  });

  test('budget: concurrent holds from two connections never pass the budget; spend counts atomically', async () => {
    const l1 = await link();
    const l2 = await link('open', {}, l1.prefix);
    const seeds: string[] = [];
    const local = (key: string): number => (seeds.push(key), 0.25);
    const a = new RedisBudgetStore(l1, { localSpent: local });
    const b = new RedisBudgetStore(l2, { localSpent: local });
    const key = 'ws\u0000key\u0000app\u00002026-12';
    // Budget 1.00, seeded spend 0.25 (the first instance's SQLite): 0.75 left, 0.1 each: 7 fit.
    const held = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).reserve(key, 0.1, 1)));
    assert.equal(held.filter(Boolean).length, 7);
    assert.ok(Math.abs((await a.held(key)) - 0.7) < 1e-9);
    assert.equal(a.lastSpent(key), 0.25);
    // A request costs 0.04 in the end: its cost is added, then its hold released.
    a.addSpend(key, 0.04);
    await a.release(key, 0.1);
    assert.ok(Math.abs((await b.held(key)) - 0.6) < 1e-9);
    assert.equal(await b.reserve(key, 0.1, 1), true);
    assert.ok(Math.abs(b.lastSpent(key) - 0.29) < 1e-9, `spend ${b.lastSpent(key)}`);
    // The seed is read once, when Redis had no counter; the other instance's SQLite is not added.
    const raw = new Redis(redis.url);
    try {
      assert.equal(Number(await raw.get(`${l1.prefix}spend:ws:key:app:2026-12`)), 0.29);
    } finally {
      raw.disconnect();
    }
    // Spent at the budget refuses even a free request.
    const full = 'ws\u0000endpoint\u0000bot\u00002026-12';
    const c = new RedisBudgetStore(l1, { localSpent: () => 5 });
    assert.equal(await c.reserve(full, 0, 5), false);
  });

  test('sessions: any connection reads what another wrote; Redis expires them', async () => {
    const l1 = await link();
    const a = new RedisSessionStore<{ role: string; content: string }>(l1);
    const b = new RedisSessionStore<{ role: string; content: string }>(await link('open', {}, l1.prefix));
    const msgs = [{ role: 'user', content: 'hi' }];
    await a.put('s1', msgs, 60_000, Date.now());
    assert.deepEqual(await b.get('s1', Date.now()), msgs);
    assert.equal(await b.get('nope', Date.now()), undefined);
    const pttl = await l1.client.pttl(`${l1.prefix}sess:s1`);
    assert.ok(pttl > 59_000 && pttl <= 60_000, `pttl ${pttl}`);
    await a.put('short', msgs, 1, Date.now());
    await new Promise((r) => setTimeout(r, 20)); // Redis's own expiry; nothing to await instead
    assert.equal(await b.get('short', Date.now()), undefined);
    assert.equal(a.expire(Date.now()), 0);
  });

  test('a slow Redis: every call ends within the timeout, then the fail mode applies', async () => {
    const failures: string[] = [];
    const open = new RedisRateCounter(await link('open', { onFailure: (op) => failures.push(op) }));
    const closedLink = await link('closed');
    const closed = new RedisRateCounter(closedLink);
    const pauser = new Redis(redis.url);
    try {
      await pauser.call('CLIENT', 'PAUSE', '600', 'ALL');
      const take = [{ id: 'slow', limit: 1, windowMs: 60_000, cost: 1 }];
      const t0 = Date.now();
      const [o, c] = await Promise.allSettled([open.take(take, t0), closed.take(take, t0)]);
      const took = Date.now() - t0;
      assert.ok(took < 1000, `took ${took} ms`);
      assert.equal(o.status === 'fulfilled' && o.value.ok, true, 'open admits');
      assert.equal(c.status, 'rejected');
      const err = (c as PromiseRejectedResult).reason as GwError;
      assert.ok(err instanceof GwError);
      assert.equal(err.code, 'GW_ERR_LIMITS_UNAVAILABLE');
      assert.deepEqual(failures, ['take']);
    } finally {
      await pauser.call('CLIENT', 'UNPAUSE').catch(() => undefined);
      pauser.disconnect();
    }
  });

  test('Redis killed: fail mode at once, recovery without a restart when it is back', async () => {
    const ups: boolean[] = [];
    const l = await link('closed', { onUp: (up) => ups.push(up) });
    const c = new RedisRateCounter(l);
    const take = [{ id: 'kill', limit: 100, windowMs: 60_000, cost: 1 }];
    assert.equal((await c.take(take, Date.now())).ok, true);
    const down = new Promise<void>((r) => l.client.once('close', () => r()));
    await redis.kill();
    await down;
    const t0 = Date.now();
    await assert.rejects(
      Promise.resolve(c.take(take, Date.now())),
      (e: GwError) => e.code === 'GW_ERR_LIMITS_UNAVAILABLE',
    );
    assert.ok(Date.now() - t0 < 1000, `refused after ${Date.now() - t0} ms`);
    const back = new Promise<void>((r) => l.client.once('ready', () => r()));
    await redis.restart();
    await back;
    const v = await c.take(take, Date.now());
    assert.equal(v.ok, true);
    assert.equal(v.remaining[0], 99, 'a restarted (empty) Redis counts from zero');
    assert.equal(ups[0], true);
    assert.ok(ups.includes(false), `up/down reports: ${ups.join(' ')}`);
    assert.equal(ups.at(-1), true);
  });
});
