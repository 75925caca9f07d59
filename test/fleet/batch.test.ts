// The request path's batched script calls against a real redis-server: calls made in one
// event-loop turn reach Redis as one command and each caller still gets its own answer; a
// batched take is exactly as strict as single ones; a failed batch fails each caller.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { ScriptBatcher } from '../../src/fleet/batch.js';
import { RedisLink } from '../../src/fleet/redis-link.js';
import { RedisBudgetStore, RedisRateCounter } from '../../src/fleet/redis-stores.js';
import { ADD_SPEND, RELEASE, RESERVE, SETTLE, TAKE } from '../../src/fleet/scripts.js';
import { SKIP_NO_REDIS, startRedis, type RedisServer } from '../helpers/redis.js';

const skip = SKIP_NO_REDIS;
if (skip !== false) console.log(`# skipping the Redis batch tests: ${skip}`);

const SCRIPTS = [TAKE, SETTLE, RESERVE, RELEASE, ADD_SPEND];
let redis: RedisServer;
let link: RedisLink;
let admin: Redis;

/** Script commands Redis has run so far (EVAL and EVALSHA). */
async function scriptCalls(): Promise<number> {
  const info = await admin.info('commandstats');
  let n = 0;
  for (const m of info.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)) n += Number(m[1]);
  return n;
}

describe('batched script calls', { skip }, () => {
  before(async () => {
    redis = await startRedis();
    link = new RedisLink({ url: redis.url, keyPrefix: 'b:', timeoutMs: 500, failMode: 'closed' });
    assert.equal(await link.connect(2000), true);
    admin = new Redis(redis.url);
  });
  after(async () => {
    await link?.close();
    admin?.disconnect();
    await redis?.stop();
  });

  test('40 takes in one turn: one command, exactly the limit admitted, each with its own answer', async () => {
    const batch = new ScriptBatcher(link, SCRIPTS);
    const counter = new RedisRateCounter(link, batch);
    const take = [{ id: 'ws\u0000key\u0000app\u0000rpm', limit: 7, windowMs: 60_000, cost: 1 }];
    const before = await scriptCalls();
    const now = Date.now();
    const verdicts = await Promise.all(Array.from({ length: 40 }, () => counter.take(take, now)));
    // INFO itself is not a script: only the batch counts (plus at most a NOSCRIPT retry's EVAL).
    const sent = (await scriptCalls()) - before;
    assert.ok(sent >= 1 && sent <= 2, `script commands sent: ${sent}`);
    assert.equal(verdicts.filter((v) => v.ok).length, 7);
    const handles = verdicts.filter((v) => v.ok).map((v) => v.handles[0]);
    assert.deepEqual(
      [...handles].sort((a, b) => (a ?? 0) - (b ?? 0)),
      [1, 2, 3, 4, 5, 6, 7],
    );
    assert.deepEqual(
      verdicts.filter((v) => v.ok).map((v) => v.remaining[0]),
      [6, 5, 4, 3, 2, 1, 0],
      'each caller sees the counter as its own call left it',
    );
  });

  test('a budget hold, its spend and its release in one turn keep their order', async () => {
    const batch = new ScriptBatcher(link, SCRIPTS);
    const budgets = new RedisBudgetStore(link, { batch, localSpent: () => 0 });
    const key = 'ws\u0000key\u0000app\u00002026-12';
    assert.equal(await budgets.reserve(key, 1, 10), true);
    budgets.addSpend(key, 0.25);
    await budgets.release(key, 1);
    assert.equal(await admin.get('b:spend:ws:key:app:2026-12'), '0.25');
    assert.equal(await admin.exists('b:held:ws:key:app:2026-12'), 0, 'the hold is gone');
    // Two holds in one turn: the second sees the first.
    const [x, y] = await Promise.all([budgets.reserve(key, 5, 10), budgets.reserve(key, 5, 10)]);
    assert.deepEqual([x, y], [true, false]);
  });

  test('Redis down: every call of the batch fails (closed mode refuses each)', async () => {
    const batch = new ScriptBatcher(link, SCRIPTS);
    const counter = new RedisRateCounter(link, batch);
    const take = [{ id: 'ws\u0000key\u0000down\u0000rpm', limit: 5, windowMs: 60_000, cost: 1 }];
    await redis.kill();
    const outcomes = await Promise.allSettled([counter.take(take, Date.now()), counter.take(take, Date.now())]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['rejected', 'rejected'],
    );
    for (const o of outcomes) assert.match(String((o as PromiseRejectedResult).reason), /limits cannot be checked/);
    await redis.restart();
  });
});

describe('a batch answered with something else', () => {
  // What a server that is not the batch script's (a proxy, another version) might answer: each
  // caller fails with the reason, none waits forever, and nothing escapes as a rejection.
  test('a reply that is not one answer per call fails every call of the batch', async () => {
    const notAList = { eval: async () => null } as unknown as RedisLink;
    const batch = new ScriptBatcher(notAList, SCRIPTS);
    const calls = [batch.call(TAKE, ['a'], [1]), batch.call(SETTLE, ['b'], [2])];
    const results = await Promise.allSettled(calls);
    assert.deepEqual(
      results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'resolved')),
      [
        'Error: redis answered a batch of 2 calls with no list',
        'Error: redis answered a batch of 2 calls with no list',
      ],
    );
  });
});
