// The usage log: one SQLite row per request, with (through rollups.ts) per-minute and per-hour
// roll-ups (usage_minutes, usage_hours: counts, tokens, cost and a latency histogram per
// workspace × endpoint × key × model) that status and usage read instead of the raw rows, and
// (through spend.ts) monthly spend per key and endpoint. Raw rows are kept (no retention yet);
// /admin/v1/requests reads them by index.
// record() only pushes to an in-memory batch; a timer writes the batch in one transaction.
// So the request path never touches SQLite, and a crash loses at most one batch window
// (WAL + synchronous=NORMAL keeps the file consistent, never corrupt).
import { performance } from 'node:perf_hooks';
import type { Database, Statement } from 'better-sqlite3';
import { isSqliteBusy, openDatabase } from '../storage/sqlite.js';
import { MIGRATIONS } from './migrations.js';
import { SpendLedger } from './spend.js';
import { Rollups } from './rollups.js';
import { UsageQueries } from './usage-queries.js';
import type { EndpointStats, MinutePoint, RecentQuery, SummaryQuery } from './usage-queries.js';
import type { SpendSubjectKind, StoredUsageRow, UsageRow, UsageSummaryRow } from './usage-row.js';

export interface FlushInfo {
  /** Rows written by this flush. */
  readonly rows: number;
  /** Time the transaction took, ms. */
  readonly ms: number;
}

export interface UsageLogOptions {
  /** Longest a recorded row waits before it is written. Default 100 ms. */
  readonly flushIntervalMs?: number;
  /** A batch this large is written on the next turn of the event loop. Default 500 rows. */
  readonly maxBatch?: number;
  /**
   * How long opening (migrations) and the last write at close() wait for a lock held by another
   * process. Default 1000 ms. A batch written while serving never waits (see BUSY_RETRY_MAX_MS).
   */
  readonly busyTimeoutMs?: number;
  /** Called after each successful batch write. */
  readonly onFlush?: (info: FlushInfo) => void;
  /**
   * Called when a batch (or a spend read) fails; `dropped` rows of that batch are lost. A batch
   * refused because another process holds the write lock is kept (dropped 0, `kept` true),
   * reported once until a batch is written again.
   */
  readonly onError?: (err: unknown, dropped: number, kept?: boolean) => void;
}

export interface UsageLogStats {
  /** Rows waiting in memory. */
  readonly pending: number;
  /** Rows written since open. */
  readonly written: number;
  /** Rows lost to failed writes or recorded after close(). */
  readonly dropped: number;
}

/** The longest wait between tries while another process holds the write lock. */
const BUSY_RETRY_MAX_MS = 2000;
/** Rows held while the write lock is held elsewhere (about 0.5 KB each); older ones are dropped past it. */
const MAX_HELD_ROWS = 50_000;

/** The columns of a `requests` row, in the order pushRequestValues() gives their values. */
const REQUEST_COLUMNS = [
  'ts',
  'request_id',
  'workspace',
  'endpoint',
  'key_name',
  'model',
  'provider',
  'upstream_model',
  'attempts',
  'attempt_log',
  'status',
  'error_code',
  'tokens_in',
  'tokens_out',
  'cost_usd',
  'latency_ms',
  'ttfb_ms',
  'stream',
  'route',
  'guardrails',
  'method',
  'path',
  'bytes_in',
  'bytes_out',
];

/**
 * Rows per INSERT in a batch. A statement run has a fixed cost (binding, stepping, resetting:
 * about 2 µs here, bench/usage-log.ts) that this many rows share; a batch's remainder goes one
 * row at a time.
 */
const ROWS_PER_INSERT = 16;

function insertRequests(rows: number): string {
  const one = `(${REQUEST_COLUMNS.map(() => '?').join(', ')})`;
  return `INSERT INTO requests (${REQUEST_COLUMNS.join(', ')}) VALUES ${new Array<string>(rows).fill(one).join(', ')}`;
}

function pushRequestValues(out: unknown[], r: UsageRow): void {
  const attempts = r.attempts ?? [];
  out.push(
    r.ts,
    r.requestId,
    r.workspace,
    r.endpoint ?? null,
    r.keyName ?? null,
    r.model ?? null,
    r.provider ?? null,
    r.upstreamModel ?? null,
    attempts.length,
    JSON.stringify(attempts),
    r.status,
    r.errorCode ?? null,
    r.tokensIn ?? 0,
    r.tokensOut ?? 0,
    r.costUsd ?? 0,
    r.latencyMs,
    r.ttfbMs ?? null,
    r.stream === true ? 1 : 0,
    r.route,
    r.guardrails ?? null,
    r.method ?? null,
    r.path ?? null,
    r.bytesIn ?? null,
    r.bytesOut ?? null,
  );
}

export class UsageLog {
  readonly #db: Database;
  readonly #queries: UsageQueries;
  readonly #insertOne: Statement;
  /** ROWS_PER_INSERT rows in one statement. */
  readonly #insertMany: Statement;
  readonly #spend: SpendLedger;
  readonly #rollups: Rollups;
  readonly #writeBatch: (rows: readonly UsageRow[]) => void;
  readonly #intervalMs: number;
  readonly #maxBatch: number;
  readonly #onFlush: ((info: FlushInfo) => void) | undefined;
  readonly #onError: ((err: unknown, dropped: number, kept?: boolean) => void) | undefined;

  #batch: UsageRow[] = [];
  /** While another process holds the write lock: the wait before the next try, ms; else 0. */
  #busyRetryMs = 0;
  readonly #closeBusyMs: number;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #closed = false;
  #written = 0;
  #dropped = 0;

  /**
   * Opens (creating folder and file when missing) and migrates the database at `path`.
   * ':memory:' works for tests. Throws GwError GW_ERR_STORAGE_OPEN when it cannot.
   */
  static open(path: string, opts: UsageLogOptions = {}): UsageLog {
    const busyTimeoutMs = opts.busyTimeoutMs ?? 1000;
    const db = openDatabase(path, { what: 'usage database', busyTimeoutMs, migrations: MIGRATIONS });
    // A write runs on the serving thread: waiting there for another process's lock (an
    // operator's sqlite3 session, a long DELETE, a VACUUM) stalled every request for the wait.
    db.pragma('busy_timeout = 0');
    return new UsageLog(db, { ...opts, busyTimeoutMs });
  }

  private constructor(db: Database, opts: UsageLogOptions) {
    this.#db = db;
    this.#queries = new UsageQueries(db);
    this.#intervalMs = Math.max(1, opts.flushIntervalMs ?? 100);
    this.#maxBatch = Math.max(1, opts.maxBatch ?? 500);
    this.#closeBusyMs = Math.max(0, Math.floor(opts.busyTimeoutMs ?? 1000));
    this.#onFlush = opts.onFlush;
    this.#onError = opts.onError;
    this.#insertOne = db.prepare(insertRequests(1));
    this.#insertMany = db.prepare(insertRequests(ROWS_PER_INSERT));
    this.#spend = new SpendLedger(db, (err) => this.#report(err, 0));
    this.#rollups = new Rollups(db);
    this.#writeBatch = db.transaction((rows: readonly UsageRow[]) => this.#write(rows));
  }

  /**
   * Queues one row; O(1), no I/O, never throws. The row object is kept as is until the flush,
   * so do not mutate it after handing it over.
   */
  record(row: UsageRow): void {
    if (this.#closed) {
      this.#dropped++;
      return;
    }
    this.#batch.push(row);
    this.#spend.recorded(row);
    // While the lock is held elsewhere, the retry timer is the only one.
    if (this.#batch.length >= this.#maxBatch && this.#busyRetryMs === 0) {
      this.#immediate ??= setImmediate(this.#flushSoon);
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(this.#flushSoon, this.#intervalMs);
      this.#timer.unref();
    }
  }

  /** Writes every pending row now, in one transaction. Never throws; failures go to onError. */
  flush(): void {
    this.#cancelTimers();
    if (this.#batch.length === 0 || !this.#db.open) return;
    const rows = this.#batch;
    this.#batch = [];
    const t0 = performance.now();
    try {
      this.#writeBatch(rows);
    } catch (err) {
      if (isSqliteBusy(err) && !this.#closed) {
        this.#hold(rows, err);
        return;
      }
      this.#busyRetryMs = 0;
      this.#dropped += rows.length;
      this.#report(err, rows.length);
      return;
    }
    this.#busyRetryMs = 0;
    this.#written += rows.length;
    if (this.#onFlush !== undefined) {
      try {
        this.#onFlush({ rows: rows.length, ms: performance.now() - t0 });
      } catch {
        // A listener's bug must not break the writer.
      }
    }
  }

  /** Flushes, then closes the database. Safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // The last write may wait for another process's lock: nothing is served any more.
    try {
      this.#db.pragma(`busy_timeout = ${this.#closeBusyMs}`);
    } catch {
      // A closed or broken connection: flush() reports what it cannot write.
    }
    this.flush();
    try {
      this.#db.close();
    } catch (err) {
      this.#report(err, 0);
    }
  }

  /**
   * Spend of one key or endpoint in a month (default: the current UTC month), in USD,
   * including rows not yet flushed. The first call per subject reads SQLite once; later calls
   * are answered from memory, which record() keeps current. So it is cheap enough for the
   * request path, counts only this process's spend after the first read (a fleet shares
   * spend through the redis limits backend), and keeps counting rows of a failed batch
   * (erring toward refusing over overspending).
   */
  monthSpend(workspace: string, kind: SpendSubjectKind, subject: string, month?: string): number {
    return this.#spend.monthSpend(workspace, kind, subject, month, this.#batch, this.#closed);
  }

  /** Most recent requests, newest first. Flushes pending rows first so they are included. */
  recent(q: RecentQuery = {}): StoredUsageRow[] {
    this.flush();
    return this.#queries.recent(q);
  }

  /**
   * Totals and latency percentiles per key, endpoint or model asked, from the minute that holds
   * q.sinceMs on (read from the roll-up; see UsageQueries.summary).
   */
  summary(q: SummaryQuery): UsageSummaryRow[] {
    this.flush();
    return this.#queries.summary(q);
  }

  /** Per workspace and endpoint, from the minute that holds sinceMs on: counts, p95, last error. */
  endpointStats(sinceMs: number): EndpointStats[] {
    this.flush();
    return this.#queries.endpointStats(sinceMs);
  }

  /** One endpoint's traffic per minute, from the minute that holds sinceMs on. */
  endpointSeries(workspace: string, endpoint: string, sinceMs: number): MinutePoint[] {
    this.flush();
    return this.#queries.endpointSeries(workspace, endpoint, sinceMs);
  }

  get stats(): UsageLogStats {
    return { pending: this.#batch.length, written: this.#written, dropped: this.#dropped };
  }

  /**
   * Keeps a batch the write lock refused: it is tried again after a wait that doubles up to
   * BUSY_RETRY_MAX_MS, in front of the rows recorded meanwhile. At most MAX_HELD_ROWS are held;
   * past that the oldest are dropped and counted.
   */
  #hold(rows: UsageRow[], err: unknown): void {
    const first = this.#busyRetryMs === 0;
    this.#busyRetryMs = first ? this.#intervalMs : Math.min(this.#busyRetryMs * 2, BUSY_RETRY_MAX_MS);
    const over = rows.length - MAX_HELD_ROWS;
    this.#batch = over > 0 ? rows.slice(over) : rows;
    if (over > 0) {
      this.#dropped += over;
      this.#report(err, over);
    } else if (first) this.#report(err, 0, true);
    this.#timer = setTimeout(this.#flushSoon, this.#busyRetryMs);
    this.#timer.unref();
  }

  readonly #flushSoon = (): void => {
    this.flush();
  };

  #cancelTimers(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#immediate !== undefined) {
      clearImmediate(this.#immediate);
      this.#immediate = undefined;
    }
  }

  /** Runs inside the batch transaction. */
  #write(rows: readonly UsageRow[]): void {
    const params: unknown[] = [];
    let i = 0;
    for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) {
      params.length = 0;
      for (let k = i; k < i + ROWS_PER_INSERT; k++) pushRequestValues(params, rows[k] as UsageRow);
      this.#insertMany.run(params);
    }
    for (; i < rows.length; i++) {
      params.length = 0;
      pushRequestValues(params, rows[i] as UsageRow);
      this.#insertOne.run(params);
    }
    this.#spend.write(rows);
    this.#rollups.write(rows);
  }

  #report(err: unknown, dropped: number, kept = false): void {
    if (this.#onError === undefined) return;
    try {
      this.#onError(err, dropped, kept);
    } catch {
      // Never let a logging callback throw into a timer or the caller.
    }
  }
}
