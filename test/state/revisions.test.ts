// The revision store: numbers grow across reopen, newest first, manifests come back as written,
// and it shares its SQLite file with the usage log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Manifest } from '../../src/manifest/types.js';
import { RevisionStore } from '../../src/state/revisions.js';
import { UsageLog } from '../../src/telemetry/usage-log.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gw-rev-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const provider = (name: string): Manifest =>
  ({
    apiVersion: 'gw/v1',
    kind: 'Provider',
    metadata: { name },
    spec: { type: 'openai', baseUrl: 'https://x.test/v1', auth: { bearer: '${env:KEY}' } },
  }) as Manifest;

test('a revision recorded from JSON text stores that text and reads its manifests back from the row', () => {
  const store = RevisionStore.open(':memory:');
  try {
    const manifests = [provider('one'), provider('two')];
    const json = JSON.stringify(manifests);
    const r = store.record({ hash: 'h', text: { json, count: 2 }, source: 'watch' });
    assert.equal(r.resources, 2);
    assert.deepEqual(r.manifests, manifests);
    assert.deepEqual(store.get(r.number)?.manifests, manifests, 'the same text, as written');
    assert.deepEqual({ ...r }.manifests, manifests, 'a copy reads them too');
  } finally {
    store.close();
  }
});

test('record, list newest first, get, latest, before; numbers continue after reopening', () => {
  const path = join(dir, 'nested', 'gw.db');
  const a = RevisionStore.open(path);
  assert.equal(a.latest(), undefined);
  const r1 = a.record({ hash: 'h1', manifests: [provider('one')], source: 'start', at: 1_000 });
  const r2 = a.record({ hash: 'h2', manifests: [provider('one'), provider('two')], source: 'apply', at: 2_000 });
  assert.deepEqual([r1.number, r2.number], [1, 2]);
  a.close();

  const b = RevisionStore.open(path);
  const r3 = b.record({ hash: 'h1', manifests: [provider('one')], source: 'rollback' });
  assert.equal(r3.number, 3);
  assert.deepEqual(
    b.list().map((r) => [r.number, r.source, r.resources]),
    [
      [3, 'rollback', 1],
      [2, 'apply', 2],
      [1, 'start', 1],
    ],
  );
  assert.deepEqual(
    b.list(2).map((r) => r.number),
    [3, 2],
  );
  const got = b.get(2);
  assert.equal(got?.appliedAt, 2_000);
  // References stay as written.
  assert.deepEqual(got?.manifests, [provider('one'), provider('two')]);
  assert.equal(b.latest()?.number, 3);
  assert.equal(b.before(3)?.number, 2);
  assert.equal(b.before(1), undefined);
  assert.equal(b.get(42), undefined);
  b.close();
});

test('shares one file with the usage log (WAL), in either order of opening', () => {
  const path = join(dir, 'shared.db');
  const store = RevisionStore.open(path);
  const usage = UsageLog.open(path);
  store.record({ hash: 'h', manifests: [], source: 'start' });
  usage.record({
    ts: Date.now(),
    requestId: 'r1',
    workspace: 'default',
    status: 200,
    latencyMs: 3,
    route: 'openai.chat',
  });
  usage.flush();
  assert.equal(usage.recent().length, 1);
  assert.equal(store.latest()?.resources, 0);
  usage.close();
  store.close();
});

test('a file that cannot be opened is a GW_ERR_STORAGE_OPEN error', () => {
  assert.throws(() => RevisionStore.open(join(dir, 'shared.db', 'inside-a-file.db')), { code: 'GW_ERR_STORAGE_OPEN' });
});

test('who applied is kept with the revision; a file from before migration 6 reads it as null', async () => {
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  const path = join(dir, 'actor.db');
  const a = RevisionStore.open(path);
  a.record({ hash: 'h1', manifests: [provider('one')], source: 'start' });
  a.close();
  // Roll the file back to before step 6.
  const old = new BetterSqlite3(path);
  old.exec('ALTER TABLE revisions DROP COLUMN actor');
  old.pragma('user_version = 5');
  old.close();
  const b = RevisionStore.open(path);
  b.record({ hash: 'h2', manifests: [provider('two')], source: 'apply', actor: 'alice@laptop' });
  assert.deepEqual(
    b.list().map((r) => [r.number, r.source, r.actor]),
    [
      [2, 'apply', 'alice@laptop'],
      [1, 'start', null],
    ],
  );
  b.close();
});
