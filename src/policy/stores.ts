// Shared-state store interfaces for the policies (rate limits, budgets, sessions). The budget
// stage uses ReservationStore (its spent figure comes from the SQLite spend ledger, which has
// SpendStore's shape); the others are not wired in yet. Each store has
// an in-memory implementation (one process) here; a shared backend such as Redis answers the
// same calls with promises, hence MaybePromise. Times are passed in (epoch ms) rather than read,
// so callers reuse the clock reading they already have and tests need no fake timers.

/** A value now (in-memory store) or later (a networked store). */
export type MaybePromise<T> = T | Promise<T>;

/** Hits per key over a sliding window, for request-rate limits. */
export interface RateCounterStore {
  /** Records one hit for `key` at `nowMs`; returns the hits in (nowMs - windowMs, nowMs], this one included. */
  hit(key: string, windowMs: number, nowMs: number): MaybePromise<number>;
  /** The hits in (nowMs - windowMs, nowMs] without recording one. */
  count(key: string, windowMs: number, nowMs: number): MaybePromise<number>;
}

/** What a monthly spend is kept for: a caller key or an endpoint (the `spend` table's subject_kind). */
export type SpendSubject = 'key' | 'endpoint';

/** Spend in USD per workspace, key or endpoint and UTC month ('YYYY-MM'), for budgets. */
export interface SpendStore {
  add(workspace: string, kind: SpendSubject, subject: string, month: string, usd: number): MaybePromise<void>;
  /** 0 when nothing was spent. */
  get(workspace: string, kind: SpendSubject, subject: string, month: string): MaybePromise<number>;
}

/**
 * Money held for requests in flight, per budget (a key or endpoint and month), so concurrent
 * requests cannot overspend a budget together. Check-and-take is one call: a Redis backend
 * answers it with one script.
 */
export interface ReservationStore {
  /**
   * Holds `amount` on `key` when what is held there plus `amount` stays within `limit`; else
   * holds nothing. true when held.
   */
  reserve(key: string, amount: number, limit: number): MaybePromise<boolean>;
  /** Gives back `amount` held on `key` by reserve(). */
  release(key: string, amount: number): MaybePromise<void>;
  /** What is held on `key` now (0 for none). */
  held(key: string): MaybePromise<number>;
}

/** A conversation's messages by session id, dropped after a time to live. */
export interface SessionStore<M = unknown> {
  /** The messages, or undefined when the session is unknown or expired at `nowMs`. */
  get(id: string, nowMs: number): MaybePromise<readonly M[] | undefined>;
  /** Replaces the session's messages; it expires `ttlMs` after `nowMs`. */
  put(id: string, messages: readonly M[], ttlMs: number, nowMs: number): MaybePromise<void>;
  /** Drops every session expired at `nowMs`; returns how many. */
  expire(nowMs: number): MaybePromise<number>;
}
