// A plan as JSON data: {changes, summary, warnings, errors}, secrets masked. `gw diff
// --output json` prints it and the admin API returns it, so both show the same shape.
import type { Diagnostic } from '../manifest/diagnostics.js';
import { maskPlan } from './mask.js';
import type { Change, Plan, PlanSummary } from './plan.js';

export interface PlanJson {
  readonly changes: readonly Change[];
  readonly summary: PlanSummary;
  readonly warnings: readonly Diagnostic[];
  readonly errors: readonly Diagnostic[];
}

export interface PlanReportExtras {
  /** Diagnostics from loading and validating, reported with the plan's own, split by severity. */
  readonly diagnostics?: readonly Diagnostic[];
}

/** The JSON form as a value; every credential masked. */
export function planJson(plan: Plan, extras: PlanReportExtras = {}): PlanJson {
  const all = [...(extras.diagnostics ?? []), ...plan.diagnostics];
  return {
    changes: maskPlan(plan).changes,
    summary: plan.summary,
    warnings: all.filter((d) => d.severity !== 'error'),
    errors: all.filter((d) => d.severity === 'error'),
  };
}
