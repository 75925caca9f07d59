// The limits backend of one gateway, from gateway.yaml's `limits` (README: Fleet (Redis)): with
// `backend: redis`, the rate counters, budget holds and the month's spend live in Redis, shared
// by every instance; with `memory` (the default) nothing here runs and runtime.ts keeps its
// in-process stores. Each instance still writes its own usage rows and spend to its SQLite.
import type { LimitsBackendSettings } from '../config/settings.js';
import { budgetKey } from '../policy/budgets.js';
import type { RateCounterStore, SpendSubject } from '../policy/stores.js';
import type { Logger } from '../telemetry/logger.js';
import { monthOf } from '../telemetry/usage-row.js';
import { ScriptBatcher } from './batch.js';
import { RedisLink } from './redis-link.js';
import { ADD_SPEND, RELEASE, RESERVE, SETTLE, TAKE } from './scripts.js';
import { RedisBudgetStore, RedisRateCounter } from './redis-stores.js';

/** The metrics the backend feeds (telemetry/metrics.ts). */
export interface BackendMetrics {
  limitsBackendUp(up: boolean): void;
  limitsBackendFailed(op: string): void;
}

export interface FleetBackendDeps {
  readonly logger: Logger;
  readonly metrics: BackendMetrics;
  /** This instance's recorded spend (SQLite): seeds a month's counter Redis does not have. */
  readonly localSpent: (workspace: string, kind: SpendSubject, subject: string, month: string) => number;
}

/** What a usage row brings to the fleet's spend. */
interface CostRow {
  readonly ts: number;
  readonly workspace: string;
  readonly keyName?: string | null | undefined;
  readonly endpoint?: string | null | undefined;
  readonly costUsd?: number | null | undefined;
}

export interface FleetBackend {
  readonly link: RedisLink;
  readonly rateStore: RateCounterStore;
  readonly reservations: RedisBudgetStore;
  /** For the budget stage's refusal message: the fleet's spend Redis last reported. */
  spent(workspace: string, kind: SpendSubject, subject: string, month: string): number;
  /** Adds a recorded row's cost to the fleet's spend (call right after recording it). */
  recorded(row: CostRow): void;
  close(): Promise<void>;
}

/** How long start-up waits for Redis; past it the gateway starts anyway and failMode applies until Redis answers. */
const CONNECT_WAIT_MS = 2000;
/** At most one "call failed" log line per this long (a dead Redis fails every request). */
const FAILURE_LOG_EVERY_MS = 5000;

const SEP = '\u0000';

/** The scripts a request runs, batched per event-loop turn. */
const REQUEST_PATH_SCRIPTS = [TAKE, SETTLE, RESERVE, RELEASE, ADD_SPEND];

/** undefined for the memory backend; a problem line when the redis backend has no URL. */
export async function startFleetBackend(
  s: LimitsBackendSettings,
  deps: FleetBackendDeps,
): Promise<FleetBackend | string | undefined> {
  if (s.backend !== 'redis') return undefined;
  if (s.url === undefined) return 'limits.backend is redis but limits.url is not set; nothing was started';
  const { logger, metrics } = deps;
  let lastFailureLog = 0;
  const link = new RedisLink({
    url: s.url,
    keyPrefix: s.keyPrefix,
    timeoutMs: s.timeoutMs,
    failMode: s.failMode,
    onUp(up) {
      metrics.limitsBackendUp(up);
      if (up) logger.info('limits backend (redis) answers: limits, budgets and spend are shared again');
      else
        logger.warn(
          { failMode: s.failMode },
          s.failMode === 'open'
            ? 'limits backend (redis) does not answer: requests are admitted without shared limits (failMode open)'
            : 'limits backend (redis) does not answer: limited requests are refused with GW_ERR_LIMITS_UNAVAILABLE (failMode closed)',
        );
    },
    onFailure(op, err) {
      metrics.limitsBackendFailed(op);
      const now = Date.now();
      if (now - lastFailureLog < FAILURE_LOG_EVERY_MS) return;
      lastFailureLog = now;
      logger.warn(
        { op, failMode: s.failMode, reason: err instanceof Error ? err.message : String(err) },
        'limits backend (redis) call failed',
      );
    },
  });
  await link.connect(CONNECT_WAIT_MS);
  const batch = new ScriptBatcher(link, REQUEST_PATH_SCRIPTS);
  const reservations = new RedisBudgetStore(link, {
    batch,
    localSpent: (key) => {
      const [ws, kind, subject, month] = key.split(SEP) as [string, SpendSubject, string, string];
      return deps.localSpent(ws, kind, subject, month);
    },
  });
  return {
    link,
    rateStore: new RedisRateCounter(link, batch),
    reservations,
    spent: (ws, kind, subject, month) => reservations.lastSpent(budgetKey(ws, kind, subject, month)),
    recorded(row) {
      const cost = row.costUsd ?? 0;
      if (cost <= 0) return;
      const m = monthOf(row.ts);
      if (row.keyName != null) reservations.addSpend(budgetKey(row.workspace, 'key', row.keyName, m), cost);
      if (row.endpoint != null) reservations.addSpend(budgetKey(row.workspace, 'endpoint', row.endpoint, m), cost);
    },
    close: () => link.close(),
  };
}
