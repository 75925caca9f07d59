// Rate limits: rpm, rph and tpm of a key and of an endpoint, all applying to one request (the
// tighter wins). Each limit is one sliding-window counter in a RateCounterStore, keyed by
// workspace, subject and name, so a reload keeps the counts and a changed limit applies to the
// next request. A request takes 1 from every request counter and its estimated input tokens from
// every token counter, atomically (check all, then take all); once it ended, the real token
// count replaces the estimate (settle). A refusal names only the caller's own key or the
// endpoint, never another key.
import type { CompiledEndpoint, CompiledKey } from '../compile/routing-table.js';
import { GwError } from '../errors.js';
import { now } from '../util/clock.js';
import { MemoryRateCounter } from './memory-stores.js';
import type { MaybePromise, RateCounterStore, RateReading, RateTake, RateVerdict } from './stores.js';

export type RateLimitKind = 'rpm' | 'rph' | 'tpm';

const MINUTE_MS = 60_000;
const WINDOW_MS: Readonly<Record<RateLimitKind, number>> = { rpm: MINUTE_MS, rph: 60 * MINUTE_MS, tpm: MINUTE_MS };
const KINDS: readonly RateLimitKind[] = ['rpm', 'rph', 'tpm'];
const SEP = '\u0000';

/** One configured limit of one key or endpoint; made once per compiled object, kept in a WeakMap. */
interface Rule {
  readonly kind: RateLimitKind;
  readonly subject: 'key' | 'endpoint';
  readonly name: string;
  /** "key acc-x rpm 60": how a refusal names it. */
  readonly label: string;
  /** The take of a request counter (cost 1), shared by every request; for tpm the cost is set per request. */
  readonly take: RateTake;
}

interface LimitOwner {
  readonly workspace: string;
  readonly name: string;
  readonly limits: {
    readonly rpm: number | undefined;
    readonly rph: number | undefined;
    readonly tpm?: number | undefined;
  };
}

const NO_RULES: readonly Rule[] = [];

/** The limits that apply to one key on one endpoint. */
export interface LimitPlan {
  readonly rules: readonly Rule[];
  /** A tpm is among them: the request's input tokens must be estimated. */
  readonly tokens: boolean;
}

const NO_PLAN: LimitPlan = { rules: NO_RULES, tokens: false };

function rulesOf(subject: 'key' | 'endpoint', o: LimitOwner): readonly Rule[] {
  const out: Rule[] = [];
  for (const kind of KINDS) {
    const limit = o.limits[kind];
    if (limit === undefined) continue;
    out.push({
      kind,
      subject,
      name: o.name,
      label: `${subject} ${o.name} ${kind} ${limit}`,
      take: { id: o.workspace + SEP + subject + SEP + o.name + SEP + kind, limit, windowMs: WINDOW_MS[kind], cost: 1 },
    });
  }
  return out.length === 0 ? NO_RULES : out;
}

/** One limit of a plan as it stands, for `gw route --server`. */
export interface LimitReading {
  readonly subject: 'key' | 'endpoint';
  readonly name: string;
  readonly kind: RateLimitKind;
  readonly limit: number;
  /** Requests (tokens for tpm) the window has left now. */
  readonly remaining: number;
  /** ms until the oldest entry leaves the window (0: empty). */
  readonly resetMs: number;
}

/** What admit() decided for one request. */
export interface Admission {
  /** Set when the request is refused (429 GW_ERR_RATE_LIMITED, Retry-After in details.retryAfterSec). */
  readonly error: GwError | undefined;
  /** The x-ratelimit-* headers of the answer (success and refusal alike), name then value. */
  readonly headers: readonly (readonly [string, string])[];
  /** The token reservations to settle once the request ended: counter id then handle. */
  readonly reserved: readonly (readonly [string, number])[];
}

export interface RateLimiterOptions {
  /** Default: an in-memory counter (one process). */
  readonly store?: RateCounterStore;
  /** Epoch ms; default util/clock.ts's now() (Date.now unless a test shifts it). */
  readonly now?: () => number;
  /** Called once per refused request with the kind of the limit that refused it (metrics). */
  readonly onRefusal?: (kind: RateLimitKind) => void;
}

/**
 * "12s", "1m30s", "1h0m5s", "250ms": the form OpenAI's x-ratelimit-reset-* headers take.
 * Whole seconds are rounded up, so a client that waits that long finds the slot free.
 */
export function formatReset(ms: number): string {
  if (ms <= 0) return '0s';
  if (ms < 1000) return `${Math.ceil(ms)}ms`;
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** The process's rate limits: one per process (runtime.ts), kept across reloads. */
export class RateLimiter {
  readonly #store: RateCounterStore;
  readonly #now: () => number;
  readonly #onRefusal: ((kind: RateLimitKind) => void) | undefined;
  readonly #plans = new WeakMap<CompiledKey, WeakMap<CompiledEndpoint, LimitPlan>>();

  constructor(o: RateLimiterOptions = {}) {
    this.#store = o.store ?? new MemoryRateCounter();
    this.#now = o.now ?? now;
    this.#onRefusal = o.onRefusal;
  }

  /**
   * The limits that apply to `key` on `endpoint`; undefined: none. Made once per pair of compiled
   * objects (a reload compiles new ones, and the counters, keyed by name, carry over).
   */
  plan(key: CompiledKey, endpoint: CompiledEndpoint): LimitPlan | undefined {
    let byEndpoint = this.#plans.get(key);
    if (byEndpoint === undefined) this.#plans.set(key, (byEndpoint = new WeakMap()));
    let p = byEndpoint.get(endpoint);
    if (p === undefined) {
      // A proxy endpoint moves bytes, not tokens: the key's tpm does not count its requests.
      const keyRules = rulesOf('key', key);
      const rules = [
        ...(endpoint.type === 'proxy' ? keyRules.filter((r) => r.kind !== 'tpm') : keyRules),
        ...rulesOf('endpoint', endpoint),
      ];
      p = rules.length === 0 ? NO_PLAN : { rules, tokens: rules.some((r) => r.kind === 'tpm') };
      byEndpoint.set(endpoint, p);
    }
    return p === NO_PLAN ? undefined : p;
  }

  /**
   * Takes one request (and `tokens` estimated input tokens, at least 1, when the plan has a
   * tpm) from every counter of the plan, or from none.
   */
  admit(plan: LimitPlan, tokens: number): MaybePromise<Admission> {
    const rules = plan.rules;
    const cost = Math.max(1, Math.ceil(tokens));
    const takes: RateTake[] = new Array<RateTake>(rules.length);
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i] as Rule;
      takes[i] = r.kind === 'tpm' ? { id: r.take.id, limit: r.take.limit, windowMs: r.take.windowMs, cost } : r.take;
    }
    const v = this.#store.take(takes, this.#now());
    return v instanceof Promise ? v.then((x) => this.#decide(rules, takes, x)) : this.#decide(rules, takes, v);
  }

  /** Replaces each token reservation by the real count (at least 1) once the request ended. */
  settle(a: Admission, tokens: number): void {
    const cost = Math.max(1, Math.ceil(tokens));
    for (const [id, handle] of a.reserved) {
      const r = this.#store.settle(id, handle, cost);
      // A networked store settles in the background; a failure only leaves the estimate counted.
      if (r instanceof Promise) r.catch(() => undefined);
    }
  }

  /** What every limit of the plan has left now; takes nothing. */
  readings(plan: LimitPlan): MaybePromise<LimitReading[]> {
    const rules = plan.rules;
    const read = (r: RateReading): LimitReading[] =>
      rules.map((rule, i) => ({
        subject: rule.subject,
        name: rule.name,
        kind: rule.kind,
        limit: rule.take.limit,
        remaining: Math.floor(r.remaining[i] ?? rule.take.limit),
        resetMs: Math.max(0, Math.ceil(r.resetMs[i] ?? 0)),
      }));
    const v = this.#store.peek(
      rules.map((r) => r.take),
      this.#now(),
    );
    return v instanceof Promise ? v.then(read) : read(v);
  }

  #decide(rules: readonly Rule[], takes: readonly RateTake[], v: RateVerdict): Admission {
    const headers: [string, string][] = [];
    header(headers, 'requests', rules, v, false);
    header(headers, 'tokens', rules, v, true);
    if (!v.ok) {
      const rule = rules[v.refused] as Rule;
      this.#onRefusal?.(rule.kind);
      const never = !Number.isFinite(v.waitMs);
      const retryAfterSec = never ? rule.take.windowMs / 1000 : Math.max(1, Math.ceil(v.waitMs / 1000));
      let why = `rate limit reached: ${rule.label}`;
      if (rule.kind === 'tpm') {
        const need = (takes[v.refused] as RateTake).cost;
        const left = v.remaining[v.refused] as number;
        why += never
          ? ` (this request's estimated ${need} input tokens are more than the limit allows in a minute)`
          : ` (this request needs about ${need} tokens, ${left} are left in the window)`;
      }
      const msg = never ? why : `${why}; retry in ${retryAfterSec} s`;
      return {
        error: new GwError('GW_ERR_RATE_LIMITED', msg, { retryAfterSec, limit: rule.label }),
        headers,
        reserved: [],
      };
    }
    const reserved: [string, number][] = [];
    for (let i = 0; i < rules.length; i++) {
      if ((rules[i] as Rule).kind === 'tpm') reserved.push([(takes[i] as RateTake).id, v.handles[i] as number]);
    }
    return { error: undefined, headers, reserved };
  }
}

/** The x-ratelimit-*-{requests|tokens} trio of the tightest counter of that sort (least remaining). */
function header(
  out: [string, string][],
  sort: 'requests' | 'tokens',
  rules: readonly Rule[],
  v: RateVerdict,
  tokens: boolean,
): void {
  let best = -1;
  for (let i = 0; i < rules.length; i++) {
    if (((rules[i] as Rule).kind === 'tpm') !== tokens) continue;
    if (best === -1 || (v.remaining[i] as number) < (v.remaining[best] as number)) best = i;
  }
  if (best === -1) return;
  out.push(
    [`x-ratelimit-limit-${sort}`, String((rules[best] as Rule).take.limit)],
    [`x-ratelimit-remaining-${sort}`, String(Math.floor(v.remaining[best] as number))],
    [`x-ratelimit-reset-${sort}`, formatReset(v.resetMs[best] as number)],
  );
}
