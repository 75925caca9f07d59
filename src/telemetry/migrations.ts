// The SQLite schema as an ordered list of steps. `PRAGMA user_version` holds how many steps a
// file has applied, so reopening a file runs only the steps it has not seen. Append new steps;
// never edit or reorder a step that has shipped, because existing files already ran it.
// storage/sqlite.ts runs them (migrate) when the usage log or the revision store opens the file.
import { BUCKET_COLUMNS, bucketSql } from './latency-histogram.js';

/** The series columns of usage_minutes; '' stands for "none" (NULL would defeat the upsert). */
const SERIES = ['workspace', 'endpoint', 'key_name', 'model'] as const;

/** A roll-up table's columns after its time unit and series. */
function rollupColumns(lastError: boolean): string {
  return `
    requests        INTEGER NOT NULL DEFAULT 0,
    errors          INTEGER NOT NULL DEFAULT 0,  -- status >= 400
    tokens_in       INTEGER NOT NULL DEFAULT 0,
    tokens_out      INTEGER NOT NULL DEFAULT 0,
    cost_usd        REAL    NOT NULL DEFAULT 0,
    latency_sum_ms  REAL    NOT NULL DEFAULT 0,
    latency_min_ms  REAL,
    latency_max_ms  REAL,${
      lastError
        ? `
    last_error_ts   INTEGER,                  -- newest request with status >= 400
    last_error_code TEXT,                     -- its error_code, or 'HTTP_<status>'`
        : ''
    }
    ${BUCKET_COLUMNS.map((c) => `${c} INTEGER NOT NULL DEFAULT 0`).join(',\n    ')},`;
}

// 2: the roll-ups that status and usage read, back-filled from existing requests: per minute
// (status's last hour, the edges of a usage window) and per hour (the rest of a usage window).
// Generated from latency-histogram.ts, whose bounds are frozen for that reason.
const ROLLUP = `
  CREATE TABLE usage_minutes (
    minute          INTEGER NOT NULL,         -- floor(ts / 60000): the request start's UTC minute
    workspace       TEXT    NOT NULL,
    endpoint        TEXT    NOT NULL,         -- '' when the request had none; likewise below
    key_name        TEXT    NOT NULL,
    model           TEXT    NOT NULL,${rollupColumns(true)}
    PRIMARY KEY (minute, ${SERIES.join(', ')})
  ) WITHOUT ROWID;
  CREATE TABLE usage_hours (
    hour            INTEGER NOT NULL,         -- floor(minute / 60)
    workspace       TEXT    NOT NULL,
    endpoint        TEXT    NOT NULL,
    key_name        TEXT    NOT NULL,
    model           TEXT    NOT NULL,${rollupColumns(false)}
    PRIMARY KEY (hour, ${SERIES.join(', ')})
  ) WITHOUT ROWID;
  -- /admin/v1/requests?workspace=[&endpoint=]: newest first straight from an index.
  CREATE INDEX requests_workspace_ts ON requests (workspace, ts);
  CREATE INDEX requests_workspace_endpoint_ts ON requests (workspace, endpoint, ts);

  -- Two stages: group by series, minute and latency bucket first (one COUNT per row), then
  -- spread the few resulting rows over the bucket columns (sixty SUMs per row would be ~20× slower).
  INSERT INTO usage_minutes (minute, ${SERIES.join(', ')}, requests, errors, tokens_in, tokens_out, cost_usd,
    latency_sum_ms, latency_min_ms, latency_max_ms, last_error_ts, ${BUCKET_COLUMNS.join(', ')})
  SELECT minute, ${SERIES.join(', ')}, SUM(n), SUM(errors), SUM(tokens_in), SUM(tokens_out), SUM(cost_usd),
    SUM(latency_sum_ms), MIN(latency_min_ms), MAX(latency_max_ms), MAX(last_error_ts),
    ${BUCKET_COLUMNS.map((_, i) => `SUM(CASE WHEN b = ${i} THEN n ELSE 0 END)`).join(', ')}
  FROM (
    SELECT minute, ${SERIES.join(', ')}, b, COUNT(*) AS n, SUM(status >= 400) AS errors, SUM(tokens_in) AS tokens_in,
      SUM(tokens_out) AS tokens_out, SUM(cost_usd) AS cost_usd, SUM(latency_ms) AS latency_sum_ms,
      MIN(latency_ms) AS latency_min_ms, MAX(latency_ms) AS latency_max_ms,
      MAX(CASE WHEN status >= 400 THEN ts END) AS last_error_ts
    FROM (SELECT CAST(ts AS INTEGER) / 60000 AS minute, workspace, COALESCE(endpoint, '') AS endpoint,
            COALESCE(key_name, '') AS key_name, COALESCE(model, '') AS model, status, tokens_in, tokens_out,
            cost_usd, latency_ms, ts, ${bucketSql('latency_ms')} AS b
          FROM requests)
    GROUP BY minute, ${SERIES.join(', ')}, b)
  GROUP BY minute, ${SERIES.join(', ')};

  UPDATE usage_minutes SET last_error_code = (
    SELECT COALESCE(r.error_code, 'HTTP_' || r.status) FROM requests r
    WHERE r.ts = usage_minutes.last_error_ts AND r.status >= 400 AND r.workspace = usage_minutes.workspace
      AND COALESCE(r.endpoint, '') = usage_minutes.endpoint AND COALESCE(r.key_name, '') = usage_minutes.key_name
      AND COALESCE(r.model, '') = usage_minutes.model
    ORDER BY r.id DESC LIMIT 1)
  WHERE last_error_ts IS NOT NULL;

  INSERT INTO usage_hours (hour, ${SERIES.join(', ')}, requests, errors, tokens_in, tokens_out, cost_usd,
    latency_sum_ms, latency_min_ms, latency_max_ms, ${BUCKET_COLUMNS.join(', ')})
  SELECT minute / 60, ${SERIES.join(', ')}, SUM(requests), SUM(errors), SUM(tokens_in), SUM(tokens_out), SUM(cost_usd),
    SUM(latency_sum_ms), MIN(latency_min_ms), MAX(latency_max_ms), ${BUCKET_COLUMNS.map((c) => `SUM(${c})`).join(', ')}
  FROM usage_minutes GROUP BY minute / 60, ${SERIES.join(', ')};
`;

// 3: refusals per roll-up row, for `gw status`: 429 (a rate limit) and 422 (token cap, budget and
// the other policies), back-filled from the requests already logged in one grouped pass.
const refusalsOf = (table: string, unit: string, msPerUnit: number): string => `
  ALTER TABLE ${table} ADD COLUMN limited_429 INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE ${table} ADD COLUMN refused_422 INTEGER NOT NULL DEFAULT 0;
  UPDATE ${table} SET limited_429 = x.limited, refused_422 = x.refused
  FROM (SELECT CAST(ts AS INTEGER) / ${msPerUnit} AS unit, workspace, COALESCE(endpoint, '') AS endpoint,
          COALESCE(key_name, '') AS key_name, COALESCE(model, '') AS model,
          SUM(status = 429) AS limited, SUM(status = 422) AS refused
        FROM requests WHERE status IN (429, 422) GROUP BY 1, 2, 3, 4, 5) AS x
  WHERE ${table}.${unit} = x.unit AND ${table}.workspace = x.workspace AND ${table}.endpoint = x.endpoint
    AND ${table}.key_name = x.key_name AND ${table}.model = x.model;`;
const REFUSALS = refusalsOf('usage_minutes', 'minute', 60_000) + refusalsOf('usage_hours', 'hour', 3_600_000);

// 4: which guardrails a request met (issue 11): 'name/rule:action' entries joined by ',', never the text.
const GUARDRAILS = `ALTER TABLE requests ADD COLUMN guardrails TEXT;`;

export const MIGRATIONS: readonly string[] = [
  // 1: request log, monthly spend, applied revisions.
  `
  CREATE TABLE requests (
    id             INTEGER PRIMARY KEY,
    ts             INTEGER NOT NULL,          -- epoch ms, request start
    request_id     TEXT    NOT NULL,
    workspace      TEXT    NOT NULL,
    endpoint       TEXT,
    key_name       TEXT,
    model          TEXT,                      -- the model the caller asked for
    provider       TEXT,                      -- the provider that answered (last attempt)
    upstream_model TEXT,
    attempts       INTEGER NOT NULL DEFAULT 0,
    attempt_log    TEXT    NOT NULL DEFAULT '[]',  -- JSON [{provider, model, status, error, ms}]
    status         INTEGER NOT NULL,          -- HTTP status sent to the caller
    error_code     TEXT,
    tokens_in      INTEGER NOT NULL DEFAULT 0,
    tokens_out     INTEGER NOT NULL DEFAULT 0,
    cost_usd       REAL    NOT NULL DEFAULT 0,
    latency_ms     REAL    NOT NULL,
    ttfb_ms        REAL,
    stream         INTEGER NOT NULL DEFAULT 0,
    route          TEXT    NOT NULL
  );
  CREATE INDEX requests_ts ON requests (ts);
  CREATE INDEX requests_endpoint_ts ON requests (endpoint, ts);
  CREATE INDEX requests_key_ts ON requests (key_name, ts);

  CREATE TABLE spend (
    workspace    TEXT NOT NULL,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('key', 'endpoint')),
    subject      TEXT NOT NULL,
    month        TEXT NOT NULL,               -- 'YYYY-MM', UTC
    cost_usd     REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace, subject_kind, subject, month)
  ) WITHOUT ROWID;

  CREATE TABLE revisions (
    number     INTEGER PRIMARY KEY,
    hash       TEXT    NOT NULL,
    manifests  TEXT    NOT NULL,              -- manifests with references unresolved
    applied_at INTEGER NOT NULL,              -- epoch ms
    source     TEXT    NOT NULL               -- e.g. 'file', 'watch', 'sighup', 'apply', 'rollback'
  );
  `,
  ROLLUP,
  REFUSALS,
  GUARDRAILS,
  // 5: transparent proxy rows: method, path below the endpoint's baseUrl (no query), body bytes
  // each way. NULL on the other surfaces rows, old ones included.
  `
  ALTER TABLE requests ADD COLUMN method TEXT;
  ALTER TABLE requests ADD COLUMN path TEXT;
  ALTER TABLE requests ADD COLUMN bytes_in INTEGER;
  ALTER TABLE requests ADD COLUMN bytes_out INTEGER;
  `,
  // 6: who applied a revision (`gw apply` sends user@host or the CI actor); NULL for file loads.
  `
  ALTER TABLE revisions ADD COLUMN actor TEXT;
  `,
  // 7: no query reads requests by key (gw usage and status read the roll-ups), and each index
  // costs every insert its own B-tree write.
  `
  DROP INDEX IF EXISTS requests_key_ts;
  `,
];
