import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { migrate } from '../../src/telemetry/migrations.js';

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
