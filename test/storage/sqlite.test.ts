import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { GwError } from '../../src/errors.js';
import { migrate, openDatabase } from '../../src/storage/sqlite.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gw-migrate-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const v1 = 'CREATE TABLE a (x INTEGER);';
const v2 = 'CREATE TABLE b (y INTEGER);';

test('a later gw runs only the steps the file has not seen', () => {
  const path = join(dir, 'steps.db');
  let db = new BetterSqlite3(path);
  assert.deepEqual(migrate(db, [v1]), { from: 0, to: 1 });
  db.close();
  db = new BetterSqlite3(path);
  // v1 would fail if it ran twice (table a exists).
  assert.deepEqual(migrate(db, [v1, v2]), { from: 1, to: 2 });
  assert.deepEqual(migrate(db, [v1, v2]), { from: 2, to: 2 });
  assert.equal(db.pragma('user_version', { simple: true }), 2);
  db.close();
});

test('a failing step leaves the file at the previous version, with nothing half-applied', () => {
  const db = new BetterSqlite3(join(dir, 'fail.db'));
  const broken = 'CREATE TABLE c (z INTEGER); CREATE TABLE oops (;';
  assert.throws(() => migrate(db, [v1, broken]));
  assert.equal(db.pragma('user_version', { simple: true }), 1);
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
  assert.deepEqual(tables, ['a']);
  db.close();
});

test('openDatabase creates the folder, sets WAL and the busy timeout, and runs the steps', () => {
  const path = join(dir, 'nested', 'deeper', 'open.db');
  const db = openDatabase(path, { what: 'test database', busyTimeoutMs: 1234.7, migrations: [v1, v2] });
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('synchronous', { simple: true }), 1); // NORMAL
  assert.equal(db.pragma('busy_timeout', { simple: true }), 1234);
  assert.equal(db.pragma('user_version', { simple: true }), 2);
  db.close();
});

test('openDatabase names the file and its user in a GW_ERR_STORAGE_OPEN error', () => {
  const path = join(dir, 'newer.db');
  const raw = new BetterSqlite3(path);
  raw.pragma('user_version = 5');
  raw.close();
  assert.throws(
    () => openDatabase(path, { what: 'test database', busyTimeoutMs: 0, migrations: [v1] }),
    (e: unknown) =>
      e instanceof GwError &&
      e.code === 'GW_ERR_STORAGE_OPEN' &&
      e.message.includes('cannot open the test database') &&
      e.message.includes('newer than this gw knows'),
  );
});
