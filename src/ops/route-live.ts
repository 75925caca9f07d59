// `gw route --server`: what the limits and budgets that would apply to a request have left right
// now in a running gateway. Read from the process's own counters and spend (nothing is taken
// or held), for the key asked about and the endpoint its model resolves to.
import type { RoutingTable } from '../compile/routing-table.js';
import { budgetKey } from '../policy/budgets.js';
import type { LimitReading, RateLimiter } from '../policy/rate-limits.js';
import type { ReservationStore, SpendSubject } from '../policy/stores.js';
import { monthOf } from '../telemetry/usage-row.js';
import { decideChatRoute } from './access-decision.js';

/** The running gateway's policy state (runtime.ts hands over its own). */
export interface LivePolicies {
  readonly rateLimits: RateLimiter;
  readonly budgets: {
    readonly reservations: ReservationStore;
    spent(workspace: string, kind: SpendSubject, subject: string, month: string): number;
  };
}

export interface BudgetReading {
  readonly subject: SpendSubject;
  readonly name: string;
  /** 'YYYY-MM', UTC. */
  readonly month: string;
  readonly budgetUsd: number;
  readonly spentUsd: number;
  /** Held for requests in flight. */
  readonly heldUsd: number;
  readonly remainingUsd: number;
}

export interface LiveReadings {
  readonly limits: readonly LimitReading[];
  readonly budgets: readonly BudgetReading[];
}

const NONE: LiveReadings = { limits: [], budgets: [] };

/** Empty when the key is unknown or the model resolves to no endpoint: no limit applies then. */
export async function readLivePolicies(
  table: RoutingTable,
  hashHex: string,
  model: string,
  nowMs: number,
  p: LivePolicies,
): Promise<LiveReadings> {
  const d = decideChatRoute(table, hashHex, model, nowMs);
  const key = d.key;
  const ep = d.resolution?.endpoint;
  if (key === undefined || ep === undefined) return NONE;
  const plan = p.rateLimits.plan(key, ep);
  const limits = plan === undefined ? [] : await p.rateLimits.readings(plan);
  const month = monthOf(nowMs);
  const budgets: BudgetReading[] = [];
  const owners = [
    { subject: 'key', workspace: key.workspace, name: key.name, budget: key.limits.monthlyBudgetUsd },
    { subject: 'endpoint', workspace: ep.workspace, name: ep.name, budget: ep.limits.monthlyBudgetUsd },
  ] as const;
  for (const o of owners) {
    if (o.budget === undefined) continue;
    const spentUsd = p.budgets.spent(o.workspace, o.subject, o.name, month);
    const heldUsd = await p.budgets.reservations.held(budgetKey(o.workspace, o.subject, o.name, month));
    budgets.push({
      subject: o.subject,
      name: o.name,
      month,
      budgetUsd: o.budget,
      spentUsd,
      heldUsd,
      remainingUsd: Math.max(0, o.budget - spentUsd - heldUsd),
    });
  }
  return { limits, budgets };
}
