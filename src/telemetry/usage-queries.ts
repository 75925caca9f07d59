// Read side of the usage log: recent requests and per-group summaries for `gw usage`,
// `gw status` and the admin API. Statements are prepared once per shape and reused.
import type { Database, Statement } from 'better-sqlite3';
import type { AttemptRecord, StoredUsageRow, UsageSummaryRow } from './usage-row.js';

export type SummaryBy = 'key' | 'endpoint' | 'model';

export interface RecentQuery {
  readonly endpoint?: string;
  readonly workspace?: string;
  /** Newest first; clamped to 1..1000 (default 50). */
  readonly limit?: number;
}

export interface SummaryQuery {
  /** Only rows with ts >= sinceMs (epoch ms). */
  readonly sinceMs: number;
  readonly by: SummaryBy;
  readonly workspace?: string;
}

const GROUP_COLUMN: Readonly<Record<SummaryBy, string>> = {
  key: 'key_name',
  endpoint: 'endpoint',
  model: 'model',
};

interface RawRow {
  id: number; ts: number; request_id: string; workspace: string; endpoint: string | null;
  key_name: string | null; model: string | null; provider: string | null; upstream_model: string | null;
  attempts: number; attempt_log: string; status: number; error_code: string | null;
  tokens_in: number; tokens_out: number; cost_usd: number; latency_ms: number;
  ttfb_ms: number | null; stream: number; route: string;
}

interface LatencyRow { grp: string; status: number; tokens_in: number; tokens_out: number; cost_usd: number; latency_ms: number }

/** Nearest-rank percentile of an ascending array; 0 for an empty one. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

function parseAttempts(json: string): AttemptRecord[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? (v as AttemptRecord[]) : [];
  } catch {
    return [];
  }
}

function toStored(r: RawRow): StoredUsageRow {
  return {
    id: r.id, ts: r.ts, requestId: r.request_id, workspace: r.workspace, endpoint: r.endpoint,
    keyName: r.key_name, model: r.model, provider: r.provider, upstreamModel: r.upstream_model,
    attempts: r.attempts, attemptLog: parseAttempts(r.attempt_log), status: r.status,
    errorCode: r.error_code, tokensIn: r.tokens_in, tokensOut: r.tokens_out, costUsd: r.cost_usd,
    latencyMs: r.latency_ms, ttfbMs: r.ttfb_ms, stream: r.stream !== 0, route: r.route,
  };
}

export class UsageQueries {
  readonly #db: Database;
  readonly #statements = new Map<string, Statement>();

  constructor(db: Database) {
    this.#db = db;
  }

  #stmt(key: string, sql: string): Statement {
    let s = this.#statements.get(key);
    if (s === undefined) {
      s = this.#db.prepare(sql);
      this.#statements.set(key, s);
    }
    return s;
  }

  recent(q: RecentQuery): StoredUsageRow[] {
    const limit = Math.min(1000, Math.max(1, Math.floor(q.limit ?? 50)));
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.endpoint !== undefined) { where.push('endpoint = ?'); params.push(q.endpoint); }
    if (q.workspace !== undefined) { where.push('workspace = ?'); params.push(q.workspace); }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const stmt = this.#stmt(`recent:${clause}`, `SELECT * FROM requests ${clause} ORDER BY ts DESC, id DESC LIMIT ?`);
    return (stmt.all(...params, limit) as RawRow[]).map(toStored);
  }

  summary(q: SummaryQuery): UsageSummaryRow[] {
    const col = GROUP_COLUMN[q.by];
    if (col === undefined) throw new Error(`unknown summary grouping: ${String(q.by)}`);
    const ws = q.workspace !== undefined ? 'AND workspace = ?' : '';
    const stmt = this.#stmt(
      `summary:${q.by}:${ws}`,
      `SELECT COALESCE(${col}, '(none)') AS grp, status, tokens_in, tokens_out, cost_usd, latency_ms
       FROM requests WHERE ts >= ? ${ws} ORDER BY grp, latency_ms`,
    );
    const params: unknown[] = q.workspace !== undefined ? [q.sinceMs, q.workspace] : [q.sinceMs];
    const out: UsageSummaryRow[] = [];
    let group: string | undefined;
    let acc = { requests: 0, errors: 0, tokens_in: 0, tokens_out: 0, cost_usd: 0 };
    let latencies: number[] = [];
    const emit = (): void => {
      if (group === undefined) return;
      out.push({ group, ...acc, p50_ms: percentile(latencies, 50), p95_ms: percentile(latencies, 95) });
    };
    // Rows arrive sorted by group then latency, so each group's latencies are already ascending.
    for (const r of stmt.iterate(...params) as IterableIterator<LatencyRow>) {
      if (r.grp !== group) {
        emit();
        group = r.grp;
        acc = { requests: 0, errors: 0, tokens_in: 0, tokens_out: 0, cost_usd: 0 };
        latencies = [];
      }
      acc.requests++;
      if (r.status >= 400) acc.errors++;
      acc.tokens_in += r.tokens_in;
      acc.tokens_out += r.tokens_out;
      acc.cost_usd += r.cost_usd;
      latencies.push(r.latency_ms);
    }
    emit();
    return out.sort((a, b) => b.requests - a.requests || a.group.localeCompare(b.group));
  }
}
