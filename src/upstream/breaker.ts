// Circuit breakers, one per target (provider and upstream model). After `failures` consecutive
// failures that say the target is unhealthy (timeout, connect, 5xx, protocol) the target is
// skipped for `cooldownMs`; then one request is let through as a probe (half-open): its success
// closes the breaker, its failure opens it for another cooldown. An HTTP answer that is not a
// 5xx (2xx, a caller's 4xx, 429) shows the target is alive and closes it too.
//
// The state lives outside the frozen routing table, in one registry the process owns: it
// survives reloads by key, and sync() drops the entries of providers a new table no longer has
// (or whose origin changed, e.g. a fixed baseUrl). Only targets that failed have an entry.
import type { FailureClass, RoutingTable } from '../compile/routing-table.js';
import { compareText } from '../util/compare-text.js';

export interface BreakerSettings {
  /** Consecutive failures that open a breaker; 0 turns breakers off. */
  readonly failures: number;
  readonly cooldownMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerStatus {
  /** Provider name. */
  readonly provider: string;
  readonly workspace: string;
  readonly model: string;
  readonly state: BreakerState;
  /** Consecutive failures counted so far. */
  readonly failures: number;
  /** When the next probe may go (ISO time); null while closed. */
  readonly reopensAt: string | null;
}

/** What a target needs to be told apart: CompiledProvider fits. */
export interface BreakerTarget {
  readonly id: string;
  readonly name: string;
  readonly workspace: string;
  readonly origin: string;
}

/** ok: go ahead (probe: this attempt is the half-open probe). Otherwise retryInMs until a probe may go. */
export type Admission =
  { readonly ok: true; readonly probe: boolean } | { readonly ok: false; readonly retryInMs: number };

interface Entry {
  readonly target: BreakerTarget;
  readonly model: string;
  failures: number;
  /** Epoch ms until which the target is skipped; 0 while closed. */
  openUntil: number;
  /** A probe is in flight: other requests keep skipping the target. */
  probing: boolean;
}

const PASS: Admission = { ok: true, probe: false };
const PROBE: Admission = { ok: true, probe: true };

/** Failure classes that count against a target's health; 4xx and 429 are answers of a live target. */
export function isUnhealthy(cls: FailureClass): boolean {
  return cls === 'timeout' || cls === 'connect' || cls === '5xx';
}

export class BreakerRegistry {
  readonly #entries = new Map<string, Entry>();
  readonly #settings: BreakerSettings;
  readonly #now: () => number;

  constructor(settings: BreakerSettings, now: () => number = Date.now) {
    this.#settings = settings;
    this.#now = now;
  }

  get enabled(): boolean {
    return this.#settings.failures > 0;
  }

  admit(target: BreakerTarget, model: string): Admission {
    if (this.#entries.size === 0) return PASS; // the usual case: no target failed lately
    const e = this.#entries.get(keyOf(target, model));
    if (e === undefined || e.openUntil === 0) return PASS;
    const wait = e.openUntil - this.#now();
    if (wait > 0) return { ok: false, retryInMs: wait };
    if (e.probing) return { ok: false, retryInMs: 0 };
    e.probing = true;
    return PROBE;
  }

  /** The target answered (any status below 500 but a 429 counts: it is alive). */
  succeeded(target: BreakerTarget, model: string): void {
    if (this.#entries.size > 0) this.#entries.delete(keyOf(target, model));
  }

  failed(target: BreakerTarget, model: string): void {
    if (!this.enabled) return;
    const key = keyOf(target, model);
    let e = this.#entries.get(key);
    if (e === undefined) {
      e = { target, model, failures: 0, openUntil: 0, probing: false };
      this.#entries.set(key, e);
    }
    e.failures++;
    const now = this.#now();
    const wasProbe = e.probing;
    e.probing = false;
    if (e.openUntil > now) return; // a straggler admitted before it opened: the cooldown stands
    if (wasProbe || e.failures >= this.#settings.failures) e.openUntil = now + this.#settings.cooldownMs;
  }

  /** A probe that never reached a verdict (the caller left): the next request probes again. */
  released(target: BreakerTarget, model: string): void {
    const e = this.#entries.get(keyOf(target, model));
    if (e !== undefined) e.probing = false;
  }

  /** Drops the entries of providers the table no longer has, or whose origin changed. */
  sync(table: RoutingTable): void {
    for (const [key, e] of this.#entries) {
      const p = table.providers.get(e.target.id);
      if (p === undefined || p.origin !== e.target.origin) this.#entries.delete(key);
    }
  }

  /** Every target with failures on record, open ones first. */
  snapshot(): BreakerStatus[] {
    const now = this.#now();
    const out: BreakerStatus[] = [];
    for (const e of this.#entries.values()) {
      const state: BreakerState = e.openUntil === 0 ? 'closed' : e.openUntil > now ? 'open' : 'half-open';
      out.push({
        provider: e.target.name,
        workspace: e.target.workspace,
        model: e.model,
        state,
        failures: e.failures,
        reopensAt: e.openUntil === 0 ? null : new Date(e.openUntil).toISOString(),
      });
    }
    const rank = (s: BreakerState): number => (s === 'open' ? 0 : s === 'half-open' ? 1 : 2);
    return out.sort(
      (a, b) => rank(a.state) - rank(b.state) || compareText(a.provider, b.provider) || compareText(a.model, b.model),
    );
  }
}

function keyOf(target: BreakerTarget, model: string): string {
  return `${target.id}\n${model}`;
}
