import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { UsageLog } from '../../src/telemetry/usage-log.js';
import type { FlushInfo, UsageLogOptions } from '../../src/telemetry/usage-log.js';
import type { UsageRow } from '../../src/telemetry/usage-row.js';
import { MIGRATIONS } from '../../src/telemetry/migrations.js';
import { GwError } from '../../src/errors.js';

let dir: string;
let n = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gw-usage-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A fresh db path in a sub-folder that does not exist yet (open() must create it). */
const freshPath = (): string => join(dir, `case-${++n}`, 'state', 'gw.db');

/**
 * Opens a log whose flushes can be awaited: nextFlush() resolves on the next batch write.
 * The log's timer is unref'd (it must not keep `gw` alive), so while a test waits on it a
 * ref'd no-op interval stands in for the server that would keep the process running.
 */
function openLog(path: string, opts: UsageLogOptions = {}): { log: UsageLog; nextFlush: () => Promise<FlushInfo> } {
  const waiters: Array<(info: FlushInfo) => void> = [];
  const log = UsageLog.open(path, { ...opts, onFlush: (info) => waiters.shift()?.(info) });
  const nextFlush = (): Promise<FlushInfo> => {
    const keepAlive = setInterval(() => {}, 1000);
    return new Promise<FlushInfo>((resolve) => waiters.push(resolve)).finally(() => clearInterval(keepAlive));
  };
  return { log, nextFlush };
}

/** Reads the file through a separate connection, as `gw usage` would from another process. */
function countRows(path: string): number {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return db.prepare('SELECT COUNT(*) FROM requests').pluck().get() as number;
  } finally {
    db.close();
  }
}

function row(over: Partial<UsageRow> = {}): UsageRow {
  return {
    ts: Date.UTC(2026, 10, 25, 12),
    requestId: `req-${Math.random().toString(36).slice(2)}`,
    workspace: 'default',
    endpoint: 'support-bot',
    keyName: 'support-app',
    model: 'fast',
    provider: 'openai-prod',
    upstreamModel: 'gpt-4o-mini',
    attempts: [{ provider: 'openai-prod', model: 'gpt-4o-mini', status: 200, error: null, ms: 12 }],
    status: 200,
    tokensIn: 10,
    tokensOut: 20,
    costUsd: 0.001,
    latencyMs: 15,
    ttfbMs: 5,
    stream: false,
    route: 'openai.chat',
    ...over,
  };
}

describe('UsageLog writes', () => {
  test('record() does not write on the spot; the row lands after the flush interval', async () => {
    const path = freshPath();
    const { log, nextFlush } = openLog(path, { flushIntervalMs: 30 });
    const started = Date.now();
    const flushed = nextFlush();
    log.record(row({ requestId: 'r-1' }));
    assert.equal(countRows(path), 0, 'nothing written synchronously');
    assert.deepEqual(log.stats, { pending: 1, written: 0, dropped: 0 });
    const info = await flushed;
    assert.equal(info.rows, 1);
    assert.ok(Date.now() - started >= 25, 'waited for the interval');
    assert.equal(countRows(path), 1);
    const [stored] = log.recent({ limit: 5 });
    assert.equal(stored?.requestId, 'r-1');
    assert.equal(stored?.attempts, 1);
    assert.deepEqual(stored?.attemptLog, [
      { provider: 'openai-prod', model: 'gpt-4o-mini', status: 200, error: null, ms: 12 },
    ]);
    assert.equal(stored?.stream, false);
    assert.equal(stored?.costUsd, 0.001);
    log.close();
  });

  test('a full batch is written on the next turn of the event loop, not inline', async () => {
    const path = freshPath();
    const { log, nextFlush } = openLog(path, { flushIntervalMs: 60_000, maxBatch: 10 });
    const flushed = nextFlush();
    for (let i = 0; i < 10; i++) log.record(row());
    assert.equal(countRows(path), 0);
    assert.equal((await flushed).rows, 10);
    assert.equal(countRows(path), 10);
    log.close();
  });

  test('1,000 records then close() leave 1,000 rows; close() twice is harmless', () => {
    const path = freshPath();
    const log = UsageLog.open(path);
    for (let i = 0; i < 1000; i++) log.record(row({ requestId: `r-${i}`, latencyMs: i }));
    log.close();
    log.close();
    assert.equal(countRows(path), 1000);
    log.record(row());
    assert.equal(log.stats.dropped, 1, 'a record after close is counted, not thrown');
  });

  test('a batch written many rows to a statement keeps every row whole and in order', () => {
    const path = freshPath();
    const log = UsageLog.open(path);
    // 37 rows: two statements of 16 rows, then 5 one at a time.
    for (let i = 0; i < 37; i++) {
      log.record(
        row({
          requestId: `r-${i}`,
          tokensIn: i,
          endpoint: i % 2 === 0 ? 'even' : null,
          attempts: [{ provider: 'openai-prod', model: 'gpt-4o-mini', status: 200, error: null, ms: i }],
          latencyMs: 100 + i,
        }),
      );
    }
    const got = log.recent({ limit: 100 }).reverse();
    log.close();
    assert.deepEqual(
      got.map((r) => [r.requestId, r.tokensIn, r.endpoint, r.attemptLog[0]?.ms, r.latencyMs]),
      Array.from({ length: 37 }, (_, i) => [`r-${i}`, i, i % 2 === 0 ? 'even' : null, i, 100 + i]),
    );
  });

  test('reopening keeps rows and does not re-run migrations', () => {
    const path = freshPath();
    const first = UsageLog.open(path);
    first.record(row({ requestId: 'kept' }));
    first.close();
    const again = UsageLog.open(path);
    assert.deepEqual(
      again.recent().map((r) => r.requestId),
      ['kept'],
    );
    again.close();
    const db = new BetterSqlite3(path, { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    assert.deepEqual(tables, ['requests', 'revisions', 'spend', 'usage_hours', 'usage_minutes']);
    db.close();
  });

  test('migration 4: a file from before it gains the guardrails column; rows keep what matched, older rows null', () => {
    const path = freshPath();
    UsageLog.open(path).close();
    // Roll the file back to the three steps an older gw wrote, with one of its rows in it.
    const old = new BetterSqlite3(path);
    // (Step 5, the proxy columns, came later: drop those too.)
    for (const c of ['guardrails', 'method', 'path', 'bytes_in', 'bytes_out'])
      old.exec(`ALTER TABLE requests DROP COLUMN ${c}`);
    // (Step 6, who applied a revision, too.)
    old.exec('ALTER TABLE revisions DROP COLUMN actor');
    old.pragma('user_version = 3');
    old
      .prepare(
        "INSERT INTO requests (ts, request_id, workspace, status, latency_ms, route) VALUES (1, 'old', 'w', 200, 1, 'r')",
      )
      .run();
    old.close();
    const log = UsageLog.open(path);
    log.record(row({ requestId: 'new', guardrails: 'pii-mask/email:mask,no-secrets/regex:block' }));
    log.flush();
    const byId = new Map(log.recent().map((r) => [r.requestId, r.guardrails]));
    assert.equal(byId.get('old'), null);
    assert.equal(byId.get('new'), 'pii-mask/email:mask,no-secrets/regex:block');
    log.close();
  });

  test('a file from a newer gw is refused with GW_ERR_STORAGE_OPEN', () => {
    const path = freshPath();
    UsageLog.open(path).close();
    const db = new BetterSqlite3(path);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    assert.throws(
      () => UsageLog.open(path),
      (e: unknown) => e instanceof GwError && e.code === 'GW_ERR_STORAGE_OPEN',
    );
  });

  test('a database locked by another process keeps the batch, reports it once, and writes it once the lock is gone', async () => {
    const path = freshPath();
    const errors: Array<{ err: unknown; dropped: number }> = [];
    const { log, nextFlush } = openLog(path, {
      flushIntervalMs: 5,
      busyTimeoutMs: 5_000,
      onError: (err, dropped) => errors.push({ err, dropped }),
    });
    const blocker = new BetterSqlite3(path);
    blocker.exec('BEGIN IMMEDIATE');
    log.record(row({ requestId: 'held-1' }));
    log.record(row({ requestId: 'held-2' }));
    const t0 = performance.now();
    assert.doesNotThrow(() => log.flush());
    // Not SQLite's busy wait (busyTimeoutMs, 5 s here, is for the open and close only): the serving thread never waits.
    assert.ok(performance.now() - t0 < 2_000, `flush() waited ${performance.now() - t0} ms for the lock`);
    assert.doesNotThrow(() => log.flush());
    assert.equal(errors.length, 1, 'reported once while the lock is held');
    assert.equal(errors[0]?.dropped, 0);
    assert.match(String(errors[0]?.err), /locked|busy/i);
    assert.deepEqual(log.stats, { pending: 2, written: 0, dropped: 0 });
    blocker.exec('ROLLBACK');
    blocker.close();
    const flushed = nextFlush();
    log.record(row({ requestId: 'after' }));
    await flushed;
    assert.deepEqual(
      log
        .recent()
        .map((r) => r.requestId)
        .sort(),
      ['after', 'held-1', 'held-2'],
    );
    assert.deepEqual(log.stats, { pending: 0, written: 3, dropped: 0 });
    log.close();
  });
});

describe('UsageLog spend', () => {
  const nov = Date.UTC(2026, 10, 3);
  const oct = Date.UTC(2026, 9, 30);

  test('spend adds up per key and per endpoint per month', () => {
    const path = freshPath();
    const log = UsageLog.open(path);
    log.record(row({ ts: nov, keyName: 'a', endpoint: 'e1', costUsd: 0.25 }));
    log.record(row({ ts: nov, keyName: 'a', endpoint: 'e2', costUsd: 0.5 }));
    log.record(row({ ts: oct, keyName: 'a', endpoint: 'e1', costUsd: 1 }));
    log.record(row({ ts: nov, keyName: 'b', endpoint: 'e1', costUsd: 2 }));
    log.record(row({ ts: nov, keyName: 'b', endpoint: 'e1', costUsd: 0, status: 502 }));
    log.record(row({ ts: nov, keyName: 'a', endpoint: 'e1', costUsd: 4, workspace: 'other' }));
    log.flush();
    assert.equal(log.monthSpend('default', 'key', 'a', '2026-11'), 0.75);
    assert.equal(log.monthSpend('default', 'key', 'a', '2026-10'), 1);
    assert.equal(log.monthSpend('default', 'key', 'b', '2026-11'), 2);
    assert.equal(log.monthSpend('default', 'endpoint', 'e1', '2026-11'), 2.25);
    assert.equal(log.monthSpend('default', 'endpoint', 'e2', '2026-11'), 0.5);
    assert.equal(log.monthSpend('other', 'key', 'a', '2026-11'), 4);
    assert.equal(log.monthSpend('default', 'key', 'nobody', '2026-11'), 0);
    log.close();
    const db = new BetterSqlite3(path, { readonly: true });
    const rows = db
      .prepare(
        "SELECT subject, month, cost_usd FROM spend WHERE workspace = 'default' AND subject_kind = 'key' ORDER BY subject, month",
      )
      .all();
    assert.deepEqual(rows, [
      { subject: 'a', month: '2026-10', cost_usd: 1 },
      { subject: 'a', month: '2026-11', cost_usd: 0.75 },
      { subject: 'b', month: '2026-11', cost_usd: 2 },
    ]);
    db.close();
  });

  test('monthSpend counts rows not yet flushed, and keeps counting after the first read', () => {
    const log = UsageLog.open(freshPath(), { flushIntervalMs: 60_000 });
    const now = Date.now();
    log.record(row({ ts: now, keyName: 'k', costUsd: 1.5 }));
    assert.equal(log.monthSpend('default', 'key', 'k'), 1.5, 'pending row counted');
    log.record(row({ ts: now, keyName: 'k', costUsd: 0.5 }));
    assert.equal(log.monthSpend('default', 'key', 'k'), 2, 'later record added');
    log.flush();
    assert.equal(log.monthSpend('default', 'key', 'k'), 2, 'flush does not count twice');
    log.close();
  });
});

describe('UsageLog queries', () => {
  test('summary gives counts, tokens, cost and nearest-rank p50/p95 per group', () => {
    const log = UsageLog.open(freshPath());
    const since = Date.UTC(2026, 10, 1);
    for (let ms = 1; ms <= 100; ms++) {
      log.record(
        row({
          ts: since + ms,
          keyName: 'a',
          model: 'fast',
          latencyMs: ms,
          status: ms <= 5 ? 502 : 200,
          tokensIn: 1,
          tokensOut: 2,
          costUsd: 0.01,
        }),
      );
    }
    log.record(row({ ts: since + 1, keyName: 'b', model: 'smart', latencyMs: 20, costUsd: 0 }));
    log.record(row({ ts: since + 2, keyName: 'b', model: 'smart', latencyMs: 10, costUsd: 0 }));
    log.record(row({ ts: since + 3, keyName: null, model: null, latencyMs: 7, status: 401, costUsd: 0 }));
    log.record(row({ ts: since - 1, keyName: 'old', latencyMs: 1 }));

    const byKey = log.summary({ sinceMs: since, by: 'key' });
    assert.deepEqual(
      byKey.map((r) => r.group),
      ['a', 'b', '(none)'],
    );
    const a = byKey[0];
    assert.equal(a?.requests, 100);
    assert.equal(a?.errors, 5);
    assert.equal(a?.tokens_in, 100);
    assert.equal(a?.tokens_out, 200);
    assert.ok(Math.abs((a?.cost_usd ?? 0) - 1) < 1e-9);
    assert.equal(a?.p50_ms, 50);
    assert.equal(a?.p95_ms, 95);
    assert.deepEqual([byKey[1]?.p50_ms, byKey[1]?.p95_ms], [10, 20]);
    assert.equal(byKey[2]?.errors, 1);

    const byModel = log.summary({ sinceMs: since, by: 'model' });
    assert.deepEqual(
      byModel.map((r) => [r.group, r.requests]),
      [
        ['fast', 100],
        ['smart', 2],
        ['(none)', 1],
      ],
    );
    const byEndpoint = log.summary({ sinceMs: since, by: 'endpoint', workspace: 'default' });
    assert.deepEqual(
      byEndpoint.map((r) => [r.group, r.requests]),
      [['support-bot', 103]],
    );
    assert.deepEqual(log.summary({ sinceMs: since, by: 'key', workspace: 'elsewhere' }), []);
    log.close();
  });

  test('recent lists newest first, filters by endpoint and clamps the limit', () => {
    const log = UsageLog.open(freshPath());
    const t = Date.UTC(2026, 10, 2);
    log.record(row({ ts: t, requestId: 'one', endpoint: 'e1' }));
    log.record(row({ ts: t + 1, requestId: 'two', endpoint: 'e2', stream: true, ttfbMs: null }));
    log.record(row({ ts: t + 2, requestId: 'three', endpoint: 'e1', attempts: [] }));
    assert.deepEqual(
      log.recent({ limit: 10 }).map((r) => r.requestId),
      ['three', 'two', 'one'],
    );
    assert.deepEqual(
      log.recent({ endpoint: 'e1', limit: 10 }).map((r) => r.requestId),
      ['three', 'one'],
    );
    assert.deepEqual(
      log.recent({ limit: 0 }).map((r) => r.requestId),
      ['three'],
    );
    const two = log.recent({ endpoint: 'e2' })[0];
    assert.equal(two?.stream, true);
    assert.equal(two?.ttfbMs, null);
    assert.equal(log.recent({ endpoint: 'e1', limit: 1 })[0]?.attempts, 0);
    log.close();
  });
});
