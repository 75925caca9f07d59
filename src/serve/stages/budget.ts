// limits.monthlyBudgetUsd of the key and of the endpoint, per calendar month in UTC. Before the
// call the request's worst case is held (policy/budgets.ts: estimated input with the endpoint's
// prompt, plus its max output, at the dearest priced model that may answer): refused with 422
// GW_ERR_BUDGET_EXCEEDED when spent + held + this would pass a budget. The hold is given back by the usage stage right
// after the request's usage row is recorded (releaseBudget), when the row's real cost already
// counts in the spend figure: there is no moment where neither counts.
import { GwError } from '../../errors.js';
import {
  budgetKey,
  formatUsd,
  maxOutputTokens,
  worstCostUsd,
  worstInputTokens,
  worstPrice,
} from '../../policy/budgets.js';
import type { ReservationStore, SpendSubject } from '../../policy/stores.js';
import { monthOf } from '../../telemetry/usage-row.js';
import type { BudgetHold, RequestContext } from '../context.js';
import { inputTokens } from '../input-tokens.js';
import type { BudgetPort, Next, Stage, StageDeps } from '../stage.js';

/**
 * "key acc-x spent $4.98 (+ $0.01 held by requests in flight) of its $5.00 monthly budget for
 * 2026-12; this request may cost up to $0.03": what was spent, what is held, the budget, and the
 * worst case that did not fit. Only the caller's own key or the endpoint is named.
 */
function refused(
  kind: SpendSubject,
  name: string,
  month: string,
  spent: number,
  held: number,
  usd: number,
  budget: number,
): GwError {
  const inFlight = held > 0 ? ` (+ ${formatUsd(held)} held by requests in flight)` : '';
  const worst = spent >= budget ? '' : `; this request may cost up to ${formatUsd(usd)}`;
  return new GwError(
    'GW_ERR_BUDGET_EXCEEDED',
    `${kind} ${name} spent ${formatUsd(spent)}${inFlight} of its ${formatUsd(budget)} monthly budget for ${month}${worst}`,
    { spentUsd: spent, heldUsd: held, requestUsd: usd, budgetUsd: budget, month },
  );
}

export function budgetStage(deps: StageDeps): Stage {
  const budgets = deps.budgets;
  return function budget(ctx: RequestContext, next: Next): Promise<void> {
    const key = ctx.key;
    const ep = ctx.endpoint;
    const keyBudget = key?.limits.monthlyBudgetUsd;
    const epBudget = ep?.limits.monthlyBudgetUsd;
    if (ep === undefined || (keyBudget === undefined && epBudget === undefined)) return next();
    return hold(budgets, ctx, ep, keyBudget, epBudget).then(next);
  };
}

async function hold(
  budgets: BudgetPort,
  ctx: RequestContext,
  ep: NonNullable<RequestContext['endpoint']>,
  keyBudget: number | undefined,
  epBudget: number | undefined,
): Promise<void> {
  const price = worstPrice(ctx.table, ep, ctx.model ?? '');
  const usd = worstCostUsd(price, worstInputTokens(ep, inputTokens(ctx)), maxOutputTokens(ctx.body, ep));
  const m = monthOf(ctx.ts);
  const store = budgets.reservations;
  const k = ctx.key;
  // Both holds are asked for together (one Redis command for a fleet: fleet/batch.ts); when one
  // does not fit, the other is given back.
  const [byKey, byEp] = await Promise.allSettled([
    keyBudget !== undefined && k !== undefined
      ? take(budgets, store, k.workspace, 'key', k.name, m, usd, keyBudget)
      : undefined,
    epBudget !== undefined ? take(budgets, store, ep.workspace, 'endpoint', ep.name, m, usd, epBudget) : undefined,
  ]);
  if (byKey.status === 'rejected' || byEp.status === 'rejected') {
    if (byKey.status === 'fulfilled' && byKey.value !== undefined) await store.release(byKey.value, usd);
    if (byEp.status === 'fulfilled' && byEp.value !== undefined) await store.release(byEp.value, usd);
    throw byKey.status === 'rejected' ? byKey.reason : (byEp as PromiseRejectedResult).reason;
  }
  const heldKey = byKey.value;
  const heldEp = byEp.value;
  const h: BudgetHold = { key: heldKey, endpoint: heldEp, usd };
  ctx.budgetHold = h;
}

/** Holds `usd` on one budget; throws GW_ERR_BUDGET_EXCEEDED when it does not fit. Returns the reservation key. */
async function take(
  budgets: BudgetPort,
  store: ReservationStore,
  ws: string,
  kind: SpendSubject,
  name: string,
  m: string,
  usd: number,
  limit: number,
): Promise<string> {
  const rkey = budgetKey(ws, kind, name, m);
  if (budgets.sharedSpend === true) {
    // The store checks spend + held + this against the whole budget in one step.
    if (!(await store.reserve(rkey, usd, limit))) {
      throw refused(kind, name, m, budgets.spent(ws, kind, name, m), await store.held(rkey), usd, limit);
    }
    return rkey;
  }
  // The spend of the hold's own month (the request's arrival), the month its usage row counts in.
  const spent = budgets.spent(ws, kind, name, m);
  // Spent alone at the budget refuses even a free request; otherwise the worst case must fit.
  if (spent >= limit || !(await store.reserve(rkey, usd, limit - spent))) {
    throw refused(kind, name, m, spent, await store.held(rkey), usd, limit);
  }
  return rkey;
}

/** Gives back what the budget stage held for `ctx`; called once the usage row (the real cost) is recorded. */
export function releaseBudget(budgets: BudgetPort, ctx: RequestContext): void {
  const h = ctx.budgetHold;
  if (h === undefined) return;
  ctx.budgetHold = undefined;
  if (h.key !== undefined) settle(budgets.reservations.release(h.key, h.usd));
  if (h.endpoint !== undefined) settle(budgets.reservations.release(h.endpoint, h.usd));
}

/** A networked store's failed release is not the request's problem (its hold then expires there). */
function settle(r: void | Promise<void>): void {
  if (r instanceof Promise) r.catch(() => undefined);
}
