// `gw usage`: per key, endpoint or model totals since a point in time, read from the SQLite
// usage log's roll-ups that `gw serve` writes (whole UTC minutes: the window starts at the
// beginning of the minute that holds --since). Opening an older file migrates it once (back-fill). A missing file is an empty report, not an error: a fresh
// gateway simply has served nothing yet.
import { stat } from 'node:fs/promises';
import { parseDuration } from '../util/duration.js';
import { UsageLog } from '../telemetry/usage-log.js';
import type { SummaryBy } from '../telemetry/usage-queries.js';
import { monthOf, type SpendSubjectKind, type UsageSummaryRow } from '../telemetry/usage-row.js';
import type { RoutingTable } from '../compile/routing-table.js';

export interface UsageTotals {
  readonly requests: number;
  readonly errors: number;
  readonly tokens_in: number;
  readonly tokens_out: number;
  readonly cost_usd: number;
}

export interface UsageReport {
  readonly database: string;
  /** False when the file does not exist yet (nothing served); groups are then empty. */
  readonly exists: boolean;
  readonly by: SummaryBy;
  /** ISO time of the window start. */
  readonly since: string;
  readonly groups: readonly UsageSummaryRow[];
  /** Sums over the groups; percentiles do not add up, so the total has none. */
  readonly total: UsageTotals;
  /** Each configured monthlyBudgetUsd with this UTC month's spend (empty without budgets). */
  readonly budgets: readonly BudgetLine[];
}

/** A key's or endpoint's monthly budget. */
export interface Budget {
  readonly workspace: string;
  readonly kind: SpendSubjectKind;
  readonly name: string;
  readonly budget_usd: number;
}

export interface BudgetLine extends Budget {
  /** UTC month, 'YYYY-MM'. */
  readonly month: string;
  readonly spent_usd: number;
}

/** Every monthlyBudgetUsd of the table's keys and chat endpoints. */
export function budgetsOf(table: RoutingTable): Budget[] {
  const out: Budget[] = [];
  for (const k of table.keys.values()) {
    const b = k.limits.monthlyBudgetUsd;
    if (b !== undefined) out.push({ workspace: k.workspace, kind: 'key', name: k.name, budget_usd: b });
  }
  for (const ws of table.workspaces.values()) {
    for (const ep of ws.endpoints.values()) {
      const b = ep.type === 'chat' ? ep.limits.monthlyBudgetUsd : undefined;
      if (b !== undefined) out.push({ workspace: ws.name, kind: 'endpoint', name: ep.name, budget_usd: b });
    }
  }
  return out;
}

/**
 * `--since`: a duration back from now ('24h', '7d', '30m') or an ISO time. Undefined when it is
 * neither.
 */
const WEEKS = /^(\d+)w$/;

/** A duration back from now (manifest units plus weeks: 2w) or an ISO time. */
export function parseSince(since: string, nowMs: number): number | undefined {
  const weeks = WEEKS.exec(since);
  const ms = weeks !== null ? Number(weeks[1]) * 7 * 86_400_000 : parseDuration(since);
  if (ms !== undefined) return nowMs - ms;
  if (!/^\d{4}-\d{2}-\d{2}/.test(since)) return undefined;
  const at = Date.parse(since);
  return Number.isNaN(at) ? undefined : at;
}

export function totals(groups: readonly UsageSummaryRow[]): UsageTotals {
  const t = { requests: 0, errors: 0, tokens_in: 0, tokens_out: 0, cost_usd: 0 };
  for (const g of groups) {
    t.requests += g.requests;
    t.errors += g.errors;
    t.tokens_in += g.tokens_in;
    t.tokens_out += g.tokens_out;
    t.cost_usd += g.cost_usd;
  }
  return t;
}

/** Throws GwError GW_ERR_STORAGE_OPEN when the file exists but cannot be opened. */
export async function usageReport(
  database: string,
  q: { sinceMs: number; by: SummaryBy; budgets?: readonly Budget[]; nowMs?: number },
): Promise<UsageReport> {
  const month = monthOf(q.nowMs ?? Date.now());
  const budgets = q.budgets ?? [];
  const since = new Date(q.sinceMs).toISOString();
  const exists = await stat(database).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!exists) {
    const lines = budgets.map((b) => ({ ...b, month, spent_usd: 0 }));
    return { database, exists, by: q.by, since, groups: [], total: totals([]), budgets: lines };
  }
  const log = UsageLog.open(database);
  try {
    const groups = log.summary({ sinceMs: q.sinceMs, by: q.by });
    const lines = budgets.map((b) => ({ ...b, month, spent_usd: log.monthSpend(b.workspace, b.kind, b.name, month) }));
    return { database, exists, by: q.by, since, groups, total: totals(groups), budgets: lines };
  } finally {
    log.close();
  }
}
