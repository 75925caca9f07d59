// Monthly spend per key and endpoint (the `spend` table), kept apart from the request log: the
// usage log hands each batch to write() inside its own transaction, so the rows and the spend
// they add commit together, and answers monthSpend() from here. Its add()/get() have the shape
// of policy/stores.ts's SpendStore, for the budgets to come.
import type { Database, Statement } from 'better-sqlite3';
import { now } from '../util/clock.js';
import { monthOf } from './usage-row.js';
import type { SpendSubjectKind, UsageRow } from './usage-row.js';
import { KeyTree } from '../util/key-tree.js';

export class SpendLedger {
  readonly #add: Statement;
  readonly #read: Statement;
  readonly #onReadError: (err: unknown) => void;
  /** Spend totals the budget checks asked for, kept current by recorded(). */
  readonly #cache = new KeyTree<{ usd: number }>();
  #cacheMonth = '';
  /** The month last seen, as [start, end) epoch ms, so most rows skip date formatting. */
  #monthRange = { start: 0, end: 0, label: '' };

  /** `onReadError` hears a failed read of the table (monthSpend then answers from memory). */
  constructor(db: Database, onReadError: (err: unknown) => void) {
    this.#onReadError = onReadError;
    this.#add = db.prepare(`INSERT INTO spend (workspace, subject_kind, subject, month, cost_usd)
      VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (workspace, subject_kind, subject, month) DO UPDATE SET cost_usd = cost_usd + excluded.cost_usd`);
    this.#read = db
      .prepare('SELECT cost_usd FROM spend WHERE workspace = ? AND subject_kind = ? AND subject = ? AND month = ?')
      .pluck();
  }

  /** Adds to the stored spend (in the caller's transaction, if any). */
  add(workspace: string, kind: SpendSubjectKind, subject: string, month: string, usd: number): void {
    this.#add.run(workspace, kind, subject, month, usd);
  }

  /** The stored spend, 0 when none; throws when the read fails. */
  get(workspace: string, kind: SpendSubjectKind, subject: string, month: string): number {
    return (this.#read.get(workspace, kind, subject, month) as number | undefined) ?? 0;
  }

  /** Adds a batch's costs per key and endpoint and month, one upsert each. Runs inside the batch transaction. */
  write(rows: readonly UsageRow[]): void {
    const spend = new KeyTree<[string, SpendSubjectKind, string, string, number]>();
    const add = (
      ws: string,
      kind: SpendSubjectKind,
      subject: string | null | undefined,
      m: string,
      cost: number,
    ): void => {
      if (subject == null) return;
      const e = spend.get(ws, kind, subject, m);
      if (e === undefined) spend.set([ws, kind, subject, m, cost], ws, kind, subject, m);
      else e[4] += cost;
    };
    for (const r of rows) {
      const cost = r.costUsd ?? 0;
      if (cost > 0) {
        const m = this.monthOfRow(r.ts);
        add(r.workspace, 'key', r.keyName, m, cost);
        add(r.workspace, 'endpoint', r.endpoint, m, cost);
      }
    }
    for (const e of spend.values()) this.#add.run(...e);
  }

  /** Called for every recorded row: keeps the totals already asked for current. O(1), no I/O. */
  recorded(row: UsageRow): void {
    const cost = row.costUsd ?? 0;
    if (cost <= 0 || this.#cache.size === 0) return;
    const m = this.monthOfRow(row.ts);
    this.#bumpCached(row.workspace, 'key', row.keyName, m, cost);
    this.#bumpCached(row.workspace, 'endpoint', row.endpoint, m, cost);
  }

  /**
   * Spend of one key or endpoint in a month (default: the current UTC month), in USD, including
   * `pending` rows not yet written. The first call per subject reads SQLite once (unless
   * `closed`); later calls are answered from memory, which recorded() keeps current. A failed
   * read answers the pending part and is not cached.
   */
  monthSpend(
    workspace: string,
    kind: SpendSubjectKind,
    subject: string,
    month: string | undefined,
    pending: readonly UsageRow[],
    closed: boolean,
  ): number {
    const current = this.monthOfRow(now());
    if (current !== this.#cacheMonth) {
      // A new month: drop last month's totals rather than let the cache grow forever.
      this.#cache.clear();
      this.#cacheMonth = current;
    }
    const m = month ?? current;
    const cached = this.#cache.get(workspace, kind, subject, m);
    if (cached !== undefined) return cached.usd;
    let unwritten = 0;
    for (const row of pending) {
      if (row.workspace !== workspace || this.monthOfRow(row.ts) !== m) continue;
      if ((kind === 'key' ? row.keyName : row.endpoint) === subject) unwritten += row.costUsd ?? 0;
    }
    if (closed) return unwritten;
    let stored: number;
    try {
      stored = this.get(workspace, kind, subject, m);
    } catch (err) {
      this.#onReadError(err);
      return unwritten;
    }
    this.#cache.set({ usd: stored + unwritten }, workspace, kind, subject, m);
    return stored + unwritten;
  }

  /** monthOf(ts), from the remembered month's range when ts falls in it. */
  monthOfRow(ts: number): string {
    const r = this.#monthRange;
    if (ts >= r.start && ts < r.end) return r.label;
    const label = monthOf(ts);
    const [y, mo] = label.split('-').map(Number) as [number, number];
    this.#monthRange = { start: Date.UTC(y, mo - 1, 1), end: Date.UTC(y, mo, 1), label };
    return label;
  }

  #bumpCached(ws: string, kind: SpendSubjectKind, subject: string | null | undefined, m: string, cost: number): void {
    if (subject == null) return;
    const cached = this.#cache.get(ws, kind, subject, m);
    if (cached !== undefined) cached.usd += cost;
  }
}
