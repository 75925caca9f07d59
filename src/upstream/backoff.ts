// Waits between tries of one target: exponential from the endpoint's backoff, with jitter so
// many gateways do not retry in lock-step, and never shorter than what the upstream asked for
// (the executor moves on instead of retrying when that is over upstream.maxRetryAfter).

const MAX_BACKOFF_MS = 30_000; // 30s

/** retry is 0 for the wait before the first retry. */
export function backoffDelay(
  baseMs: number,
  retry: number,
  retryAfterMs: number | undefined,
  random: () => number,
): number {
  const exp = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** retry);
  const jittered = exp / 2 + (random() * exp) / 2; // "equal jitter": [exp/2, exp]
  return Math.max(jittered, retryAfterMs ?? 0);
}
