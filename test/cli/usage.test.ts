// `gw usage` through the real binary, on a SQLite file the test fills through UsageLog.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageLog } from '../../src/telemetry/usage-log.js';
import type { UsageRow } from '../../src/telemetry/usage-row.js';
import { runGw } from '../helpers/gw.js';

const GATEWAY = `apiVersion: gw/v1
kind: Gateway
metadata: { name: usage-test }
spec:
  storage: { sqlite: ./data/usage.db }
`;

function row(n: number, o: Partial<UsageRow>): UsageRow {
  return {
    ts: Date.now() - 60_000,
    requestId: `req-${n}`,
    workspace: 'default',
    endpoint: 'support',
    keyName: 'app',
    model: 'fast',
    status: 200,
    tokensIn: 10,
    tokensOut: 5,
    costUsd: 0.25,
    latencyMs: 100,
    route: 'openai.chat',
    ...o,
  };
}

describe('gw usage', { concurrency: 2 }, () => {
  let dir: string;
  let empty: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-usage-'));
    empty = await mkdtemp(join(tmpdir(), 'gw-usage-empty-'));
    await writeFile(join(dir, 'gateway.yaml'), GATEWAY);
    await writeFile(join(empty, 'gateway.yaml'), GATEWAY);
    await mkdir(join(dir, 'data'));
    const log = UsageLog.open(join(dir, 'data', 'usage.db'));
    // app: 3 requests on fast (one error), latencies 100/200/300; ci: 1 on smart; one old row.
    log.record(row(1, {}));
    log.record(row(2, { latencyMs: 200 }));
    log.record(
      row(3, {
        latencyMs: 300,
        status: 502,
        errorCode: 'GW_ERR_UPSTREAM_EXHAUSTED',
        tokensIn: 0,
        tokensOut: 0,
        costUsd: 0,
      }),
    );
    log.record(row(4, { keyName: 'ci', model: 'smart', tokensIn: 100, tokensOut: 50, costUsd: 1, latencyMs: 1000 }));
    log.record(row(5, { keyName: 'old', ts: Date.now() - 3 * 3_600_000 }));
    log.close();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(empty, { recursive: true, force: true });
  });

  test('by key (default): a row per key with requests, errors, tokens, cost, p50/p95, and a total line', async () => {
    const r = await runGw(['usage'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const line = (name: string): string[] | undefined =>
      r.stdout
        .split('\n')
        .find((l) => l.startsWith(`${name} `))
        ?.trim()
        .split(/\s+/);
    assert.deepEqual(line('app'), ['app', '3', '1', '20', '10', '$0.50', '200ms', '300ms']);
    assert.deepEqual(line('ci'), ['ci', '1', '0', '100', '50', '$1.00', '1000ms', '1000ms']);
    assert.deepEqual(line('old'), ['old', '1', '0', '10', '5', '$0.25', '100ms', '100ms']);
    assert.deepEqual(line('total'), ['total', '5', '1', '130', '65', '$1.75']);
    assert.match(r.stdout, /^KEY\s+REQUESTS\s+ERRORS\s+TOKENS IN\s+TOKENS OUT\s+COST USD\s+P50\s+P95$/m);
  });

  test('--since 1h leaves older rows out; --by model groups by the model asked', async () => {
    const r = await runGw(['usage', '--since', '1h', '--by', 'model'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^fast\s+3\s+1\s+20\s+10\s+\$0\.50\s+200ms\s+300ms$/m);
    assert.match(r.stdout, /^smart\s+1\s+0\s+100\s+50\s+\$1\.00/m);
    assert.match(r.stdout, /^total\s+4\s+1\s+120\s+60\s+\$1\.50$/m);
  });

  test('--output json: groups and totals as numbers', async () => {
    const r = await runGw(['usage', '--by', 'endpoint', '-o', 'json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as {
      exists: boolean;
      by: string;
      groups: { group: string; requests: number; errors: number; p95_ms: number }[];
      total: { requests: number; cost_usd: number };
    };
    assert.equal(j.exists, true);
    assert.equal(j.by, 'endpoint');
    assert.deepEqual(
      j.groups.map((g) => [g.group, g.requests, g.errors]),
      [['support', 5, 1]],
    );
    assert.equal(j.groups[0]?.p95_ms, 1000);
    assert.equal(j.total.requests, 5);
    assert.ok(Math.abs(j.total.cost_usd - 1.75) < 1e-9);
  });

  test('no database yet: a clear message, zero rows, exit 0, and no file created', async () => {
    const r = await runGw(['usage'], { cwd: empty });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /no usage log yet: .*usage\.db does not exist/);
    const j = JSON.parse((await runGw(['usage', '-o', 'json'], { cwd: empty })).stdout) as {
      exists: boolean;
      groups: unknown[];
      total: { requests: number };
    };
    assert.equal(j.exists, false);
    assert.deepEqual(j.groups, []);
    assert.equal(j.total.requests, 0);
    await assert.rejects(import('node:fs/promises').then((fs) => fs.stat(join(empty, 'data', 'usage.db'))));
  });

  test('a bad --since: exit 1', async () => {
    const r = await runGw(['usage', '--since', 'yesterday'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--since 'yesterday' is neither a duration/);
  });
});

describe('gw usage: weeks, known percentiles, rounded JSON', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-usage-known-'));
    await writeFile(join(dir, 'gateway.yaml'), GATEWAY);
    await mkdir(join(dir, 'data'));
    const log = UsageLog.open(join(dir, 'data', 'usage.db'));
    // 100 requests with latencies 10, 20, …, 1000 ms and costs that add up with float noise.
    for (let i = 1; i <= 100; i++) log.record(row(i, { latencyMs: i * 10, costUsd: 0.1 }));
    // Ten days old: inside --since 2w, outside --since 1w.
    log.record(row(101, { keyName: 'old', ts: Date.now() - 10 * 86_400_000, costUsd: 0.2 }));
    log.close();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('--since 2w counts the 10-day-old row, --since 1w does not', async () => {
    const two = await runGw(['usage', '--since', '2w'], { cwd: dir });
    assert.equal(two.code, 0, two.stderr);
    assert.match(two.stdout, /^old\s+1\s/m);
    const one = await runGw(['usage', '--since', '1w'], { cwd: dir });
    assert.doesNotMatch(one.stdout, /^old\s/m);
  });

  test('p50/p95 from the roll-ups match the known data within one histogram bucket, and JSON numbers are rounded', async () => {
    const r = await runGw(['usage', '--since', '2w', '-o', 'json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as {
      groups: { group: string; requests: number; cost_usd: number; p50_ms: number; p95_ms: number }[];
      total: { cost_usd: number };
    };
    const app = j.groups.find((g) => g.group === 'app');
    assert.equal(app?.requests, 100);
    // Exact nearest-rank values are 500 and 950; bucket bounds near them are a quarter apart at most.
    assert.ok(Math.abs(app.p50_ms - 500) <= 125, `p50 ${app.p50_ms}`);
    assert.ok(Math.abs(app.p95_ms - 950) <= 200, `p95 ${app.p95_ms}`);
    assert.equal(app.cost_usd, 10);
    assert.equal(j.total.cost_usd, 10.2);
    assert.doesNotMatch(r.stdout, /\d\.\d{7,}/, 'no float noise in the JSON');
  });
});
