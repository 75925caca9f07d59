// `gw usage` output: one row per group, a total line.
import chalk from 'chalk';
import type { UsageReport } from '../../ops/usage-report.js';
import { renderTable, type CellInput } from './table.js';

const usd = (n: number): string => `$${n.toFixed(n !== 0 && n < 0.01 ? 6 : 2)}`;

/** One line per monthly budget: "budget key app: $1.20 of $5.00 in 2026-12 (24%)". */
function budgetLines(r: UsageReport): string {
  let out = '';
  for (const b of r.budgets) {
    const pct = b.budget_usd > 0 ? Math.round((b.spent_usd / b.budget_usd) * 100) : 0;
    const paint = pct >= 100 ? chalk.red : pct >= 80 ? chalk.yellow : (s: string) => s;
    const ws = b.workspace === 'default' ? '' : ` (workspace ${b.workspace})`;
    out += `budget ${b.kind} ${b.name}${ws}: ${paint(`${usd(b.spent_usd)} of ${usd(b.budget_usd)}`)} in ${b.month} (${pct}%)\n`;
  }
  return out;
}

export function renderUsage(r: UsageReport): string {
  return renderGroups(r) + budgetLines(r);
}

function renderGroups(r: UsageReport): string {
  const head = `usage by ${r.by} since ${r.since}\n`;
  if (!r.exists) {
    return `${head}${chalk.yellow('no usage log yet')}: ${r.database} does not exist (gw serve creates it on its first start); 0 requests\n`;
  }
  if (r.groups.length === 0) return `${head}no requests in this window (${r.database})\n`;
  const rows: CellInput[][] = r.groups.map((g) => [
    g.group,
    g.requests,
    { text: String(g.errors), paint: g.errors > 0 ? chalk.red : (s: string) => s },
    g.tokens_in,
    g.tokens_out,
    usd(g.cost_usd),
    `${Math.round(g.p50_ms)}ms`,
    `${Math.round(g.p95_ms)}ms`,
  ]);
  const t = r.total;
  const table = renderTable(
    [
      { title: r.by.toUpperCase() },
      { title: 'REQUESTS', align: 'right' },
      { title: 'ERRORS', align: 'right' },
      { title: 'TOKENS IN', align: 'right' },
      { title: 'TOKENS OUT', align: 'right' },
      { title: 'COST USD', align: 'right' },
      { title: 'P50', align: 'right' },
      { title: 'P95', align: 'right' },
    ],
    rows,
    [['total', t.requests, t.errors, t.tokens_in, t.tokens_out, usd(t.cost_usd), '', '']],
  );
  return head + table;
}
