// `gw status`: one row per endpoint over the last hour (RPS, p95, error rate, 429 and 422 refusals,
// last error), then the targets whose circuit breaker is open or half-open, if any.
import chalk from 'chalk';
import type { BreakerStatus, EndpointStatus, StatusResponse } from '../admin-client.js';
import { renderTable, type CellInput } from './table.js';

const plain = (s: string): string => s;

function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 > 0 ? `${s % 60}s` : ''}`;
  const h = Math.floor(s / 3600);
  if (h < 48) return `${h}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}

function rps(n: number): string {
  return n === 0 ? '0' : n < 0.01 ? '<0.01' : n.toFixed(2);
}

function lastError(e: EndpointStatus['lastError']): string {
  return e === null ? '-' : `${e.code} at ${e.at}`;
}

function row(e: EndpointStatus): CellInput[] {
  const name = e.workspace === 'default' ? e.name : `${e.workspace}/${e.name}`;
  const rate = e.requests === 0 ? '-' : `${(e.errorRate * 100).toFixed(1)}%`;
  return [
    name,
    rps(e.rps),
    e.p95Ms === null || e.requests === 0 ? '-' : `${Math.round(e.p95Ms)}ms`,
    { text: rate, paint: e.errors > 0 ? chalk.red : plain },
    e.requests,
    // Older gateways send no refusal counts: shown as '-'.
    { text: e.limited === undefined ? '-' : String(e.limited), paint: (e.limited ?? 0) > 0 ? chalk.yellow : plain },
    { text: e.refused === undefined ? '-' : String(e.refused), paint: (e.refused ?? 0) > 0 ? chalk.yellow : plain },
    { text: lastError(e.lastError), paint: e.lastError !== null ? chalk.red : plain },
  ];
}

function breakerRow(b: BreakerStatus): CellInput[] {
  const provider = b.workspace === 'default' ? b.provider : `${b.workspace}/${b.provider}`;
  return [
    provider,
    b.model,
    { text: b.state, paint: b.state === 'open' ? chalk.red : chalk.yellow },
    b.failures,
    b.reopensAt ?? '-',
  ];
}

/** Open and half-open breakers only: a closed one with a few failures is not news. */
function renderBreakers(s: StatusResponse): string {
  const tripped = (s.breakers ?? []).filter((b) => b.state !== 'closed');
  if (tripped.length === 0) return '';
  const table = renderTable(
    [
      { title: 'PROVIDER' },
      { title: 'MODEL' },
      { title: 'BREAKER' },
      { title: 'FAILURES', align: 'right' },
      { title: 'PROBE AT' },
    ],
    tripped.map(breakerRow),
  );
  return `\ncircuit breakers (targets skipped until their probe)\n${table}`;
}

export function renderStatus(s: StatusResponse, server: string): string {
  const revision =
    s.revision === null
      ? 'no revision (never configured)'
      : `revision ${s.revision}${s.hash ? ` (${s.hash.replace(/^sha256:/, '').slice(0, 12)})` : ''}`;
  const head = `${server}: ${revision}, up ${duration(s.uptimeS)}; last hour per endpoint\n`;
  if (s.endpoints.length === 0) return `${head}no endpoints\n${renderBreakers(s)}${renderFleet(s)}`;
  const table = renderTable(
    [
      { title: 'ENDPOINT' },
      { title: 'RPS', align: 'right' },
      { title: 'P95', align: 'right' },
      { title: 'ERRORS', align: 'right' },
      { title: 'REQUESTS', align: 'right' },
      { title: '429', align: 'right' },
      { title: '422', align: 'right' },
      { title: 'LAST ERROR' },
    ],
    s.endpoints.map(row),
  );
  return head + table + renderBreakers(s) + renderFleet(s);
}

/** A fleet run from `gw apply`: every live instance and the revision it serves. */
function renderFleet(s: StatusResponse): string {
  const fleet = s.fleet;
  if (fleet === undefined || fleet === null) return '';
  const short = (h: string | null): string => (h === null ? '-' : h.replace(/^sha256:/, '').slice(0, 12));
  const table = renderTable(
    [
      { title: 'INSTANCE' },
      { title: 'PROXY' },
      { title: 'ADMIN' },
      { title: 'REVISION', align: 'right' },
      { title: 'CONFIG' },
    ],
    fleet.instances.map((i) => [
      i.self ? `${i.id} (this)` : i.id,
      i.proxy,
      i.admin,
      {
        text: i.revision === null ? '-' : String(i.revision),
        paint: i.hash !== s.hash ? chalk.yellow : plain,
      },
      short(i.hash),
    ]),
  );
  const note = fleet.shared ? '' : ' (redis does not answer: only this instance is known)';
  return `
fleet: ${fleet.instances.length} live instance${fleet.instances.length === 1 ? '' : 's'}${note}
${table}`;
}
