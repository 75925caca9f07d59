// Redis implementations of policy/stores.ts, for a fleet of gw instances sharing one Redis
// (README: Fleet (Redis)). Each operation is one Lua script (scripts.ts), atomic across the
// fleet. A failed or timed-out call goes through the link's failMode: open answers as if
// nothing were limited (admit), closed throws GW_ERR_LIMITS_UNAVAILABLE.
import type {
  RateCounterStore,
  RateReading,
  RateTake,
  RateVerdict,
  ReservationStore,
  SessionStore,
} from '../policy/stores.js';
import type { ScriptBatcher } from './batch.js';
import type { RedisLink } from './redis-link.js';
import { ADD_SPEND, RELEASE, RESERVE, SETTLE, TAKE } from './scripts.js';

/** Store ids join their parts with NUL (policy/); Redis keys show ':' instead (names are [a-z0-9-]). */
const readableCache = new Map<string, string>();
/** Bounded by the config's counters and budgets; cleared whole past this (a config change). */
const READABLE_CACHE_MAX = 10_000;
function readable(id: string): string {
  let r = readableCache.get(id);
  if (r === undefined) {
    if (readableCache.size >= READABLE_CACHE_MAX) readableCache.clear();
    readableCache.set(id, (r = id.replaceAll('\u0000', ':')));
  }
  return r;
}

/** The answer when the backend failed and failMode is open: everything admitted, nothing counted. */
function openVerdict(takes: readonly RateTake[]): RateVerdict {
  return {
    ok: true,
    refused: -1,
    waitMs: 0,
    handles: takes.map(() => -1),
    remaining: takes.map((t) => t.limit),
    resetMs: takes.map(() => 0),
  };
}

/** Sliding-window rate counters in Redis: one script checks and takes every counter of a request. */
export class RedisRateCounter implements RateCounterStore {
  readonly #link: RedisLink;
  readonly #batch: ScriptBatcher | undefined;
  /** `batch`: request-path calls share one command per event-loop turn (batch.ts). */
  constructor(link: RedisLink, batch?: ScriptBatcher) {
    this.#link = link;
    this.#batch = batch;
  }

  #call(s: Parameters<RedisLink['eval']>[0], keys: readonly string[], args: readonly (string | number)[]) {
    return this.#batch !== undefined ? this.#batch.call(s, keys, args) : this.#link.eval(s, keys, args);
  }

  #keys(takes: readonly RateTake[]): { keys: string[]; args: (string | number)[] } {
    const keys: string[] = [];
    const args: (string | number)[] = [];
    const p = this.#link.prefix;
    for (const t of takes) {
      const base = `${p}rl:${readable(t.id)}`;
      keys.push(`${base}:z`, `${base}:h`);
      args.push(t.limit, Math.ceil(t.windowMs), Math.ceil(t.cost));
    }
    return { keys, args };
  }

  async take(takes: readonly RateTake[], nowMs: number): Promise<RateVerdict> {
    const { keys, args } = this.#keys(takes);
    let r: number[];
    try {
      r = (await this.#call(TAKE, keys, [Math.floor(nowMs), 1, ...args])) as number[];
    } catch (err) {
      this.#link.failed('take', err);
      return openVerdict(takes);
    }
    this.#link.ok();
    const n = takes.length;
    const ok = r[0] === 1;
    const h = ok ? n : 0;
    const wait = r[2] as number;
    return {
      ok,
      refused: ok ? -1 : (r[1] as number) - 1,
      waitMs: ok ? 0 : wait === -1 ? Infinity : wait,
      handles: ok ? r.slice(3, 3 + n) : [],
      remaining: r.slice(3 + h, 3 + h + n),
      resetMs: r.slice(3 + h + n, 3 + h + 2 * n),
    };
  }

  async settle(id: string, handle: number, cost: number): Promise<void> {
    if (handle < 0) return; // admitted while the backend was down: nothing was counted
    try {
      await this.#call(SETTLE, [`${this.#link.prefix}rl:${readable(id)}:h`], [handle, Math.ceil(cost)]);
    } catch (err) {
      this.#report('settle', err);
    }
  }

  async peek(takes: readonly RateTake[], nowMs: number): Promise<RateReading> {
    const { keys, args } = this.#keys(takes);
    try {
      const r = (await this.#link.eval(TAKE, keys, [Math.floor(nowMs), 0, ...args])) as number[];
      const n = takes.length;
      return { remaining: r.slice(3, 3 + n), resetMs: r.slice(3 + n, 3 + 2 * n) };
    } catch (err) {
      this.#report('peek', err);
      return { remaining: takes.map((t) => t.limit), resetMs: takes.map(() => 0) };
    }
  }

  /** A failure nobody waits on: counted and logged, never thrown. */
  #report(op: string, err: unknown): void {
    try {
      this.#link.failed(op, err);
    } catch {
      // closed mode throws for the request path; here there is no request to refuse
    }
  }
}

export interface RedisBudgetOptions {
  /**
   * This instance's recorded spend for a reservation key (policy/budgets.ts budgetKey: workspace,
   * kind, subject, month), from its SQLite: seeds a fleet counter Redis does not have.
   */
  readonly localSpent: (key: string) => number;
  /** How long a hold lives without a new one on the same budget (a crashed instance's holds end). Default 1 h. */
  readonly heldTtlMs?: number;
  /** Request-path calls share one command per event-loop turn (batch.ts). */
  readonly batch?: ScriptBatcher;
}

/** A month and then some: a spend counter outlives its month, then Redis drops it. */
const SPEND_TTL_MS = 40 * 24 * 3600 * 1000;

/**
 * Budget reservations and the fleet's monthly spend in Redis. reserve() takes the whole budget
 * as its limit (not budget minus spent): the script counts the fleet's spend itself, in the
 * same atomic step, so no request of another instance can slip between the read and the hold.
 */
export class RedisBudgetStore implements ReservationStore {
  readonly #link: RedisLink;
  readonly #localSpent: (key: string) => number;
  readonly #heldTtlMs: number;
  readonly #batch: ScriptBatcher | undefined;
  /** Last spend Redis reported per reservation key (refusal messages, readings); bounded by the config's budgets. */
  readonly #spent = new Map<string, number>();

  constructor(link: RedisLink, o: RedisBudgetOptions) {
    this.#link = link;
    this.#localSpent = o.localSpent;
    this.#heldTtlMs = o.heldTtlMs ?? 3600_000;
    this.#batch = o.batch;
  }

  #call(s: Parameters<RedisLink['eval']>[0], keys: readonly string[], args: readonly (string | number)[]) {
    return this.#batch !== undefined ? this.#batch.call(s, keys, args) : this.#link.eval(s, keys, args);
  }

  #held(key: string): string {
    return `${this.#link.prefix}held:${readable(key)}`;
  }

  #spend(key: string): string {
    return `${this.#link.prefix}spend:${readable(key)}`;
  }

  async reserve(key: string, amount: number, limit: number): Promise<boolean> {
    let r: [number, string];
    try {
      r = (await this.#call(
        RESERVE,
        [this.#held(key), this.#spend(key)],
        [String(amount), String(limit), String(this.#localSpent(key)), this.#heldTtlMs, SPEND_TTL_MS],
      )) as [number, string];
    } catch (err) {
      this.#link.failed('reserve', err);
      return true;
    }
    this.#link.ok();
    this.#spent.set(key, Number(r[1]));
    return r[0] === 1;
  }

  async release(key: string, amount: number): Promise<void> {
    try {
      await this.#call(RELEASE, [this.#held(key)], [String(amount)]);
    } catch (err) {
      this.#quiet('release', err);
    }
  }

  async held(key: string): Promise<number> {
    try {
      return Number((await this.#link.client.get(this.#held(key))) ?? 0);
    } catch (err) {
      this.#quiet('held', err);
      return 0;
    }
  }

  /**
   * A recorded cost, added to the fleet's spend of a budget this instance has held on (only
   * those: other subjects have no budget). Called right after the usage row is recorded and
   * before the hold is released, on the same connection, so Redis sees the cost before the
   * hold goes: there is no moment where neither counts.
   */
  addSpend(key: string, usd: number): void {
    if (usd <= 0 || !this.#spent.has(key)) return;
    this.#call(ADD_SPEND, [this.#spend(key)], [String(usd)]).catch((err: unknown) => this.#quiet('spend', err));
  }

  /** The fleet's spend Redis last reported for `key` (0 before the first hold). */
  lastSpent(key: string): number {
    return this.#spent.get(key) ?? 0;
  }

  #quiet(op: string, err: unknown): void {
    try {
      this.#link.failed(op, err);
    } catch {
      // nothing to refuse: the request already ran
    }
  }
}

export interface RedisSessionOptions<M> {
  /** Default JSON. */
  readonly encode?: (messages: readonly M[]) => string;
  readonly decode?: (text: string) => readonly M[];
}

/**
 * Sessions in Redis, one string per session (the messages as JSON) with a Redis expiry, so any
 * instance continues a session another one started. Not wired into serve here (runtime.ts picks
 * a store). On a failed call, open mode answers "unknown session" and drops the write; closed
 * mode throws GW_ERR_LIMITS_UNAVAILABLE.
 */
export class RedisSessionStore<M = unknown> implements SessionStore<M> {
  readonly #link: RedisLink;
  readonly #encode: (messages: readonly M[]) => string;
  readonly #decode: (text: string) => readonly M[];

  constructor(link: RedisLink, o: RedisSessionOptions<M> = {}) {
    this.#link = link;
    this.#encode = o.encode ?? ((m) => JSON.stringify(m));
    this.#decode = o.decode ?? ((t) => JSON.parse(t) as M[]);
  }

  #key(id: string): string {
    return `${this.#link.prefix}sess:${id}`;
  }

  async get(id: string, _nowMs: number): Promise<readonly M[] | undefined> {
    let text: string | null;
    try {
      text = await this.#link.client.get(this.#key(id));
    } catch (err) {
      this.#link.failed('session', err);
      return undefined;
    }
    this.#link.ok();
    if (text === null) return undefined;
    try {
      return this.#decode(text);
    } catch {
      return undefined; // not ours, or damaged: an unknown session
    }
  }

  async put(id: string, messages: readonly M[], ttlMs: number, _nowMs: number): Promise<void> {
    try {
      await this.#link.client.set(this.#key(id), this.#encode(messages), 'PX', Math.max(1, Math.ceil(ttlMs)));
    } catch (err) {
      this.#link.failed('session', err);
      return;
    }
    this.#link.ok();
  }

  /** Redis expires sessions itself: nothing to sweep. */
  expire(_nowMs: number): number {
    return 0;
  }
}
