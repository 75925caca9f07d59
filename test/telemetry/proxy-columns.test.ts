// Migration step 5: the proxy columns of the request log (method, path, bytes in and out). A file
// from before gets them with NULL on its old rows; proxy rows round-trip; other rows keep NULL.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { migrate } from '../../src/storage/sqlite.js';
import { MIGRATIONS } from '../../src/telemetry/migrations.js';
import { UsageLog } from '../../src/telemetry/usage-log.js';

const dir = mkdtempSync(join(tmpdir(), 'gw-proxy-cols-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a version-3 file gains the proxy columns; old rows read NULL, proxy rows round-trip', () => {
  const path = join(dir, 'gw.db');
  const db = new BetterSqlite3(path);
  migrate(db, MIGRATIONS.slice(0, 3));
  db.prepare(
    `INSERT INTO requests (ts, request_id, workspace, status, latency_ms, route) VALUES (1, 'old', 'default', 200, 5, 'openai.chat')`,
  ).run();
  db.close();

  const log = UsageLog.open(path);
  log.record({
    ts: Date.now(),
    requestId: 'prox',
    workspace: 'default',
    endpoint: 'speech',
    status: 201,
    latencyMs: 12,
    route: 'proxy',
    method: 'PUT',
    path: '/v1/upload',
    bytesIn: 1048576,
    bytesOut: 17,
  });
  log.record({
    ts: Date.now(),
    requestId: 'chat',
    workspace: 'default',
    status: 200,
    latencyMs: 3,
    route: 'openai.chat',
  });
  log.flush();
  const rows = new Map(log.recent({ limit: 10 }).map((r) => [r.requestId, r]));
  log.close();

  assert.deepEqual(
    [rows.get('prox')?.method, rows.get('prox')?.path, rows.get('prox')?.bytesIn, rows.get('prox')?.bytesOut],
    ['PUT', '/v1/upload', 1048576, 17],
  );
  for (const id of ['old', 'chat']) {
    const r = rows.get(id);
    assert.deepEqual([r?.method, r?.path, r?.bytesIn, r?.bytesOut], [null, null, null, null], id);
  }
  const check = new BetterSqlite3(path, { readonly: true });
  assert.equal(check.pragma('user_version', { simple: true }), MIGRATIONS.length);
  check.close();
});
