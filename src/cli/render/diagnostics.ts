// Diagnostics for people (pretty), machines (json) and GitHub annotations. chalk lives in render/.
import chalk from 'chalk';
import type { Diagnostic } from '../../manifest/diagnostics.js';

export type OutputFormat = 'pretty' | 'json' | 'github';

export interface ValidationSummary {
  readonly resources: number;
  readonly files: number;
  readonly errors: number;
  readonly warnings: number;
}

export function summarize(diagnostics: readonly Diagnostic[], resources: number, files: number): ValidationSummary {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return { resources, files, errors, warnings: diagnostics.length - errors };
}

export function location(d: Diagnostic): string {
  return d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file;
}

export function renderPretty(diagnostics: readonly Diagnostic[], s: ValidationSummary): string {
  const lines = diagnostics.map((d) => {
    const sev = d.severity === 'error' ? chalk.red('error') : chalk.yellow('warning');
    const path = d.path ? chalk.dim(` (${d.path})`) : '';
    return `${chalk.bold(location(d))} ${sev} ${chalk.dim(d.code)} ${d.message}${path}`;
  });
  const counts = `${s.resources} resource${s.resources === 1 ? '' : 's'} in ${s.files} file${s.files === 1 ? '' : 's'}`;
  const tail =
    s.errors > 0
      ? chalk.red(
          `✖ ${s.errors} error${s.errors === 1 ? '' : 's'}, ${s.warnings} warning${s.warnings === 1 ? '' : 's'} (${counts})`,
        )
      : chalk.green(`✔ valid: ${counts}${s.warnings ? `, ${s.warnings} warning${s.warnings === 1 ? '' : 's'}` : ''}`);
  return [...lines, tail].join('\n') + '\n';
}

export function renderGithub(diagnostics: readonly Diagnostic[], s: ValidationSummary): string {
  // GitHub workflow commands: message data must escape %, CR and LF; properties also ':' and ','.
  const data = (v: string): string => v.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const prop = (v: string): string => data(v).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const lines = diagnostics.map((d) => {
    const where = d.line > 0 ? `file=${prop(d.file)},line=${d.line},col=${d.col}` : `file=${prop(d.file)}`;
    return `::${d.severity === 'error' ? 'error' : 'warning'} ${where},title=${prop(d.code)}::${data(d.message)}`;
  });
  lines.push(`${s.errors} errors, ${s.warnings} warnings in ${s.resources} resources from ${s.files} files`);
  return lines.join('\n') + '\n';
}

export function renderJson(diagnostics: readonly Diagnostic[], s: ValidationSummary): string {
  return JSON.stringify({ valid: s.errors === 0, summary: s, diagnostics }, null, 2) + '\n';
}

export function renderDiagnostics(
  format: OutputFormat,
  diagnostics: readonly Diagnostic[],
  s: ValidationSummary,
): string {
  if (format === 'json') return renderJson(diagnostics, s);
  if (format === 'github') return renderGithub(diagnostics, s);
  return renderPretty(diagnostics, s);
}
