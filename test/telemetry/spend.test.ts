// The spend ledger on its own: the SQLite side of policy/stores.ts's SpendStore shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SpendStore } from '../../src/policy/stores.js';
import { openDatabase } from '../../src/storage/sqlite.js';
import { MIGRATIONS } from '../../src/telemetry/migrations.js';
import { SpendLedger } from '../../src/telemetry/spend.js';

test('the ledger adds and reads the spend table, and fits the SpendStore shape', () => {
  const db = openDatabase(':memory:', { what: 'test database', busyTimeoutMs: 0, migrations: MIGRATIONS });
  const errors: unknown[] = [];
  const ledger = new SpendLedger(db, (e) => errors.push(e));
  const store: SpendStore = ledger;
  assert.equal(store.get('default', 'key', 'a', '2026-11'), 0);
  store.add('default', 'key', 'a', '2026-11', 0.5);
  store.add('default', 'key', 'a', '2026-11', 0.25);
  assert.equal(store.get('default', 'key', 'a', '2026-11'), 0.75);
  const nov = Date.UTC(2026, 10, 3);
  const row = { ts: nov, requestId: 'r', workspace: 'default', status: 200, latencyMs: 1, route: 'chat' };
  db.transaction(() =>
    ledger.write([
      { ...row, keyName: 'a', endpoint: 'e', costUsd: 1 },
      { ...row, keyName: 'a', endpoint: null, costUsd: 2 },
      { ...row, keyName: 'b', endpoint: 'e', costUsd: 0 },
    ]),
  )();
  assert.equal(store.get('default', 'key', 'a', '2026-11'), 3.75);
  assert.equal(store.get('default', 'endpoint', 'e', '2026-11'), 1);
  assert.equal(store.get('default', 'key', 'b', '2026-11'), 0);
  assert.equal(
    ledger.monthSpend('default', 'key', 'a', '2026-11', [{ ...row, keyName: 'a', costUsd: 1 }], false),
    4.75,
  );
  assert.deepEqual(errors, []);
  db.close();
});
