// In-memory implementations of the stores in stores.ts: one process, no persistence.
// MemoryReservationStore holds the budgets' in-flight reservations (runtime.ts makes one per
// process); the others are not wired into the request path yet.
import type { RateCounterStore, ReservationStore, SessionStore, SpendStore, SpendSubject } from './stores.js';

/** One key's hit times, oldest first; `head` skips expired ones without shifting the array. */
interface HitLog {
  times: number[];
  head: number;
}

/**
 * An exact sliding-window log: memory grows with the hits inside the window. Expects `nowMs` not
 * to go backwards per key (one process, one clock); every hit recorded so far counts as inside.
 */
export class MemoryRateCounter implements RateCounterStore {
  readonly #logs = new Map<string, HitLog>();

  hit(key: string, windowMs: number, nowMs: number): number {
    let log = this.#logs.get(key);
    if (log === undefined) {
      log = { times: [], head: 0 };
      this.#logs.set(key, log);
    }
    log.times.push(nowMs);
    return this.#inWindow(log, windowMs, nowMs);
  }

  count(key: string, windowMs: number, nowMs: number): number {
    const log = this.#logs.get(key);
    if (log === undefined) return 0;
    const n = this.#inWindow(log, windowMs, nowMs);
    if (n === 0 && log.head >= log.times.length) this.#logs.delete(key);
    return n;
  }

  /** Drops hits older than `windowMs` before `nowMs` for every key, and keys left with none. */
  sweep(windowMs: number, nowMs: number): void {
    for (const [key, log] of this.#logs) {
      this.#inWindow(log, windowMs, nowMs);
      if (log.head >= log.times.length) this.#logs.delete(key);
    }
  }

  /** Counts hits in (nowMs - windowMs, nowMs] and forgets the older ones. */
  #inWindow(log: HitLog, windowMs: number, nowMs: number): number {
    const from = nowMs - windowMs;
    const t = log.times;
    let h = log.head;
    while (h < t.length && (t[h] as number) <= from) h++;
    // Compact once the dead prefix outweighs the live part, so pushes stay amortised O(1).
    if (h > 64 && h * 2 > t.length) {
      t.splice(0, h);
      h = 0;
    }
    log.head = h;
    return t.length - h;
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

export class MemorySessionStore<M = unknown> implements SessionStore<M> {
  readonly #sessions = new Map<string, Session<M>>();

  get(id: string, nowMs: number): readonly M[] | undefined {
    const s = this.#sessions.get(id);
    if (s === undefined) return undefined;
    if (s.expiresAt <= nowMs) {
      this.#sessions.delete(id);
      return undefined;
    }
    return s.messages;
  }

  put(id: string, messages: readonly M[], ttlMs: number, nowMs: number): void {
    this.#sessions.set(id, { messages, expiresAt: nowMs + ttlMs });
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
