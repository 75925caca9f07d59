// The types a stage is made of, apart from the pipelines that list them (pipelines.ts), so a
// stage never imports the list it is part of.
import type { RateLimiter } from '../policy/rate-limits.js';
import type { ReservationStore, SessionStore, SpendSubject } from '../policy/stores.js';
import type { Logger } from '../telemetry/logger.js';
import type { UsageRow } from '../telemetry/usage-row.js';
import type { BreakerRegistry } from '../upstream/breaker.js';
import type { executeChat, executeEmbeddings, ExecuteDeps } from '../upstream/execute.js';
import type { PoolRegistry } from '../upstream/pool.js';
import type { RequestContext } from './context.js';

export type Next = () => Promise<void>;
export type Stage = (ctx: RequestContext, next: Next) => Promise<void>;

/** The executor functions, injected so the server can be tested against any upstream code. */
export interface UpstreamPort {
  readonly executeChat: typeof executeChat;
  readonly executeEmbeddings: typeof executeEmbeddings;
  /** The process's circuit breakers (one registry for the process, kept across reloads). */
  readonly breakers?: BreakerRegistry | undefined;
  /** upstream.maxRetryAfter and friends; defaults when absent. */
  readonly settings?: ExecuteDeps['upstream'];
}

/** What the budget stage reads and holds: the month's recorded spend and the in-flight reservations. */
export interface BudgetPort {
  /** Held worst-case costs of requests in flight (one store per process, kept across reloads). */
  readonly reservations: ReservationStore;
  /** USD recorded in UTC month `month` ('YYYY-MM') for a key or endpoint: every usage row recorded, flushed or not. */
  spent(workspace: string, kind: SpendSubject, subject: string, month: string): number;
  /**
   * The reservation store counts the spend itself, atomically with the hold (the Redis backend:
   * a fleet's spend): reserve() then gets the whole budget as its limit, and spent() only words
   * a refusal.
   */
  readonly sharedSpend?: boolean;
}

/** What stages may use besides the request itself. */
export interface StageDeps {
  readonly logger: Logger;
  readonly usageLog: { record(row: UsageRow): void };
  readonly pools: PoolRegistry;
  readonly upstream: UpstreamPort;
  /** The process's rate-limit counters (one for the process, kept across reloads); absent: no rate limits. */
  readonly rateLimits?: RateLimiter | undefined;
  readonly budgets: BudgetPort;
  /** The process's sessions (kept across reloads), messages in the hub shape; absent: endpoints with sessions answer 500. */
  readonly sessions?: SessionStore<Readonly<Record<string, unknown>>> | undefined;
  /** Epoch ms now; tests pass their own to move time (session TTLs). Default Date.now. */
  readonly clock?: (() => number) | undefined;
  /** Name what answered (x-gw-provider, x-gw-upstream-model, x-gw-attempts); default true. */
  readonly answerHeaders?: boolean | undefined;
}

/** Built once per pipeline at startup; the stage it returns runs for every request. */
export type StageFactory = (deps: StageDeps) => Stage;
