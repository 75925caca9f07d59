// The per-minute and per-hour roll-ups of the usage log (usage_minutes, usage_hours: counts,
// tokens, cost and a latency histogram per workspace × endpoint × key × model), which status and
// usage read instead of the raw rows. The usage log hands each batch to write() inside its own
// transaction, so the rows and their roll-ups commit together.
import type { Database, Statement } from 'better-sqlite3';
import { BUCKET_COLUMNS, BUCKETS, bucketOf } from './latency-histogram.js';
import type { UsageRow } from './usage-row.js';
import { KeyTree } from '../util/key-tree.js';

/** One roll-up row being built from a batch: the series, then the sums. */
interface MinuteAcc {
  readonly series: [minute: number, workspace: string, endpoint: string, keyName: string, model: string];
  requests: number;
  errors: number;
  /** Answered 429 (a rate limit) and 422 (a policy: token cap, budget…). */
  limited: number;
  refused: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  latencySum: number;
  latencyMin: number;
  latencyMax: number;
  lastErrorTs: number | null;
  lastErrorCode: string | null;
  readonly hist: number[];
}

const ROLLUP_SUMS = [
  'requests',
  'errors',
  'limited_429',
  'refused_422',
  'tokens_in',
  'tokens_out',
  'cost_usd',
  'latency_sum_ms',
  ...BUCKET_COLUMNS,
];

/**
 * Adds a batch's sums to a stored minute (with the last error) or hour (without). Every
 * right-hand side reads the row's old values.
 */
function upsertRollup(table: string, unit: string, lastError: boolean): string {
  const cols = [
    unit,
    'workspace',
    'endpoint',
    'key_name',
    'model',
    'requests',
    'errors',
    'limited_429',
    'refused_422',
    'tokens_in',
    'tokens_out',
    'cost_usd',
    'latency_sum_ms',
    'latency_min_ms',
    'latency_max_ms',
    ...(lastError ? ['last_error_ts', 'last_error_code'] : []),
    ...BUCKET_COLUMNS,
  ];
  const newer = 'excluded.last_error_ts >= COALESCE(last_error_ts, excluded.last_error_ts)';
  return `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})
  ON CONFLICT (${unit}, workspace, endpoint, key_name, model) DO UPDATE SET
    ${ROLLUP_SUMS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')},
    latency_min_ms = MIN(COALESCE(latency_min_ms, excluded.latency_min_ms), excluded.latency_min_ms),
    latency_max_ms = MAX(COALESCE(latency_max_ms, excluded.latency_max_ms), excluded.latency_max_ms)${
      lastError
        ? `,
    last_error_code = CASE WHEN ${newer} THEN excluded.last_error_code ELSE last_error_code END,
    last_error_ts = CASE WHEN ${newer} THEN excluded.last_error_ts ELSE last_error_ts END`
        : ''
    }`;
}

export class Rollups {
  readonly #minute: Statement;
  readonly #hour: Statement;

  constructor(db: Database) {
    this.#minute = db.prepare(upsertRollup('usage_minutes', 'minute', true));
    this.#hour = db.prepare(upsertRollup('usage_hours', 'hour', false));
  }

  /** Adds a batch's rows to their minutes and hours. Runs inside the batch transaction. */
  write(rows: readonly UsageRow[]): void {
    const minutes = new KeyTree<MinuteAcc>();
    for (const r of rows) addToMinute(minutes, r, r.costUsd ?? 0);
    for (const m of minutes.values()) {
      const sums = [
        m.requests,
        m.errors,
        m.limited,
        m.refused,
        m.tokensIn,
        m.tokensOut,
        m.costUsd,
        m.latencySum,
        m.latencyMin,
        m.latencyMax,
      ];
      const [minute, ...series] = m.series;
      this.#minute.run(minute, ...series, ...sums, m.lastErrorTs, m.lastErrorCode, ...m.hist);
      this.#hour.run(Math.floor(minute / 60), ...series, ...sums, ...m.hist);
    }
  }
}

/** Adds one row to its minute's accumulator (what migration 2's back-fill does in SQL). */
function addToMinute(minutes: KeyTree<MinuteAcc>, r: UsageRow, cost: number): void {
  const minute = Math.floor(r.ts / 60_000);
  const endpoint = r.endpoint ?? '';
  const keyName = r.keyName ?? '';
  const model = r.model ?? '';
  let m = minutes.get(minute, r.workspace, endpoint, keyName, model);
  if (m === undefined) {
    m = {
      series: [minute, r.workspace, endpoint, keyName, model],
      requests: 0,
      errors: 0,
      limited: 0,
      refused: 0,
      tokensIn: 0,
      tokensOut: 0,
      costUsd: 0,
      latencySum: 0,
      latencyMin: r.latencyMs,
      latencyMax: r.latencyMs,
      lastErrorTs: null,
      lastErrorCode: null,
      hist: new Array<number>(BUCKETS).fill(0),
    };
    minutes.set(m, minute, r.workspace, endpoint, keyName, model);
  }
  m.requests++;
  m.tokensIn += r.tokensIn ?? 0;
  m.tokensOut += r.tokensOut ?? 0;
  m.costUsd += cost;
  m.latencySum += r.latencyMs;
  if (r.latencyMs < m.latencyMin) m.latencyMin = r.latencyMs;
  if (r.latencyMs > m.latencyMax) m.latencyMax = r.latencyMs;
  const b = bucketOf(r.latencyMs);
  m.hist[b] = (m.hist[b] ?? 0) + 1;
  if (r.status === 429) m.limited++;
  else if (r.status === 422) m.refused++;
  if (r.status >= 400) {
    m.errors++;
    if (m.lastErrorTs === null || r.ts >= m.lastErrorTs) {
      m.lastErrorTs = r.ts;
      m.lastErrorCode = r.errorCode ?? `HTTP_${r.status}`;
    }
  }
}
