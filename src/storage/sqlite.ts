// The one way gw opens a SQLite file: folder created when missing, WAL with synchronous=NORMAL
// (a crash loses at most the last transactions, never corrupts the file), a busy timeout for
// locks held by another process, then the caller's schema steps. The usage log and the revision
// store both open gw's database through here.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { GwError } from '../errors.js';

export interface MigrationResult {
  /** user_version before opening. */
  readonly from: number;
  /** user_version after: steps.length. */
  readonly to: number;
}

/**
 * Brings `db` up to the latest schema: `PRAGMA user_version` holds how many steps a file has
 * applied, so only the steps it has not seen run. Each step and its version bump commit together,
 * so a crash mid-migration leaves the file at the previous version, never half-migrated.
 * Throws when the file was written by a newer gw (its version is beyond what we know).
 */
export function migrate(db: Database, steps: readonly string[]): MigrationResult {
  const from = Number(db.pragma('user_version', { simple: true }));
  if (from > steps.length) {
    throw new Error(`the database schema is version ${from}, newer than this gw knows (${steps.length})`);
  }
  for (let v = from; v < steps.length; v++) {
    const sql = steps[v] as string;
    db.transaction(() => {
      // Another process may have run this step between our read and our lock.
      if (Number(db.pragma('user_version', { simple: true })) > v) return;
      db.exec(sql);
      // PRAGMA takes no bound parameters; v is an integer we control.
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
  return { from, to: steps.length };
}

/** SQLite's page cache per connection, KB. */
const CACHE_KB = 512;

export interface OpenDatabaseOptions {
  /** Names the user in the error message, e.g. 'usage database'. */
  readonly what: string;
  /** How long a statement waits for a lock held by another process, ms. */
  readonly busyTimeoutMs: number;
  /** Schema steps run by migrate() after the pragmas; append-only (see telemetry/migrations.ts). */
  readonly migrations: readonly string[];
}

/**
 * Opens (creating its folder when missing) and migrates a SQLite file in WAL mode; ':memory:'
 * works for tests. Throws GwError GW_ERR_STORAGE_OPEN.
 */
export function openDatabase(path: string, opts: OpenDatabaseOptions): Database {
  let db: Database | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new BetterSqlite3(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // A small page cache: SQLite's default (2 MB a connection) stayed resident once a large
    // revision's row had gone through it (10k resources: ~13 MB more RSS, bench/README.md).
    // gw's writes are appends and its reads rare scans, which the OS's file cache serves.
    db.pragma(`cache_size = -${CACHE_KB}`);
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs))}`);
    migrate(db, opts.migrations);
    return db;
  } catch (err) {
    db?.close();
    const msg = err instanceof Error ? err.message : String(err);
    throw new GwError('GW_ERR_STORAGE_OPEN', `cannot open the ${opts.what} ${path}: ${msg}`, { path });
  }
}

/** SQLITE_BUSY and its extended codes: another connection holds the lock a write needs. */
export function isSqliteBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}
