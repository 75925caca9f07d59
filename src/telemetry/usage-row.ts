// What one proxied request leaves in the usage log. The pipeline fills a UsageRow and hands it to
// UsageLog.record(); the admin API lists them back, and `gw usage` / `gw status` read their
// per-minute and per-hour roll-ups.

/** One try against one upstream target, in the order they happened. */
export interface AttemptRecord {
  /** Provider name (not the "workspace/name" id). */
  readonly provider: string;
  /** Upstream model name sent to that provider. */
  readonly model: string;
  /** Upstream HTTP status; null when no response arrived (timeout, refused, reset). */
  readonly status: number | null;
  /** Failure class or short message ('timeout', 'connect', '5xx', ...); null when it succeeded. */
  readonly error: string | null;
  /** Duration of this attempt in ms. */
  readonly ms: number;
}

export interface UsageRow {
  /** Request start, epoch ms. Also decides the spend month (UTC). */
  readonly ts: number;
  readonly requestId: string;
  readonly workspace: string;
  /** Endpoint name; null when the request failed before routing (401, 404, ...). */
  readonly endpoint?: string | null;
  /** ApiKey name (never the key itself); null when unauthenticated. */
  readonly keyName?: string | null;
  /** The model the caller asked for. */
  readonly model?: string | null;
  /** Provider and upstream model that produced the answer (the last attempt's). */
  readonly provider?: string | null;
  readonly upstreamModel?: string | null;
  /** Every attempt, retries and fallbacks included; the row stores the count and a JSON log. */
  readonly attempts?: readonly AttemptRecord[];
  /** HTTP status sent to the caller (200 for a stream that broke after the first byte). */
  readonly status: number;
  /** GW_ERR_* code of the failure, if any (also set for a stream broken mid-way). */
  readonly errorCode?: string | null;
  readonly tokensIn?: number;
  readonly tokensOut?: number;
  /** From costUsd() in cost.ts; 0 when the model has no price. */
  readonly costUsd?: number;
  /** Total time until the response ended, ms. */
  readonly latencyMs: number;
  /** Time until the first byte was sent to the caller, ms; null when nothing was sent. */
  readonly ttfbMs?: number | null;
  readonly stream?: boolean;
  /** Which surface served it: 'openai.chat', 'openai.embeddings', 'openai.models', 'anthropic.messages', 'api.simple', 'proxy'... */
  readonly route: string;
  /** Guardrails that matched: 'name/rule:action' entries joined by ',' (never the matched text); null for none. */
  readonly guardrails?: string | null;
  /** Transparent proxy rows: the HTTP method and the path below the endpoint's baseUrl (never the query). */
  readonly method?: string | null;
  readonly path?: string | null;
  /** Transparent proxy rows: body bytes passed upstream and passed back. */
  readonly bytesIn?: number | null;
  readonly bytesOut?: number | null;
}

/** A row read back from SQLite: every field present, absent values as null/0/false. */
export interface StoredUsageRow {
  readonly id: number;
  readonly ts: number;
  readonly requestId: string;
  readonly workspace: string;
  readonly endpoint: string | null;
  readonly keyName: string | null;
  readonly model: string | null;
  readonly provider: string | null;
  readonly upstreamModel: string | null;
  readonly attempts: number;
  readonly attemptLog: readonly AttemptRecord[];
  readonly status: number;
  readonly errorCode: string | null;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly costUsd: number;
  readonly latencyMs: number;
  readonly ttfbMs: number | null;
  readonly stream: boolean;
  readonly route: string;
  readonly guardrails: string | null;
  /** Set on transparent proxy rows, null on the others. */
  readonly method: string | null;
  readonly path: string | null;
  readonly bytesIn: number | null;
  readonly bytesOut: number | null;
}

export type SpendSubjectKind = 'key' | 'endpoint';

/** One line of `gw usage`: a group's totals since a point in time. */
export interface UsageSummaryRow {
  /** The key name, endpoint name or model asked; '(none)' when the column is empty. */
  readonly group: string;
  readonly requests: number;
  /** Requests answered with status >= 400. */
  readonly errors: number;
  readonly tokens_in: number;
  readonly tokens_out: number;
  readonly cost_usd: number;
  /**
   * Nearest-rank percentiles of latency_ms, read from the roll-up's latency histogram
   * (latency-histogram.ts): interpolated inside the bucket that holds the rank and clamped to the
   * observed min/max, so within that bucket (≤ 1/3 of the value) of the exact figure.
   */
  readonly p50_ms: number;
  readonly p95_ms: number;
}

/** 'YYYY-MM' of an epoch-ms time, in UTC; an invalid time counts as now. */
/** The last month asked for: most calls fall in it, so they skip formatting a date. */
let lastMonth = { start: 0, end: 0, label: '' };

export function monthOf(ts: number): string {
  if (ts >= lastMonth.start && ts < lastMonth.end) return lastMonth.label;
  const d = new Date(ts);
  const at = Number.isNaN(d.getTime()) ? new Date() : d;
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  const label = at.toISOString().slice(0, 7);
  lastMonth = { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1), label };
  return label;
}
