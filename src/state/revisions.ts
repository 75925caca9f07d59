// Applied revisions in SQLite: every config change the gateway takes (start-up, file watch,
// SIGHUP, apply, rollback) is one numbered row with the manifests as written (references
// unresolved, so no secret is ever stored), their content hash, the time and the source.
// Its own better-sqlite3 connection on the usage log's file (WAL lets both write); revisions
// are rare, so writes are synchronous and never on the request path.
import type { Database, Statement } from 'better-sqlite3';
import type { ManifestsText } from '../manifest/text.js';
import type { Manifest } from '../manifest/types.js';
import { openDatabase } from '../storage/sqlite.js';
import { MIGRATIONS } from '../telemetry/migrations.js';

/** What started a config change: 'start', 'watch', 'sighup', 'apply', 'rollback', or a caller's label. */
export type RevisionSource = string;

export interface RevisionSummary {
  readonly number: number;
  readonly hash: string;
  /** Epoch ms. */
  readonly appliedAt: number;
  readonly source: RevisionSource;
  /** How many manifests the revision holds. */
  readonly resources: number;
  /** Who applied it (`gw apply` sends user@host or the CI actor); null for file loads. */
  readonly actor: string | null;
}

export interface Revision extends RevisionSummary {
  /** The manifests as written: references unresolved. */
  readonly manifests: readonly Manifest[];
}

/** The manifests of a revision: the objects, or their JSON text when the caller has it (made off the serving thread). */
export type RecordManifests =
  | { readonly manifests: readonly Manifest[]; readonly text?: undefined }
  | { readonly text: ManifestsText; readonly manifests?: undefined };

export type RecordInput = RecordManifests & {
  readonly hash: string;
  readonly source: RevisionSource;
  /** Who asked for it; default none. */
  readonly actor?: string | undefined;
  /** Epoch ms; default now. */
  readonly at?: number;
  /**
   * The lowest number this revision may take (a fleet numbers revisions alike on every
   * instance, so one may skip numbers here); default: the next after the newest.
   */
  readonly atLeast?: number;
};

interface RawRevision {
  number: number;
  hash: string;
  manifests?: string;
  applied_at: number;
  source: string;
  resources: number;
  actor: string | null;
}

const SUMMARY_COLUMNS = 'number, hash, applied_at, source, actor, json_array_length(manifests) AS resources';

function toSummary(r: RawRevision): RevisionSummary {
  return {
    number: r.number,
    hash: r.hash,
    appliedAt: r.applied_at,
    source: r.source,
    resources: r.resources,
    actor: r.actor ?? null,
  };
}

function parseManifests(text: string | undefined): Manifest[] {
  try {
    const v: unknown = JSON.parse(text ?? '[]');
    return Array.isArray(v) ? (v as Manifest[]) : [];
  } catch {
    return []; // A damaged row reads as empty rather than crashing the admin API.
  }
}

function toRevision(r: RawRevision): Revision {
  return { ...toSummary(r), manifests: parseManifests(r.manifests) };
}

export class RevisionStore {
  readonly #db: Database;
  readonly #insert: Statement;
  readonly #next: Statement;
  readonly #list: Statement;
  readonly #get: Statement;
  readonly #latest: Statement;
  readonly #before: Statement;
  readonly #record: (input: RecordInput) => Revision;
  readonly #manifestsOf: (number: number) => readonly Manifest[];

  /**
   * Opens (creating folder and file when missing) and migrates the database at `path`;
   * ':memory:' works for tests. Throws GwError GW_ERR_STORAGE_OPEN when it cannot.
   */
  static open(path: string, opts: { busyTimeoutMs?: number } = {}): RevisionStore {
    const busyTimeoutMs = opts.busyTimeoutMs ?? 2000;
    return new RevisionStore(openDatabase(path, { what: 'revision store', busyTimeoutMs, migrations: MIGRATIONS }));
  }

  private constructor(db: Database) {
    this.#db = db;
    this.#insert = db.prepare(
      'INSERT INTO revisions (number, hash, manifests, applied_at, source, actor) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#next = db.prepare('SELECT COALESCE(MAX(number), 0) + 1 FROM revisions').pluck();
    this.#list = db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM revisions ORDER BY number DESC LIMIT ?`);
    this.#get = db.prepare(`SELECT ${SUMMARY_COLUMNS}, manifests FROM revisions WHERE number = ?`);
    this.#latest = db.prepare(`SELECT ${SUMMARY_COLUMNS}, manifests FROM revisions ORDER BY number DESC LIMIT 1`);
    this.#before = db.prepare(
      `SELECT ${SUMMARY_COLUMNS}, manifests FROM revisions WHERE number < ? ORDER BY number DESC LIMIT 1`,
    );
    const manifests = db.prepare('SELECT manifests FROM revisions WHERE number = ?').pluck();
    this.#manifestsOf = (number) => parseManifests(manifests.get(number) as string | undefined);
    // The number is taken inside the write transaction, so two processes on one file never
    // hand out the same one.
    const tx = db.transaction((input: RecordInput): Revision => {
      const number = Math.max(this.#next.get() as number, Math.floor(input.atLeast ?? 0));
      const appliedAt = input.at ?? Date.now();
      const actor = input.actor ?? null;
      const text = input.text?.json ?? JSON.stringify(input.manifests);
      this.#insert.run(number, input.hash, text, appliedAt, input.source, actor);
      const summary = { number, hash: input.hash, appliedAt, source: input.source, actor };
      if (input.text === undefined)
        return { ...summary, resources: input.manifests.length, manifests: input.manifests };
      // Given as text (a large config's, made off the serving thread), the manifests are read
      // back from the row when asked for: the revision in service keeps neither the objects nor
      // the text in the heap (at 10k resources, ~5 MB of text), and only plans, exports,
      // rollbacks and the fleet ask.
      const manifestsOf = this.#manifestsOf;
      return Object.defineProperty({ ...summary, resources: input.text.count }, 'manifests', {
        enumerable: true,
        get: () => manifestsOf(number),
      }) as Revision;
    });
    this.#record = (input) => tx.immediate(input);
  }

  /** Appends a revision with the next number. */
  record(input: RecordInput): Revision {
    return this.#record(input);
  }

  /** Newest first; `limit` clamped to 1..1000 (default 50). */
  list(limit = 50): RevisionSummary[] {
    const n = Math.min(1000, Math.max(1, Math.floor(Number.isFinite(limit) ? limit : 50)));
    return (this.#list.all(n) as RawRevision[]).map(toSummary);
  }

  get(number: number): Revision | undefined {
    const r = this.#get.get(number) as RawRevision | undefined;
    return r === undefined ? undefined : toRevision(r);
  }

  latest(): Revision | undefined {
    const r = this.#latest.get() as RawRevision | undefined;
    return r === undefined ? undefined : toRevision(r);
  }

  /** The newest revision numbered below `number` (what a bare rollback returns to). */
  before(number: number): Revision | undefined {
    const r = this.#before.get(number) as RawRevision | undefined;
    return r === undefined ? undefined : toRevision(r);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
