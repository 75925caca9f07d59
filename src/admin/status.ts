// `GET /admin/v1/status`: per endpoint of the config in service, the last hour's traffic from
// the usage log's per-minute roll-up (requests, errors, p95, rate) and its most recent failure.
// The SQL lives in telemetry/usage-queries.ts; this module only lays the figures over the table.
import type { RoutingTable } from '../compile/routing-table.js';
import type { EndpointStats } from '../telemetry/usage-queries.js';

export const STATUS_WINDOW_MS = 3_600_000; // 1h

export interface EndpointStatus {
  readonly workspace: string;
  readonly name: string;
  /** Requests per second, averaged over the window. */
  readonly rps: number;
  readonly p95Ms: number;
  /** errors / requests; 0 with no requests. */
  readonly errorRate: number;
  readonly requests: number;
  readonly errors: number;
  /** Of the errors: 429 answers (rate limits) and 422 answers (token cap, budgets, other policies). */
  readonly limited: number;
  readonly refused: number;
  readonly lastError: { readonly code: string; readonly at: string } | null;
}

export interface StatusSource {
  /** Flushes pending rows first, so they are counted. */
  endpointStats(sinceMs: number): EndpointStats[];
}

const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** The window's first minute: the current minute and the 59 before it (whole roll-up minutes). */
export function statusSince(now: number): number {
  return (Math.floor(now / 60_000) + 1) * 60_000 - STATUS_WINDOW_MS;
}

export class StatusQuery {
  endpoints(table: RoutingTable | undefined, usage: StatusSource, now = Date.now()): EndpointStatus[] {
    if (table === undefined) return [];
    const stats = new Map<string, EndpointStats>();
    for (const s of usage.endpointStats(statusSince(now))) stats.set(`${s.workspace}/${s.endpoint}`, s);
    const out: EndpointStatus[] = [];
    for (const [wsName, ws] of table.workspaces) {
      for (const name of [...ws.endpoints.keys()].sort()) {
        const s = stats.get(`${wsName}/${name}`);
        const requests = s?.requests ?? 0;
        const errors = s?.errors ?? 0;
        out.push({
          workspace: wsName,
          name,
          rps: round(requests / (STATUS_WINDOW_MS / 1000), 4),
          p95Ms: round(s?.p95_ms ?? 0, 2),
          errorRate: requests === 0 ? 0 : round(errors / requests, 4),
          requests,
          errors,
          limited: s?.limited ?? 0,
          refused: s?.refused ?? 0,
          lastError:
            s?.lastError == null ? null : { code: s.lastError.code, at: new Date(s.lastError.at).toISOString() },
        });
      }
    }
    return out;
  }
}
