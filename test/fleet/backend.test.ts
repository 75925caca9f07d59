// The limits backend chosen from gateway.yaml's `limits`: memory starts nothing, redis without a
// URL is a start problem, and with a real redis-server the backend reports up/down to the
// metrics and feeds recorded costs into the fleet's spend of the budgets it holds on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFleetBackend, type FleetBackend } from '../../src/fleet/backend.js';
import { budgetKey } from '../../src/policy/budgets.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { monthOf } from '../../src/telemetry/usage-row.js';
import { SKIP_NO_REDIS, startRedis } from '../helpers/redis.js';

const logger = createLogger({ level: 'silent' });
const settings = { backend: 'redis', url: undefined, keyPrefix: 'b:', timeoutMs: 200, failMode: 'open' } as const;

test('memory starts nothing; redis without limits.url is a start problem', async () => {
  const metrics = { limitsBackendUp: () => undefined, limitsBackendFailed: () => undefined };
  const deps = { logger, metrics, localSpent: () => 0 };
  assert.equal(await startFleetBackend({ ...settings, backend: 'memory' }, deps), undefined);
  assert.match(String(await startFleetBackend(settings, deps)), /limits\.url is not set/);
});

test(
  'redis: up reported, recorded costs reach the fleet spend of budgets held on',
  { skip: SKIP_NO_REDIS },
  async () => {
    const redis = await startRedis();
    const ups: boolean[] = [];
    let fleet: FleetBackend | undefined;
    try {
      const metrics = { limitsBackendUp: (up: boolean) => ups.push(up), limitsBackendFailed: () => undefined };
      const b = await startFleetBackend(
        { ...settings, url: redis.url },
        {
          logger,
          metrics,
          localSpent: (ws, kind, subject) => (ws === 'default' && kind === 'key' && subject === 'app' ? 1 : 0),
        },
      );
      assert.ok(b !== undefined && typeof b !== 'string');
      fleet = b;
      assert.deepEqual(ups, [true]);
      const now = Date.now();
      const key = budgetKey('default', 'key', 'app', monthOf(now));
      assert.equal(await fleet.reservations.reserve(key, 0.5, 2), true);
      assert.equal(fleet.spent('default', 'key', 'app', monthOf(now)), 1, 'seeded from this instance SQLite');
      fleet.recorded({ ts: now, workspace: 'default', keyName: 'app', endpoint: 'bot', costUsd: 0.25 });
      await fleet.reservations.release(key, 0.5);
      // 1.25 spent now: a hold of 0.8 no longer fits a budget of 2, one of 0.75 does.
      assert.equal(await fleet.reservations.reserve(key, 0.8, 2), false);
      assert.equal(fleet.spent('default', 'key', 'app', monthOf(now)), 1.25);
      assert.equal(await fleet.reservations.reserve(key, 0.75, 2), true);
      // The endpoint had no hold here (no budget): its cost is not kept in Redis.
      assert.equal(await fleet.link.client.exists('b:spend:default:endpoint:bot:' + monthOf(now)), 0);
    } finally {
      await fleet?.close();
      await redis.stop();
    }
  },
);
