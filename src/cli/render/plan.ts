// Plans for people (one line per change, fields under updates, a summary line) and for
// machines ({changes, summary, warnings, errors}). Both mask secrets first: nothing here can
// print a credential that a manifest holds literally. chalk decides on colour (TTY, NO_COLOR).
import chalk from 'chalk';
import { maskPlan } from '../../state/mask.js';
import type { Change, ChangeOp, FieldChange, Plan, PlanSummary } from '../../state/plan.js';
import { planJson, type PlanReportExtras } from '../../state/report.js';
import { displayName } from '../../state/snapshot.js';

export type PlanOutputFormat = 'pretty' | 'json';

const MARK: Readonly<Record<ChangeOp, string>> = { create: '+', update: '~', delete: '-' };
const COLOUR: Readonly<Record<ChangeOp, (s: string) => string>> = {
  create: (s) => chalk.green(s),
  update: (s) => chalk.yellow(s),
  delete: (s) => chalk.red(s),
};

/** A value on one line: JSON (strings quoted, keys as the normalized manifest has them). */
function show(v: unknown): string {
  return JSON.stringify(v) ?? 'null';
}

function fieldLine(f: FieldChange): string {
  const before = 'before' in f ? chalk.red(show(f.before)) : chalk.dim('(none)');
  const after = 'after' in f ? chalk.green(show(f.after)) : chalk.dim('(none)');
  return `    ${f.path}: ${before} → ${after}`;
}

function changeLines(c: Change): string[] {
  const head = COLOUR[c.op](`${MARK[c.op]} ${c.op} ${c.kind.toLowerCase()} ${displayName(c.workspace, c.name)}`);
  return [head, ...(c.fields ?? []).map(fieldLine)];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function summaryLine(s: PlanSummary): string {
  if (s.create + s.update + s.delete === 0) {
    return `No changes. ${plural(s.unchanged, 'resource')} unchanged.`;
  }
  return `Plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged.`;
}

/** The pretty form: change lines in plan order, then the summary line. Secrets masked. */
export function renderPlanPretty(plan: Plan): string {
  const lines = maskPlan(plan).changes.flatMap(changeLines);
  if (lines.length > 0) lines.push('');
  lines.push(chalk.bold(summaryLine(plan.summary)));
  return lines.join('\n') + '\n';
}

export function renderPlanJson(plan: Plan, extras: PlanReportExtras = {}): string {
  return JSON.stringify(planJson(plan, extras), null, 2) + '\n';
}

export function renderPlan(format: PlanOutputFormat, plan: Plan, extras: PlanReportExtras = {}): string {
  return format === 'json' ? renderPlanJson(plan, extras) : renderPlanPretty(plan);
}
