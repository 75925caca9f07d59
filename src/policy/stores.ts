// Shared-state store interfaces for the policies (rate limits, budgets, sessions). The rate
// counters are wired in (serve/stages/limits.ts); the budget stage uses ReservationStore (its
// spent figure comes from the SQLite spend ledger, which has SpendStore's shape); the session
// stage keeps conversations in a SessionStore. Each store has
// an in-memory implementation (one process) here; a shared backend such as Redis answers the
// same calls with promises, hence MaybePromise. Times are passed in (epoch ms) rather than read,
// so callers reuse the clock reading they already have and tests need no fake timers.

/** A value now (in-memory store) or later (a networked store). */
export type MaybePromise<T> = T | Promise<T>;

/** One counter a request takes from: at most `limit` units in any `windowMs` (a sliding window). */
export interface RateTake {
  /** The counter's id (workspace, subject, name and kind: rate-limits.ts builds it). */
  readonly id: string;
  readonly limit: number;
  readonly windowMs: number;
  /** Units taken: 1 for a request, the estimated tokens for a token limit (at least 1). */
  readonly cost: number;
}

/**
 * The answer of take(). Admitted: every counter was taken from, `handles[i]` names the entry of
 * takes[i] (for settle). Refused: nothing was taken; `refused` is the index of the counter that
 * frees last and `waitMs` how long until the request would fit (Infinity: never, its cost alone
 * is over the limit). Either way `remaining[i]` and `resetMs[i]` describe takes[i] afterwards:
 * units left in the window, and ms until its oldest entry leaves it (0: empty).
 */
export interface RateVerdict {
  readonly ok: boolean;
  readonly refused: number;
  readonly waitMs: number;
  readonly handles: readonly number[];
  readonly remaining: readonly number[];
  readonly resetMs: readonly number[];
}

/**
 * Sliding-window counters for rate limits. take() is atomic over all the counters it names:
 * it checks every one, then takes from every one, or from none (a Redis implementation does the
 * same in one script). A counter's window is (nowMs - windowMs, nowMs]: an entry taken at t
 * counts until t + windowMs.
 */
export interface RateCounterStore {
  take(takes: readonly RateTake[], nowMs: number): MaybePromise<RateVerdict>;
  /** Replaces the cost of an entry take() admitted (a token reservation by the real count); a no-op once it left the window. */
  settle(id: string, handle: number, cost: number): MaybePromise<void>;
  /** What each counter has left at `nowMs`, taking nothing (`gw route --server`); `cost` is ignored. */
  peek(takes: readonly RateTake[], nowMs: number): MaybePromise<RateReading>;
}

/** Per counter of a peek(), in the order asked: units left in the window, ms until its oldest entry leaves (0: empty). */
export interface RateReading {
  readonly remaining: readonly number[];
  readonly resetMs: readonly number[];
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
