// Failed admin-key attempts, counted per remote address in a fixed window: the first failure
// opens a window, and once it holds `maxFailures` failures every request of that address that
// would be checked against the key is refused (429, Retry-After) until the window ends, the right
// key included, or guessing would simply go on. Only requests that present an Authorization
// header count: a request without one is no guess, and a web page cannot add one without a
// CORS preflight, so a page cannot lock the operator out. Memory is bounded: at most
// `maxAddresses` windows are kept; entries sit in the Map in the order their windows opened, so
// expired ones are pruned from the front and, when still full, the oldest window is dropped.

export interface AuthThrottleOptions {
  /** Failures per window before the address is refused; default 10. */
  readonly maxFailures?: number;
  /** Window length; default 60 s. */
  readonly windowMs?: number;
  /** Addresses tracked at most; default 10 000. */
  readonly maxAddresses?: number;
  /** Clock, for tests. */
  readonly now?: () => number;
}

interface Window {
  readonly start: number;
  failures: number;
}

export const ADMIN_AUTH_MAX_FAILURES = 10;
export const ADMIN_AUTH_WINDOW_MS = 60_000; // 1 min

/** `::ffff:127.0.0.1` and `127.0.0.1` are one address. */
function normalize(addr: string | undefined): string {
  const a = addr ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

export class AuthThrottle {
  private readonly windows = new Map<string, Window>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(o: AuthThrottleOptions = {}) {
    this.maxFailures = o.maxFailures ?? ADMIN_AUTH_MAX_FAILURES;
    this.windowMs = o.windowMs ?? ADMIN_AUTH_WINDOW_MS;
    this.maxAddresses = o.maxAddresses ?? 10_000;
    this.now = o.now ?? Date.now;
  }

  /** Milliseconds until `addr` may try a key again; 0 when it may now. */
  blockedFor(addr: string | undefined): number {
    const key = normalize(addr);
    const w = this.windows.get(key);
    if (w === undefined) return 0;
    const left = w.start + this.windowMs - this.now();
    if (left <= 0) {
      this.windows.delete(key);
      return 0;
    }
    return w.failures >= this.maxFailures ? left : 0;
  }

  /** Counts one wrong or malformed key from `addr`. */
  fail(addr: string | undefined): void {
    const key = normalize(addr);
    const now = this.now();
    const w = this.windows.get(key);
    if (w !== undefined && now - w.start < this.windowMs) {
      w.failures += 1;
      return;
    }
    this.windows.delete(key);
    this.prune(now);
    this.windows.set(key, { start: now, failures: 1 });
  }

  /** Addresses with an open window (for tests and metrics). */
  get size(): number {
    return this.windows.size;
  }

  private prune(now: number): void {
    for (const [k, w] of this.windows) {
      if (now - w.start < this.windowMs && this.windows.size < this.maxAddresses) break;
      this.windows.delete(k);
    }
  }
}
