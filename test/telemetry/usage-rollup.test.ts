// The per-minute roll-up (usage_minutes): written by the batching path, back-filled by migration 2
// from an older file's requests, and the only table the status and usage queries read — checked
// on a 100k-row file with EXPLAIN QUERY PLAN of every statement those queries run.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { BOUNDS, bucketOf, bucketSql, histogramPercentile } from '../../src/telemetry/latency-histogram.js';
import { MIGRATIONS } from '../../src/telemetry/migrations.js';
import { migrate } from '../../src/storage/sqlite.js';
import { UsageLog } from '../../src/telemetry/usage-log.js';
import { UsageQueries } from '../../src/telemetry/usage-queries.js';
import type { UsageRow, UsageSummaryRow } from '../../src/telemetry/usage-row.js';
import { StatusQuery, statusSince } from '../../src/admin/status.js';
import type { RoutingTable } from '../../src/compile/routing-table.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gw-rollup-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const NOW = Date.UTC(2026, 10, 25, 12, 30, 15);
const ENDPOINTS = ['support', 'search', 'summarize', null] as const;
const KEYS = ['app', 'ci', 'batch', 'web', null] as const;
const MODELS = ['fast', 'smart', null] as const;

/** Row i of a deterministic mix over the 2 hours before NOW: 2 workspaces, errors, varied latency. */
function synth(i: number): UsageRow {
  const status = i % 37 === 0 ? 502 : i % 101 === 0 ? 429 : i % 89 === 0 ? 422 : 200;
  return {
    ts: NOW - ((i * 7919) % 7_200_000),
    requestId: `r-${i}`,
    workspace: i % 5 === 0 ? 'team-b' : 'default',
    endpoint: ENDPOINTS[i % 4] ?? null,
    keyName: KEYS[i % 5] ?? null,
    model: MODELS[i % 3] ?? null,
    provider: 'up',
    status,
    errorCode: status === 502 ? 'GW_ERR_UPSTREAM_EXHAUSTED' : null,
    tokensIn: i % 13,
    tokensOut: i % 29,
    costUsd: (i % 7) * 0.0005,
    latencyMs: 0.5 + ((i * 31) % 20_000) / 3,
    route: 'openai.chat',
  };
}

/** Exact answers from the raw rows, as the queries gave them before the roll-up. */
function expectedSummary(
  rows: readonly UsageRow[],
  sinceMs: number,
  by: 'key' | 'endpoint' | 'model',
): Map<
  string,
  { requests: number; errors: number; tokens_in: number; tokens_out: number; cost_usd: number; latencies: number[] }
> {
  const start = Math.floor(sinceMs / 60_000) * 60_000;
  const out = new Map<
    string,
    { requests: number; errors: number; tokens_in: number; tokens_out: number; cost_usd: number; latencies: number[] }
  >();
  for (const r of rows) {
    if (r.ts < start) continue;
    const g = (by === 'key' ? r.keyName : by === 'endpoint' ? r.endpoint : r.model) ?? '(none)';
    let e = out.get(g);
    if (e === undefined)
      out.set(g, (e = { requests: 0, errors: 0, tokens_in: 0, tokens_out: 0, cost_usd: 0, latencies: [] }));
    e.requests++;
    if (r.status >= 400) e.errors++;
    e.tokens_in += r.tokensIn ?? 0;
    e.tokens_out += r.tokensOut ?? 0;
    e.cost_usd += r.costUsd ?? 0;
    e.latencies.push(r.latencyMs);
  }
  return out;
}

const nearestRank = (sorted: readonly number[], p: number): number =>
  sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1] as number;

/** The histogram's answer lies in the bucket of the exact nearest-rank value. */
function assertSameBucket(actual: number, exact: number, what: string): void {
  const b = bucketOf(exact);
  const lower = b === 0 ? 0 : (BOUNDS[b - 1] as number);
  const upper = b < BOUNDS.length ? (BOUNDS[b] as number) : Infinity;
  assert.ok(actual >= lower && actual <= upper, `${what}: ${actual} not in (${lower}, ${upper}] of exact ${exact}`);
}

function assertSummary(
  got: readonly UsageSummaryRow[],
  rows: readonly UsageRow[],
  sinceMs: number,
  by: 'key' | 'endpoint' | 'model',
): void {
  const want = expectedSummary(rows, sinceMs, by);
  assert.deepEqual(got.map((g) => g.group).sort(), [...want.keys()].sort());
  for (const g of got) {
    const w = want.get(g.group)!;
    assert.deepEqual(
      [g.requests, g.errors, g.tokens_in, g.tokens_out],
      [w.requests, w.errors, w.tokens_in, w.tokens_out],
      `${by} ${g.group}`,
    );
    assert.ok(Math.abs(g.cost_usd - w.cost_usd) < 1e-6, `${by} ${g.group} cost`);
    const sorted = w.latencies.sort((a, b) => a - b);
    assertSameBucket(g.p50_ms, nearestRank(sorted, 50), `${by} ${g.group} p50`);
    assertSameBucket(g.p95_ms, nearestRank(sorted, 95), `${by} ${g.group} p95`);
  }
  for (let i = 1; i < got.length; i++) assert.ok(got[i - 1]!.requests >= got[i]!.requests, 'busiest group first');
}

/** A read-only connection that records every statement it runs (better-sqlite3's verbose hook). */
function traced(path: string): { db: Database; statements: string[] } {
  const statements: string[] = [];
  const db = new BetterSqlite3(path, { readonly: true, verbose: (sql) => statements.push(String(sql)) });
  return { db, statements };
}

function plan(db: Database, sql: string): string[] {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail);
}

/** The smallest table shape StatusQuery reads: workspaces and their endpoint names. */
function tableOf(spec: Record<string, string[]>): RoutingTable {
  return {
    workspaces: new Map(Object.entries(spec).map(([ws, eps]) => [ws, { endpoints: new Map(eps.map((e) => [e, {}])) }])),
  } as unknown as RoutingTable;
}

/** Fills a file at schema version 1 (before the roll-up) with the rows, in the shape UsageLog wrote them. */
function writeV1(path: string, rows: readonly UsageRow[]): void {
  const db = new BetterSqlite3(path);
  migrate(db, MIGRATIONS.slice(0, 1));
  const insert =
    db.prepare(`INSERT INTO requests (ts, request_id, workspace, endpoint, key_name, model, provider, status, error_code,
    tokens_in, tokens_out, cost_usd, latency_ms, route) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  db.transaction(() => {
    for (const r of rows) {
      insert.run(
        r.ts,
        r.requestId,
        r.workspace,
        r.endpoint ?? null,
        r.keyName ?? null,
        r.model ?? null,
        r.provider ?? null,
        r.status,
        r.errorCode ?? null,
        r.tokensIn ?? 0,
        r.tokensOut ?? 0,
        r.costUsd ?? 0,
        r.latencyMs,
        r.route,
      );
    }
  })();
  db.close();
}

describe('latency histogram', () => {
  test('59 bounds from 1 ms to 10 min, at most a third apart; SQL and JS put a latency in the same bucket', () => {
    assert.equal(BOUNDS.length, 59);
    assert.deepEqual([BOUNDS[0], BOUNDS.at(-1)], [1, 600_000]);
    for (let i = 1; i < BOUNDS.length; i++) assert.ok(BOUNDS[i]! / BOUNDS[i - 1]! <= 4 / 3 + 1e-9);
    const db = new BetterSqlite3(':memory:');
    const probes = [
      -1,
      0,
      0.2,
      1,
      1.0001,
      1.25,
      99.9,
      100,
      100.1,
      2999,
      3000,
      599_999,
      600_000,
      600_001,
      5e7,
      ...BOUNDS,
    ];
    const sql = db.prepare(`SELECT ${bucketSql('x')} FROM (SELECT ? AS x)`).pluck();
    for (const ms of probes) assert.equal(sql.get(ms), bucketOf(ms), `bucket of ${ms}`);
    db.close();
  });

  test('percentiles: exact for one value, within the bucket otherwise, 0 for none', () => {
    const counts = new Array<number>(BOUNDS.length + 1).fill(0);
    assert.equal(histogramPercentile(counts, 95, 0, 0), 0);
    counts[bucketOf(212)] = 1;
    assert.equal(histogramPercentile(counts, 95, 212, 212), 212);
    counts[bucketOf(700_000)] = 1;
    assert.equal(
      histogramPercentile(counts, 95, 212, 700_000),
      700_000,
      'the overflow bucket reaches the observed max',
    );
  });
});

describe('usage_minutes', () => {
  test('the batching path and the back-fill of an old file build the same roll-up', () => {
    const rows = Array.from({ length: 6_000 }, (_, i) => synth(i));
    const live = join(dir, 'live.db');
    const log = UsageLog.open(live, { flushIntervalMs: 60_000, maxBatch: 1_000_000 });
    for (let i = 0; i < rows.length; i++) {
      log.record(rows[i]!);
      if (i % 700 === 0) log.flush(); // several batches, so minutes are merged across transactions
    }
    log.close();
    const old = join(dir, 'old.db');
    writeV1(old, rows);
    UsageLog.open(old).close(); // runs migrations 2 and 3: the back-fills
    const dump = (path: string): Record<string, unknown>[] => {
      const db = new BetterSqlite3(path, { readonly: true });
      const out = [
        ...(db
          .prepare('SELECT * FROM usage_minutes ORDER BY minute, workspace, endpoint, key_name, model')
          .all() as Record<string, unknown>[]),
        ...(db.prepare('SELECT * FROM usage_hours ORDER BY hour, workspace, endpoint, key_name, model').all() as Record<
          string,
          unknown
        >[]),
      ];
      db.close();
      return out.map((r) => ({
        ...r,
        cost_usd: Math.round((r['cost_usd'] as number) * 1e9),
        latency_sum_ms: Math.round((r['latency_sum_ms'] as number) * 1e6),
      }));
    };
    const a = dump(live);
    assert.ok(a.length > 100);
    assert.deepEqual(dump(old), a);
    assert.ok(
      a.some((r) => r['last_error_code'] === 'GW_ERR_UPSTREAM_EXHAUSTED') &&
        a.some((r) => r['last_error_code'] === 'HTTP_429'),
    );
    const sum = (col: string): number => a.reduce((n, r) => n + (r[col] as number), 0) / 2; // minutes + hours
    assert.deepEqual(
      [sum('limited_429'), sum('refused_422')],
      [rows.filter((r) => r.status === 429).length, rows.filter((r) => r.status === 422).length],
    );
  });

  test('100k requests: status and usage give the right totals and read only the roll-up, never `requests`', () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => synth(i));
    const path = join(dir, 'big.db');
    writeV1(path, rows);
    // The real batching path on top of the back-filled file: 2,000 rows in the current minute.
    const log = UsageLog.open(path, { flushIntervalMs: 60_000, maxBatch: 500 });
    const fresh = Array.from({ length: 2_000 }, (_, i) => ({ ...synth(100_000 + i), ts: NOW - (i % 15_000) }));
    for (const r of fresh) log.record(r);
    log.flush();
    const all = [...rows, ...fresh];

    const { db, statements } = traced(path);
    const queries = new UsageQueries(db);
    const since24h = NOW - 86_400_000;
    for (const by of ['key', 'endpoint', 'model'] as const)
      assertSummary(queries.summary({ sinceMs: since24h, by }), all, since24h, by);
    // 100 minutes back: 10 minutes from usage_minutes before the first whole hour, then usage_hours.
    const since100m = NOW - 6_000_000;
    assertSummary(queries.summary({ sinceMs: since100m, by: 'model' }), all, since100m, 'model');
    const sinceHalfHour = NOW - 1_800_000;
    assertSummary(
      queries.summary({ sinceMs: sinceHalfHour, by: 'endpoint', workspace: 'team-b' }),
      all.filter((r) => r.workspace === 'team-b'),
      sinceHalfHour,
      'endpoint',
    );

    const status = new StatusQuery().endpoints(
      tableOf({ default: ['support', 'search', 'summarize', 'idle'], 'team-b': ['support'] }),
      queries,
      NOW,
    );
    const start = statusSince(NOW);
    assert.equal(start, Date.UTC(2026, 10, 25, 11, 31), 'the current minute and the 59 before it');
    for (const s of status) {
      const mine = all.filter((r) => r.ts >= start && r.workspace === s.workspace && r.endpoint === s.name);
      const errors = mine.filter((r) => r.status >= 400);
      assert.equal(s.requests, mine.length, `${s.workspace}/${s.name}`);
      assert.equal(s.errors, errors.length);
      assert.equal(s.rps, Math.round((mine.length / 3600) * 1e4) / 1e4);
      if (mine.length === 0) {
        assert.deepEqual([s.p95Ms, s.lastError], [0, null]);
        continue;
      }
      assertSameBucket(
        s.p95Ms,
        nearestRank(
          mine.map((r) => r.latencyMs).sort((x, y) => x - y),
          95,
        ),
        `${s.name} p95`,
      );
      const newest = errors.reduce((m, r) => (r.ts > m.ts ? r : m));
      assert.equal(s.lastError?.at, new Date(newest.ts).toISOString());
    }
    assert.deepEqual(
      status.map((s) => `${s.workspace}/${s.name}`),
      ['default/idle', 'default/search', 'default/summarize', 'default/support', 'team-b/support'],
    );
    assert.ok(status.find((s) => s.name === 'support')!.requests > 3_000, 'a busy hour');

    // Every statement the status and usage queries ran: none touches `requests`; each reads the
    // roll-ups by their primary key (the time range), so the rows read are minutes/hours × series.
    assert.ok(statements.length >= 6, statements.join('\n'));
    for (const sql of [...statements]) {
      const steps = plan(db, sql);
      const why = `${sql}\n${steps.join('\n')}`;
      assert.ok(!steps.some((s) => /\brequests\b/.test(s)), why);
      const reads = steps.filter((s) => /\busage_(minutes|hours)\b/.test(s));
      assert.ok(reads.length > 0, why);
      for (const r of reads)
        assert.match(
          r,
          /^SEARCH usage_(minutes USING PRIMARY KEY \(minute>\?( AND minute<\?)?\)|hours USING PRIMARY KEY \(hour>\?\))/,
          why,
        );
    }
    const series = db
      .prepare('SELECT COUNT(*) FROM usage_minutes WHERE minute >= ?')
      .pluck()
      .get(start / 60_000) as number;
    assert.ok(series <= 60 * 2 * 4 * 5 * 3, `status read ${series} roll-up rows for ${all.length} requests`);
    db.close();
    log.close();
  });

  test('/admin/v1/requests shapes read `requests` through an index, newest first, no sort', () => {
    const path = join(dir, 'recent.db');
    UsageLog.open(path).close();
    const { db, statements } = traced(path);
    const queries = new UsageQueries(db);
    queries.recent({ limit: 5000 });
    queries.recent({ endpoint: 'support' });
    queries.recent({ workspace: 'default' });
    queries.recent({ endpoint: 'support', workspace: 'default' });
    assert.equal(statements.length, 4);
    for (const sql of [...statements]) {
      assert.match(sql, /LIMIT (50|1000)(\.0)?$/, 'the limit is capped at 1000');
      const steps = plan(db, sql).join(' | ');
      assert.match(steps, /USING INDEX requests_/, `${sql}: ${steps}`);
      assert.doesNotMatch(steps, /TEMP B-TREE/, `${sql}: ${steps}`);
      if (/WHERE/.test(sql)) assert.match(steps, /^SEARCH requests/, `${sql}: ${steps}`);
    }
    db.close();
  });
});
