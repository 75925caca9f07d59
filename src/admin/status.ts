// `GET /admin/v1/status`: per endpoint of the config in service, the last hour's traffic from
// the usage log (requests, errors, p95, rate) and its most recent failure.
import type { Database, Statement } from 'better-sqlite3';
import type { RoutingTable } from '../compile/routing-table.js';
import type { SummaryQuery } from '../telemetry/usage-queries.js';
import type { UsageSummaryRow } from '../telemetry/usage-row.js';

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
  readonly lastError: { readonly code: string; readonly at: string } | null;
}

interface LastErrorRow {
  workspace: string;
  endpoint: string;
  error_code: string | null;
  status: number;
  at: number;
}

export interface StatusSource {
  summary(q: SummaryQuery): UsageSummaryRow[];
}

const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;

export class StatusQuery {
  readonly #lastErrors: Statement;

  constructor(db: Database) {
    // SQLite returns the other columns of the row that holds MAX(ts) in each group.
    this.#lastErrors = db.prepare(`SELECT workspace, endpoint, error_code, status, MAX(ts) AS at FROM requests
      WHERE ts >= ? AND status >= 400 AND endpoint IS NOT NULL GROUP BY workspace, endpoint`);
  }

  /** `usage.summary` flushes pending rows first, so the last-error query sees them too. */
  endpoints(table: RoutingTable | undefined, usage: StatusSource, now = Date.now()): EndpointStatus[] {
    if (table === undefined) return [];
    const since = now - STATUS_WINDOW_MS;
    const out: EndpointStatus[] = [];
    const stats = new Map<string, UsageSummaryRow>();
    for (const ws of table.workspaces.keys()) {
      for (const row of usage.summary({ sinceMs: since, by: 'endpoint', workspace: ws })) stats.set(`${ws}/${row.group}`, row);
    }
    const lastErrors = new Map<string, LastErrorRow>();
    for (const r of this.#lastErrors.all(since) as LastErrorRow[]) lastErrors.set(`${r.workspace}/${r.endpoint}`, r);
    for (const [wsName, ws] of table.workspaces) {
      for (const name of [...ws.endpoints.keys()].sort()) {
        const s = stats.get(`${wsName}/${name}`);
        const e = lastErrors.get(`${wsName}/${name}`);
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
          lastError: e === undefined ? null : { code: e.error_code ?? `HTTP_${e.status}`, at: new Date(e.at).toISOString() },
        });
      }
    }
    return out;
  }
}
