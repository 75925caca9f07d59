// `gw test-connection` output: one row per provider, then warnings (mapped models the upstream
// does not list) and failure details, then a summary line.
import chalk from 'chalk';
import type { ProbeResult } from '../../ops/probe.js';
import { renderTable } from './table.js';

export function providerLabel(r: { name: string; workspace: string }): string {
  return r.workspace === 'default' ? r.name : `${r.workspace}/${r.name}`;
}

export function renderProbes(results: readonly ProbeResult[]): string {
  const rows = results.map((r) => [
    r.kind === 'proxy endpoint' ? `${providerLabel(r)} (proxy endpoint)` : providerLabel(r),
    r.type,
    { text: r.status, paint: r.ok ? chalk.green : chalk.red },
    r.url === null || r.status === 'skipped' ? '-' : `${r.latencyMs}ms`,
    r.models === null ? '-' : r.models,
    r.url ?? '(built-in, no I/O)',
  ]);
  let out = renderTable(
    [
      { title: 'PROVIDER' },
      { title: 'TYPE' },
      { title: 'STATUS' },
      { title: 'LATENCY', align: 'right' },
      { title: 'MODELS', align: 'right' },
      { title: 'URL' },
    ],
    rows,
  );
  const notes: string[] = [];
  for (const r of results) {
    const label = providerLabel(r);
    if (!r.ok && r.message !== null) notes.push(`${chalk.red('error')} ${label}: ${r.message}`);
    if (!r.ok && r.httpStatus !== null)
      notes.push(
        `${chalk.red('error')} ${label}: the upstream answered HTTP ${r.httpStatus}${r.httpStatus === 401 || r.httpStatus === 403 ? ' (check the provider auth)' : ''}`,
      );
    if (r.ok && r.message !== null) notes.push(`${chalk.yellow('warning')} ${label}: ${r.message}`);
    for (const c of r.chat ?? []) {
      if (c.ok) notes.push(`${chalk.green('chat')} ${label} ${c.model}: ok in ${c.latencyMs}ms`);
      else
        notes.push(
          `${chalk.red('error')} ${label} ${c.model}: chat failed: ${c.status}${c.message !== null ? ` (${c.message})` : ''}`,
        );
    }
    for (const m of r.missing)
      notes.push(`${chalk.yellow('warning')} ${label}: mapped model '${m}' is not in the upstream's model list`);
  }
  if (notes.length > 0) out += '\n' + notes.join('\n') + '\n';
  const failed = results.filter((r) => !r.ok).length;
  const skipped = results.filter((r) => r.status === 'skipped').length;
  const reached = results.length - skipped;
  const missing = results.reduce((n, r) => n + r.missing.length, 0);
  const tail =
    failed > 0
      ? chalk.red(`✖ ${failed} of ${results.length} provider${results.length === 1 ? '' : 's'} failed`)
      : chalk.green(`✔ ${reached} provider${reached === 1 ? '' : 's'} reachable`) +
        (skipped > 0 ? chalk.yellow(`, ${skipped} skipped`) : '');
  return `${out}\n${tail}${missing > 0 ? chalk.yellow(`, ${missing} mapped model${missing === 1 ? '' : 's'} missing upstream`) : ''}\n`;
}
