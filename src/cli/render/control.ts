// Small pieces the control-plane commands (diff, apply, rollback) print around a plan.
import chalk from 'chalk';
import type { GwError } from '../../errors.js';
import type { Diagnostic } from '../../manifest/diagnostics.js';
import type { Plan } from '../../state/plan.js';
import type { PlanJson } from '../../state/report.js';
import { location } from './diagnostics.js';

/** The plan of a command that failed before it could plan: nothing to change. */
export function emptyPlan(): Plan {
  return { changes: [], summary: { create: 0, update: 0, delete: 0, unchanged: 0 }, diagnostics: [] };
}

/** A failure that has no place in a file (network, refusal) in the `errors` list of the JSON form. */
export function failureDiagnostic(err: GwError): Diagnostic {
  return { code: err.code, severity: 'error', message: err.message, file: '', line: 0, col: 0, path: '' };
}

/** 'revision 4', or 'no revision' for a gateway that was never configured. */
export function revisionLabel(revision: number | null | undefined): string {
  return revision === null || revision === undefined ? 'no revision (never configured)' : `revision ${revision}`;
}

/** A plan the admin API sent (already masked) in the shape render/plan.ts takes. */
export function planFromJson(p: PlanJson): Plan {
  return { changes: p.changes, summary: p.summary, diagnostics: [] };
}

/** Diagnostics as lines (no validation summary): the gateway's answer to an apply it refused. */
export function renderDiagnosticLines(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map((d) => {
      const sev = d.severity === 'error' ? chalk.red('error') : chalk.yellow('warning');
      const path = d.path ? chalk.dim(` (${d.path})`) : '';
      return `${chalk.bold(location(d))} ${sev} ${chalk.dim(d.code)} ${d.message}${path}\n`;
    })
    .join('');
}
