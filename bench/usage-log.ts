// What the usage log costs per request row, in process and off the request path: rows recorded
// and written in batches of --batch (as the 100 ms flush writes them at 2,000 requests a
// second), CPU time (user + system) per row, the median of --runs runs. Then the same rows
// through bare better-sqlite3 into the same schema, one row per INSERT against sixteen, which is
// the fixed cost of a statement run that the batch write shares out.
//   npx tsx bench/usage-log.ts [--rows 60000] [--batch 200] [--runs 5]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { UsageLog } from '../src/telemetry/usage-log.js';
import type { UsageRow } from '../src/telemetry/usage-row.js';
import { machine, median } from './util.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '60000' },
    batch: { type: 'string', default: '200' },
    runs: { type: 'string', default: '5' },
  },
});
const ROWS = Math.max(1000, Number(args.rows));
const BATCH = Math.max(1, Number(args.batch));
const RUNS = Math.max(1, Number(args.runs));

/** A chat row as the bench's gateway writes it. */
const row = (i: number): UsageRow => ({
  ts: Date.now(),
  requestId: `9f0c1d2e-3b4a-4c5d-8e9f-${String(i).padStart(12, '0')}`,
  workspace: 'default',
  endpoint: 'bench',
  keyName: 'bench',
  model: 'bench-model',
  provider: 'upstream',
  upstreamModel: 'bench-upstream-model',
  attempts: [{ provider: 'upstream', model: 'bench-upstream-model', status: 200, error: null, ms: 0.31 }],
  status: 200,
  errorCode: null,
  tokensIn: 9,
  tokensOut: 7,
  costUsd: 0.0000055,
  latencyMs: 0.4 + (i % 7) / 10,
  ttfbMs: null,
  stream: false,
  route: 'openai.chat',
});

const cpuUs = (t: NodeJS.CpuUsage): number => t.user + t.system;

/** µs of CPU per row through UsageLog: record() then one flush() per batch. */
function usageLogRun(dir: string, run: number): number {
  const log = UsageLog.open(join(dir, `log-${run}.sqlite`), { flushIntervalMs: 1e9, maxBatch: 1e9 });
  const t0 = process.cpuUsage();
  for (let n = 0; n < ROWS;) {
    for (let i = 0; i < BATCH && n < ROWS; i++) log.record(row(n++));
    log.flush();
  }
  const us = cpuUs(process.cpuUsage(t0)) / ROWS;
  log.close();
  return us;
}

/** µs of CPU per row through a bare statement of `perStatement` rows, in batch transactions. */
function statementRun(dir: string, run: number, perStatement: number): number {
  const path = join(dir, `raw-${perStatement}-${run}.sqlite`);
  UsageLog.open(path).close(); // the schema, indexes included
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const cols =
    'ts, request_id, workspace, endpoint, key_name, model, provider, upstream_model, attempts, attempt_log, status, tokens_in, tokens_out, cost_usd, latency_ms, stream, route';
  const one = `(${cols
    .split(', ')
    .map(() => '?')
    .join(', ')})`;
  const insert = db.prepare(`INSERT INTO requests (${cols}) VALUES ${new Array(perStatement).fill(one).join(', ')}`);
  const values = (r: UsageRow): unknown[] => [
    r.ts,
    r.requestId,
    r.workspace,
    r.endpoint,
    r.keyName,
    r.model,
    r.provider,
    r.upstreamModel,
    1,
    JSON.stringify(r.attempts),
    r.status,
    r.tokensIn,
    r.tokensOut,
    r.costUsd,
    r.latencyMs,
    0,
    r.route,
  ];
  const write = db.transaction((rows: readonly UsageRow[]) => {
    for (let i = 0; i < rows.length; i += perStatement) {
      insert.run(rows.slice(i, i + perStatement).flatMap(values));
    }
  });
  const batch = BATCH - (BATCH % perStatement) || perStatement;
  const t0 = process.cpuUsage();
  let n = 0;
  for (; n + batch <= ROWS;) {
    const rows: UsageRow[] = [];
    for (let i = 0; i < batch; i++) rows.push(row(n++));
    write(rows);
  }
  const us = cpuUs(process.cpuUsage(t0)) / n;
  db.close();
  return us;
}

const m = machine();
console.log(
  `machine: ${m.nproc} cores, ${m.cpu}, node ${m.node}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
console.log(`${ROWS} rows, batches of ${BATCH}, ${RUNS} runs each (median, range)`);
const dir = mkdtempSync(join(tmpdir(), 'gw-bench-usage-'));
try {
  const report = (label: string, run: (i: number) => number): void => {
    const xs = Array.from({ length: RUNS }, (_, i) => run(i));
    const f = (x: number): string => x.toFixed(2);
    console.log(`${label.padEnd(40)} ${f(median(xs))} µs/row (${f(Math.min(...xs))}–${f(Math.max(...xs))})`);
  };
  report('UsageLog (record + batch write)', (i) => usageLogRun(dir, i));
  report('bare INSERT, 1 row a statement', (i) => statementRun(dir, i, 1));
  report('bare INSERT, 16 rows a statement', (i) => statementRun(dir, i, 16));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
