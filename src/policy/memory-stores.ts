// In-memory implementations of the stores in stores.ts: one process, no persistence. The rate
// counter is wired in (serve/stages/limits.ts); MemoryReservationStore holds the budgets'
// in-flight reservations (runtime.ts makes one per process); MemorySessionStore keeps the
// endpoints' sessions (serve/stages/session.ts); the spend store is not wired into the request path yet.
import type {
  RateCounterStore,
  RateReading,
  RateTake,
  RateVerdict,
  ReservationStore,
  SessionStore,
  SpendStore,
  SpendSubject,
} from './stores.js';

/**
 * One counter's admitted entries, oldest first, in a ring that grows by doubling: it never holds
 * more entries than were admitted inside one window, and at most `limit` of them (each costs at
 * least 1), so memory is bounded by the limit and by the traffic. `first` is the sequence number
 * of the oldest entry; a handle is an entry's sequence number, so it stays valid as the ring
 * turns and grows.
 */
class Window {
  times = new Float64Array(8);
  costs = new Float64Array(8);
  start = 0;
  size = 0;
  first = 0;
  sum = 0;
  constructor(public windowMs: number) {}

  /** Drops the entries that left (nowMs - windowMs, nowMs]. */
  evict(nowMs: number): void {
    const from = nowMs - this.windowMs;
    const cap = this.times.length;
    while (this.size > 0 && (this.times[this.start] as number) <= from) {
      this.sum -= this.costs[this.start] as number;
      this.start = (this.start + 1) % cap;
      this.size--;
      this.first++;
    }
    if (this.size === 0) this.sum = 0; // no float drift left behind
  }

  /** ms until `cost` more fits under `limit`; 0 now, Infinity never. */
  waitMs(limit: number, cost: number, nowMs: number): number {
    if (cost > limit) return Infinity;
    let left = this.sum;
    if (left + cost <= limit) return 0;
    const cap = this.times.length;
    for (let i = 0; i < this.size; i++) {
      const at = (this.start + i) % cap;
      left -= this.costs[at] as number;
      if (left + cost <= limit) return (this.times[at] as number) + this.windowMs - nowMs;
    }
    return Infinity;
  }

  /** ms until the oldest entry leaves (0: empty). */
  resetMs(nowMs: number): number {
    return this.size === 0 ? 0 : (this.times[this.start] as number) + this.windowMs - nowMs;
  }

  push(nowMs: number, cost: number): number {
    let cap = this.times.length;
    if (this.size === cap) {
      const times = new Float64Array(cap * 2);
      const costs = new Float64Array(cap * 2);
      for (let i = 0; i < this.size; i++) {
        const at = (this.start + i) % cap;
        times[i] = this.times[at] as number;
        costs[i] = this.costs[at] as number;
      }
      this.times = times;
      this.costs = costs;
      this.start = 0;
      cap *= 2;
    }
    const at = (this.start + this.size) % cap;
    this.times[at] = nowMs;
    this.costs[at] = cost;
    this.size++;
    this.sum += cost;
    return this.first + this.size - 1;
  }

  settle(handle: number, cost: number): void {
    const i = handle - this.first;
    if (i < 0 || i >= this.size) return;
    const at = (this.start + i) % this.times.length;
    this.sum += cost - (this.costs[at] as number);
    this.costs[at] = cost;
  }
}

/** How many take() calls between two sweeps of counters left empty (subjects a reload removed). */
const SWEEP_EVERY = 10_000;

/**
 * Exact sliding-window counters (one process): check all, then take all, in one synchronous
 * call. Expects `nowMs` not to go backwards (one process, one clock).
 */
export class MemoryRateCounter implements RateCounterStore {
  readonly #windows = new Map<string, Window>();
  #calls = 0;

  take(takes: readonly RateTake[], nowMs: number): RateVerdict {
    const n = takes.length;
    const windows: Window[] = new Array<Window>(n);
    let refused = -1;
    let waitMs = 0;
    for (let i = 0; i < n; i++) {
      const t = takes[i] as RateTake;
      let w = this.#windows.get(t.id);
      if (w === undefined) {
        w = new Window(t.windowMs);
        this.#windows.set(t.id, w);
      }
      w.windowMs = t.windowMs;
      w.evict(nowMs);
      windows[i] = w;
      const wait = w.waitMs(t.limit, t.cost, nowMs);
      if (wait > waitMs) {
        waitMs = wait;
        refused = i;
      }
    }
    const ok = refused === -1;
    const handles: number[] = ok ? new Array<number>(n) : [];
    const remaining: number[] = new Array<number>(n);
    const resetMs: number[] = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const t = takes[i] as RateTake;
      const w = windows[i] as Window;
      if (ok) handles[i] = w.push(nowMs, t.cost);
      remaining[i] = Math.max(0, t.limit - w.sum);
      resetMs[i] = w.resetMs(nowMs);
    }
    if (++this.#calls >= SWEEP_EVERY) this.sweep(nowMs);
    return { ok, refused, waitMs: ok ? 0 : waitMs, handles, remaining, resetMs };
  }

  settle(id: string, handle: number, cost: number): void {
    this.#windows.get(id)?.settle(handle, cost);
  }

  peek(takes: readonly RateTake[], nowMs: number): RateReading {
    const remaining: number[] = [];
    const resetMs: number[] = [];
    for (const t of takes) {
      const w = this.#windows.get(t.id);
      w?.evict(nowMs);
      remaining.push(Math.max(0, t.limit - (w?.sum ?? 0)));
      resetMs.push(w?.resetMs(nowMs) ?? 0);
    }
    return { remaining, resetMs };
  }

  /** Forgets counters whose window is empty at `nowMs`. */
  sweep(nowMs: number): void {
    this.#calls = 0;
    for (const [id, w] of this.#windows) {
      w.evict(nowMs);
      if (w.size === 0) this.#windows.delete(id);
    }
  }

  /** Counters held (empty ones not yet swept included). */
  get size(): number {
    return this.#windows.size;
  }
}

const SEP = '\u0000';

export class MemorySpendStore implements SpendStore {
  readonly #spend = new Map<string, number>();

  add(workspace: string, kind: SpendSubject, subject: string, month: string, usd: number): void {
    const k = workspace + SEP + kind + SEP + subject + SEP + month;
    this.#spend.set(k, (this.#spend.get(k) ?? 0) + usd);
  }

  get(workspace: string, kind: SpendSubject, subject: string, month: string): number {
    return this.#spend.get(workspace + SEP + kind + SEP + subject + SEP + month) ?? 0;
  }
}

/** Reservations in one process; amounts below 1e-12 USD count as nothing (float noise). */
export class MemoryReservationStore implements ReservationStore {
  readonly #held = new Map<string, number>();

  reserve(key: string, amount: number, limit: number): boolean {
    const now = this.#held.get(key) ?? 0;
    if (now + amount > limit) return false;
    this.#held.set(key, now + amount);
    return true;
  }

  release(key: string, amount: number): void {
    const left = (this.#held.get(key) ?? 0) - amount;
    if (left > 1e-12) this.#held.set(key, left);
    else this.#held.delete(key);
  }

  held(key: string): number {
    return this.#held.get(key) ?? 0;
  }

  /** Keys with something held. */
  get size(): number {
    return this.#held.size;
  }
}

interface Session<M> {
  readonly messages: readonly M[];
  readonly expiresAt: number;
}

/** Sessions one process keeps at most, by default (the least recently used one makes room). */
export const DEFAULT_MAX_SESSIONS = 10_000;

/**
 * Sessions in one Map, least recently used first (Map order: get and put move a session to the
 * end), so memory is bounded by maxSessions: a put beyond it drops the least recently used one.
 * Expired sessions are dropped when read, and by expire().
 */
export class MemorySessionStore<M = unknown> implements SessionStore<M> {
  readonly #sessions = new Map<string, Session<M>>();
  readonly #max: number;

  constructor(opts: { readonly maxSessions?: number } = {}) {
    this.#max = Math.max(1, opts.maxSessions ?? DEFAULT_MAX_SESSIONS);
  }

  get(id: string, nowMs: number): readonly M[] | undefined {
    const s = this.#sessions.get(id);
    if (s === undefined) return undefined;
    this.#sessions.delete(id);
    if (s.expiresAt <= nowMs) return undefined;
    this.#sessions.set(id, s);
    return s.messages;
  }

  put(id: string, messages: readonly M[], ttlMs: number, nowMs: number): void {
    this.#sessions.delete(id);
    this.#sessions.set(id, { messages, expiresAt: nowMs + ttlMs });
    while (this.#sessions.size > this.#max) {
      const oldest = this.#sessions.keys().next().value as string;
      this.#sessions.delete(oldest);
    }
  }

  expire(nowMs: number): number {
    let n = 0;
    for (const [id, s] of this.#sessions) {
      if (s.expiresAt <= nowMs) {
        this.#sessions.delete(id);
        n++;
      }
    }
    return n;
  }

  /** Sessions held, expired ones not yet dropped included. */
  get size(): number {
    return this.#sessions.size;
  }
}
