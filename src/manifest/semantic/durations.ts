// Durations out of range. The schema checks the form ('500ms', '5m'); this checks the amount,
// with the same parser the compiler uses so both read a value identically.
import { parseDuration } from '../../util/duration.js';
import type { Resource } from '../types.js';
import { isKind, type Path, type SemanticContext } from './context.js';

interface Bounds {
  readonly minMs: number;
  readonly maxMs: number;
  /** How the message names the range, e.g. "a timeout must be between 1ms and 1h". */
  readonly rule: string;
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// Per attempt; longer than an hour is a stalled connection, not a slow model.
const TIMEOUT: Bounds = { minMs: 1, maxMs: HOUR, rule: 'a timeout must be between 1ms and 1h' };
// The first backoff doubles each retry; beyond 60s the caller has long given up.
const BACKOFF: Bounds = { minMs: 0, maxMs: MINUTE, rule: 'a retry backoff must be between 0ms and 60s' };
const SESSION_TTL: Bounds = { minMs: SECOND, maxMs: 30 * DAY, rule: 'a session ttl must be between 1s and 30d' };
const MOCK_LATENCY: Bounds = { minMs: 0, maxMs: 10 * MINUTE, rule: 'a mock latency must be between 0ms and 10m' };
const FLUSH_INTERVAL: Bounds = { minMs: 1, maxMs: MINUTE, rule: 'a flush interval must be between 1ms and 60s' };
const CALLER_TIMEOUT: Bounds = { minMs: 100, maxMs: HOUR, rule: 'a caller timeout must be between 100ms and 1h' };
const REQUEST_TIMEOUT: Bounds = {
  minMs: SECOND,
  maxMs: 24 * HOUR,
  rule: 'a request timeout must be between 1s and 24h',
};
const RETRY_AFTER: Bounds = { minMs: 0, maxMs: 10 * MINUTE, rule: 'maxRetryAfter must be between 0ms and 10m' };
const BREAKER_COOLDOWN: Bounds = { minMs: 100, maxMs: HOUR, rule: 'a breaker cooldown must be between 100ms and 1h' };
const DRAIN_TIMEOUT: Bounds = { minMs: 0, maxMs: HOUR, rule: 'a drain timeout must be between 0ms and 1h' };

function check(ctx: SemanticContext, r: Resource, path: Path, value: unknown, bounds: Bounds): void {
  if (typeof value !== 'string') return;
  const ms = parseDuration(value);
  if (ms === undefined) return; // the schema reports the form
  if (ms >= bounds.minMs && ms <= bounds.maxMs) return;
  const msg = `${path.join('.')} of ${r.kind.toLowerCase()} ${r.name} is ${value}, out of range: ${bounds.rule}; pick a value inside it`;
  ctx.report(r, path, 'GW_ERR_DURATION', msg);
}

export function checkDurations(ctx: SemanticContext): void {
  for (const r of ctx.resources) {
    if (isKind(r, 'Provider')) {
      check(ctx, r, ['spec', 'timeout'], r.manifest.spec.timeout, TIMEOUT);
      check(ctx, r, ['spec', 'mock', 'latency'], r.manifest.spec.mock?.latency, MOCK_LATENCY);
    } else if (isKind(r, 'Endpoint')) {
      const spec = r.manifest.spec;
      check(ctx, r, ['spec', 'timeout'], spec.timeout, TIMEOUT);
      if (spec.type === 'chat') {
        check(ctx, r, ['spec', 'routing', 'retries', 'backoff'], spec.routing?.retries?.backoff, BACKOFF);
        check(ctx, r, ['spec', 'sessions', 'ttl'], spec.sessions?.ttl, SESSION_TTL);
      }
    } else if (isKind(r, 'Gateway')) {
      check(ctx, r, ['spec', 'storage', 'flushInterval'], r.manifest.spec.storage?.flushInterval, FLUSH_INTERVAL);
      check(ctx, r, ['spec', 'shutdown', 'drainTimeout'], r.manifest.spec.shutdown?.drainTimeout, DRAIN_TIMEOUT);
      const proxy = r.manifest.spec.proxy;
      for (const key of ['headersTimeout', 'bodyTimeout', 'sendTimeout', 'keepAliveTimeout'] as const) {
        check(ctx, r, ['spec', 'proxy', key], proxy?.[key], CALLER_TIMEOUT);
      }
      check(ctx, r, ['spec', 'proxy', 'requestTimeout'], proxy?.requestTimeout, REQUEST_TIMEOUT);
      const upstream = r.manifest.spec.upstream;
      check(ctx, r, ['spec', 'upstream', 'maxRetryAfter'], upstream?.maxRetryAfter, RETRY_AFTER);
      check(ctx, r, ['spec', 'upstream', 'breaker', 'cooldown'], upstream?.breaker?.cooldown, BREAKER_COOLDOWN);
    }
  }
}
