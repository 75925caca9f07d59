// A timer that a caller can cut short. CallerSignal is the part of an AbortSignal gw needs:
// whether the caller went away, and a way to hear it. An AbortSignal fits this shape; the server
// passes a lighter object (serve/caller-link.ts) because an AbortSignal is costly to create on
// the hot path (see bench/README.md).

export interface CallerSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Resolves after ms; rejects with the caller's reason as soon as it goes away. */
export function pause(ms: number, caller: CallerSignal): Promise<void> {
  if (caller.aborted) return Promise.reject(caller.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(caller.reason);
    };
    const timer = setTimeout(() => {
      caller.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    caller.addEventListener('abort', onAbort, { once: true });
  });
}
