// Read side of the usage log, and the only module that queries it: recent requests (from
// `requests`, by index, capped) and per-group summaries for `gw usage`, `gw status` and the admin
// API, which read only the roll-ups usage_minutes and usage_hours, so their cost follows the
// number of minutes/hours × series in the window, not the number of requests. Statements are prepared once per
// shape and reused.
import type { Database, Statement } from 'better-sqlite3';
import { BUCKET_COLUMNS, histogramPercentile } from './latency-histogram.js';
import type { AttemptRecord, StoredUsageRow, UsageSummaryRow } from './usage-row.js';
import { compareText } from '../util/compare-text.js';

export type SummaryBy = 'key' | 'endpoint' | 'model';

export interface RecentQuery {
  readonly endpoint?: string;
  readonly workspace?: string;
  /** Newest first; clamped to 1..1000 (default 50). */
  readonly limit?: number;
}

export interface SummaryQuery {
  /**
   * Window start, epoch ms. The roll-up counts whole UTC minutes, so the window starts at the
   * beginning of the minute that holds sinceMs (up to 59.999 s earlier).
   */
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
  id: number;
  ts: number;
  request_id: string;
  workspace: string;
  endpoint: string | null;
  key_name: string | null;
  model: string | null;
  provider: string | null;
  upstream_model: string | null;
  attempts: number;
  attempt_log: string;
  status: number;
  error_code: string | null;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  latency_ms: number;
  ttfb_ms: number | null;
  stream: number;
  route: string;
  guardrails: string | null;
  method: string | null;
  path: string | null;
  bytes_in: number | null;
  bytes_out: number | null;
}

/** A workspace's endpoint over a window, for `gw status`. */
export interface EndpointStats {
  readonly workspace: string;
  readonly endpoint: string;
  readonly requests: number;
  readonly errors: number;
  /** Of the errors: answered 429 (rate limits) and 422 (token cap, budgets, other policies). */
  readonly limited: number;
  readonly refused: number;
  readonly p95_ms: number;
  /** The newest request answered with status >= 400: its GW_ERR_* code (or HTTP_<status>), epoch ms. */
  readonly lastError: { readonly code: string; readonly at: number } | null;
}

/** Sums over roll-up rows: counts, observed min/max and the histogram's bucket sums. */
const HISTOGRAM_SUMS = `MIN(latency_min_ms) AS min_ms, MAX(latency_max_ms) AS max_ms, ${BUCKET_COLUMNS.map((c) => `SUM(${c}) AS ${c}`).join(', ')}`;

interface HistogramRow {
  min_ms: number | null;
  max_ms: number | null;
  [bucket: string]: unknown;
}

interface SummaryRaw extends HistogramRow {
  grp: string;
  requests: number;
  errors: number;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
}

interface EndpointRaw extends HistogramRow {
  workspace: string;
  endpoint: string;
  requests: number;
  errors: number;
  limited: number;
  refused: number;
}

interface SeriesRaw extends HistogramRow {
  minute: number;
  requests: number;
  errors: number;
}

/** One minute of one endpoint's traffic. */
export interface MinutePoint {
  /** The minute's start, epoch ms. */
  readonly minute: number;
  readonly requests: number;
  readonly errors: number;
  readonly p95Ms: number;
}

interface LastErrorRaw {
  workspace: string;
  endpoint: string;
  code: string | null;
  at: number;
}

const minuteOf = (ms: number): number => Math.floor(ms / 60_000);

function percentiles(r: HistogramRow, ...ps: number[]): number[] {
  const counts = BUCKET_COLUMNS.map((c) => Number(r[c] ?? 0));
  const min = r.min_ms ?? 0;
  const max = r.max_ms ?? 0;
  return ps.map((p) => histogramPercentile(counts, p, min, max));
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
    id: r.id,
    ts: r.ts,
    requestId: r.request_id,
    workspace: r.workspace,
    endpoint: r.endpoint,
    keyName: r.key_name,
    model: r.model,
    provider: r.provider,
    upstreamModel: r.upstream_model,
    attempts: r.attempts,
    attemptLog: parseAttempts(r.attempt_log),
    status: r.status,
    errorCode: r.error_code,
    tokensIn: r.tokens_in,
    tokensOut: r.tokens_out,
    costUsd: r.cost_usd,
    latencyMs: r.latency_ms,
    ttfbMs: r.ttfb_ms,
    stream: r.stream !== 0,
    route: r.route,
    guardrails: r.guardrails ?? null,
    method: r.method,
    path: r.path,
    bytesIn: r.bytes_in,
    bytesOut: r.bytes_out,
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
    if (q.endpoint !== undefined) {
      where.push('endpoint = ?');
      params.push(q.endpoint);
    }
    if (q.workspace !== undefined) {
      where.push('workspace = ?');
      params.push(q.workspace);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const stmt = this.#stmt(`recent:${clause}`, `SELECT * FROM requests ${clause} ORDER BY ts DESC, id DESC LIMIT ?`);
    return (stmt.all(...params, limit) as RawRow[]).map(toStored);
  }

  /**
   * Per group: requests, errors (status >= 400), tokens, cost, and p50/p95 latency read from the
   * roll-up's histogram (see histogramPercentile: within one bucket of the exact nearest-rank value).
   */
  summary(q: SummaryQuery): UsageSummaryRow[] {
    const col = GROUP_COLUMN[q.by];
    if (col === undefined) throw new Error(`unknown summary grouping: ${String(q.by)}`);
    const ws = q.workspace !== undefined ? 'AND workspace = ?' : '';
    // Whole hours from usage_hours (the current one included), the minutes before the first
    // whole hour from usage_minutes: at most (hours + 59) rows per series.
    const cols = `CASE WHEN ${col} = '' THEN '(none)' ELSE ${col} END AS grp, requests, errors, tokens_in, tokens_out,
      cost_usd, latency_min_ms, latency_max_ms, ${BUCKET_COLUMNS.join(', ')}`;
    const stmt = this.#stmt(
      `summary:${q.by}:${ws}`,
      `SELECT grp, SUM(requests) AS requests, SUM(errors) AS errors, SUM(tokens_in) AS tokens_in,
         SUM(tokens_out) AS tokens_out, SUM(cost_usd) AS cost_usd, ${HISTOGRAM_SUMS}
       FROM (SELECT ${cols} FROM usage_hours WHERE hour >= ? ${ws}
             UNION ALL
             SELECT ${cols} FROM usage_minutes WHERE minute >= ? AND minute < ? ${ws})
       GROUP BY grp`,
    );
    const minute = minuteOf(q.sinceMs);
    const hour = Math.ceil(minute / 60);
    const w = q.workspace !== undefined ? [q.workspace] : [];
    const params: unknown[] = [hour, ...w, minute, hour * 60, ...w];
    const out: UsageSummaryRow[] = (stmt.all(...params) as SummaryRaw[]).map((r) => {
      const [p50, p95] = percentiles(r, 50, 95) as [number, number];
      return {
        group: r.grp,
        requests: r.requests,
        errors: r.errors,
        tokens_in: r.tokens_in,
        tokens_out: r.tokens_out,
        cost_usd: r.cost_usd,
        p50_ms: p50,
        p95_ms: p95,
      };
    });
    return out.sort((a, b) => b.requests - a.requests || compareText(a.group, b.group));
  }

  /** One endpoint's traffic per minute from the minute holding sinceMs on (minutes without requests left out). */
  endpointSeries(workspace: string, endpoint: string, sinceMs: number): MinutePoint[] {
    const rows = this.#stmt(
      'endpoint:series',
      `SELECT minute, SUM(requests) AS requests, SUM(errors) AS errors, ${HISTOGRAM_SUMS}
       FROM usage_minutes WHERE minute >= ? AND workspace = ? AND endpoint = ? GROUP BY minute ORDER BY minute`,
    );
    return (rows.all(minuteOf(sinceMs), workspace, endpoint) as SeriesRaw[]).map((r) => ({
      minute: r.minute * 60_000,
      requests: r.requests,
      errors: r.errors,
      p95Ms: Math.round((percentiles(r, 95)[0] as number) * 100) / 100,
    }));
  }

  /** Per workspace and endpoint (requests without one left out), from the minute holding sinceMs on. */
  endpointStats(sinceMs: number): EndpointStats[] {
    const totals = this.#stmt(
      'endpoints',
      `SELECT workspace, endpoint, SUM(requests) AS requests, SUM(errors) AS errors, SUM(limited_429) AS limited,
         SUM(refused_422) AS refused, ${HISTOGRAM_SUMS}
       FROM usage_minutes WHERE minute >= ? AND endpoint <> '' GROUP BY workspace, endpoint`,
    );
    // SQLite returns the other columns of the row that holds MAX(...) in each group.
    const lastErrors = this.#stmt(
      'endpoints:last-error',
      `SELECT workspace, endpoint, last_error_code AS code, MAX(last_error_ts) AS at
       FROM usage_minutes WHERE minute >= ? AND endpoint <> '' AND last_error_ts IS NOT NULL GROUP BY workspace, endpoint`,
    );
    const minute = minuteOf(sinceMs);
    const errors = new Map<string, LastErrorRaw>();
    for (const e of lastErrors.all(minute) as LastErrorRaw[]) errors.set(e.workspace + '\u0000' + e.endpoint, e);
    return (totals.all(minute) as EndpointRaw[]).map((r) => {
      const e = errors.get(r.workspace + '\u0000' + r.endpoint);
      return {
        workspace: r.workspace,
        endpoint: r.endpoint,
        requests: r.requests,
        errors: r.errors,
        limited: r.limited,
        refused: r.refused,
        p95_ms: percentiles(r, 95)[0] as number,
        lastError: e === undefined ? null : { code: e.code ?? 'HTTP_ERROR', at: e.at },
      };
    });
  }
}
