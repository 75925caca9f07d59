// Waits between tries of one target: exponential from the endpoint's backoff, with jitter so
// many gateways do not retry in lock-step, and never shorter than what the upstream asked for.

const MAX_BACKOFF_MS = 30_000; // 30s

/** retry is 0 for the wait before the first retry. */
export function backoffDelay(baseMs: number, retry: number, retryAfterMs: number | undefined, random: () => number): number {
  const exp = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** retry);
  const jittered = exp / 2 + (random() * exp) / 2; // "equal jitter": [exp/2, exp]
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** Resolves after ms; rejects with signal.reason as soon as the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
