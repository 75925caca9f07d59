// The caller's error once every target failed, named by what the attempts that reached a
// target have in common (execute.ts gathers them).
import { GwError } from '../errors.js';
import type { Failure } from './failure.js';

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * The caller's error once every target failed. The failures of attempts that reached a target
 * decide (circuit skips do not): all timed out → GW_ERR_UPSTREAM_TIMEOUT; all were 429 →
 * GW_ERR_UPSTREAM_RATE_LIMITED with the soonest Retry-After hint; all were protocol failures (an
 * answer that is not the API) → GW_ERR_UPSTREAM_PROTOCOL; all were safety blocks (a content
 * filter refused the prompt) → GW_ERR_UPSTREAM_BLOCKED; any answer refused by schema.output → GW_ERR_OUTPUT_SCHEMA;
 * else GW_ERR_UPSTREAM_EXHAUSTED. No
 * attempt reached a target because every breaker was open → GW_ERR_UPSTREAM_CIRCUIT_OPEN with
 * Retry-After until the first probe. details.retryAfterSec becomes the answer's Retry-After.
 */
export function finalError(
  attempts: readonly object[],
  real: readonly Failure[],
  circuitWaits: readonly number[],
  f: Failure,
): GwError {
  const details: Record<string, unknown> = { attempts };
  const n = attempts.length;
  if (real.length === 0 && circuitWaits.length > 0) {
    details.retryAfterSec = seconds(Math.min(...circuitWaits));
    return new GwError(
      'GW_ERR_UPSTREAM_CIRCUIT_OPEN',
      `every target's circuit breaker is open; the first probe goes in ${String(details.retryAfterSec)} s`,
      details,
    );
  }
  if (real.length > 0 && real.every((x) => x.cls === 'timeout')) {
    return new GwError('GW_ERR_UPSTREAM_TIMEOUT', `every upstream attempt timed out (${n} attempts)`, details);
  }
  const lastReal = real.at(-1) ?? f;
  if (lastReal.status !== undefined) details.upstreamStatus = lastReal.status;
  details.upstreamMessage = lastReal.message;
  if (real.some((x) => x.output === true)) {
    return new GwError(
      'GW_ERR_OUTPUT_SCHEMA',
      `no answer matched the endpoint's output schema (${n} attempt${n === 1 ? '' : 's'}): ${lastReal.message}`,
      details,
    );
  }
  if (real.length > 0 && real.every((x) => x.cls === '429')) {
    let hint: number | undefined;
    for (const x of real) if (x.retryAfterMs !== undefined) hint = Math.min(hint ?? Infinity, x.retryAfterMs);
    if (hint !== undefined) details.retryAfterSec = seconds(hint);
    return new GwError(
      'GW_ERR_UPSTREAM_RATE_LIMITED',
      `every upstream attempt was rate-limited (${n} attempt${n === 1 ? '' : 's'}): ${lastReal.message}`,
      details,
    );
  }
  if (real.length > 0 && real.every((x) => x.blocked === true)) {
    return new GwError('GW_ERR_UPSTREAM_BLOCKED', `the upstream's safety system refused: ${lastReal.message}`, details);
  }
  if (real.length > 0 && real.every((x) => x.protocol === true)) {
    return new GwError(
      'GW_ERR_UPSTREAM_PROTOCOL',
      `the upstream answered something that is not its API (${n} attempt${n === 1 ? '' : 's'}): ${lastReal.message}`,
      details,
    );
  }
  return new GwError(
    'GW_ERR_UPSTREAM_EXHAUSTED',
    `upstream failed after ${n} attempt${n === 1 ? '' : 's'}: ${lastReal.message}`,
    details,
  );
}
