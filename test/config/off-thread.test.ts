// Config builds off the serving thread (config/off-thread.ts), in-process: the worker's result is
// the in-process build's (table hash, counts, manifests, plan), also over several chunks; a build
// worker that crashes or hangs fails that one reload or apply with a message, the config in
// service keeps serving, and the next build (on a fresh worker) goes into service.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlPlane } from '../../src/admin/control.js';
import { buildConfig } from '../../src/config/build.js';
import { buildFromManifests, type ServerBase } from '../../src/config/from-manifests.js';
import { createOffThreadBuilder, type OffThreadBuilder } from '../../src/config/off-thread.js';
import { createReloader, type Reloader, type ReloadResult } from '../../src/serve/reload.js';
import { createGateway, type Gateway } from '../../src/serve/server.js';
import { RevisionStore } from '../../src/state/revisions.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { executeChat, executeEmbeddings } from '../../src/upstream/execute.js';
import { PoolRegistry } from '../../src/upstream/pool.js';
import { CRASH_MARK, HANG_MARK } from '../fixtures/crashing-build-worker.js';
import { atomicWrite } from '../serve/helpers.js';
import { bigManifests, bigManifestsYaml, chatBig } from './helpers.js';

const FAILING_WORKER = new URL('../fixtures/crashing-build-worker.ts', import.meta.url);

let dir: string;
let configPath: string;
let manifestPath: string;
let gateway: Gateway;
let url: string;
let builder: OffThreadBuilder;
let reloader: Reloader;
let base: ServerBase;
const logLines: Record<string, unknown>[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gw-offthread-'));
  configPath = join(dir, 'gateway.yaml');
  manifestPath = join(dir, 'manifests', 'all.yaml');
  await mkdir(join(dir, 'manifests'));
  await writeFile(manifestPath, bigManifestsYaml(5, 'one'));
  await writeFile(
    configPath,
    'apiVersion: gw/v1\nkind: Gateway\nmetadata: { name: offthread }\nspec:\n  proxy: { listen: 127.0.0.1:0 }\n  manifests: [manifests]\n  storage: { sqlite: ./gw.db }\n',
  );
  const first = await buildConfig({ configPath, cwd: dir });
  if (!first.ok) throw new Error(JSON.stringify(first.diagnostics));
  base = { gateway: first.gateway, configPath, cwd: dir };
  const logger = createLogger({
    level: 'info',
    destination: { write: (s: string) => void logLines.push(JSON.parse(s) as Record<string, unknown>) },
  });
  gateway = createGateway({
    settings: first.settings,
    table: first.table,
    usageLog: { record: () => undefined, close: () => undefined },
    logger,
    pools: new PoolRegistry(),
    upstream: { executeChat, executeEmbeddings },
  });
  url = await gateway.listen();
  // Generous: the first build also starts the worker (under tsx, it compiles the build code).
  builder = createOffThreadBuilder({ workerUrl: FAILING_WORKER, timeoutMs: 8000 });
  reloader = createReloader({
    load: async (): Promise<ReloadResult> => {
      const r = await builder.buildFiles({ configPath, cwd: dir });
      return r.ok ? { ok: true, table: r.table, diagnostics: r.diagnostics } : r;
    },
    swap: (t) => gateway.swap(t),
    logger,
  });
});

after(async () => {
  await builder?.close();
  await gateway?.close();
  await rm(dir, { recursive: true, force: true });
});

const logged = (text: string): boolean => logLines.some((l) => typeof l['msg'] === 'string' && l['msg'].includes(text));

test('an apply built in the worker equals the in-process build: hash, counts, manifests, plan (400 resources: two chunks)', async () => {
  const live = bigManifests(200, 'live') as never[];
  const wanted = bigManifests(400, 'big');
  const off = await builder.buildManifests(wanted, base, { label: 'apply', live });
  const here = await buildFromManifests(wanted, base, { label: 'apply' });
  assert.ok(off.ok && here.ok, JSON.stringify(off.ok ? '' : off.diagnostics));
  assert.equal(off.table.hash, here.table.hash);
  assert.deepEqual(off.table.counts, here.table.counts);
  assert.deepEqual(off.manifests, here.manifests);
  assert.deepEqual(off.settings, here.settings);
  assert.ok(Object.isFrozen(off.table) && Object.isFrozen(off.table.workspaces.get('default')));
  // The control plane's own plan of the same change is the one the worker made.
  let inProcessReport: unknown;
  const store = RevisionStore.open(':memory:');
  const cp = new ControlPlane({
    store,
    swap: () => undefined,
    build: (m, label) => buildFromManifests(m, base, { label }),
    logger: createLogger({ level: 'silent' }),
  });
  await cp.apply({ manifests: live });
  const out = await cp.apply({ manifests: wanted, dryRun: true });
  if (out.kind === 'done') inProcessReport = out.plan;
  store.close();
  assert.ok(off.plan !== undefined);
  assert.deepEqual(off.plan.report, inProcessReport);
  assert.equal(off.plan.empty, false);
});

test("a revision stores the worker's JSON text of the manifests, the same a revision read back gives", async () => {
  const wanted = bigManifests(400, 'rev');
  const off = await builder.buildManifests(wanted, base, { label: 'apply' });
  assert.ok(off.ok, JSON.stringify(off.ok ? '' : off.diagnostics));
  assert.ok(off.manifestsText !== undefined, 'made in the worker');
  assert.equal(off.manifestsText.count, wanted.length);
  assert.equal(
    off.manifestsText.json,
    JSON.stringify(off.manifests),
    'equal to the manifests (parsed from it on first read)',
  );
  const store = RevisionStore.open(':memory:');
  try {
    const cp = new ControlPlane({
      store,
      swap: () => undefined,
      build: () => Promise.resolve(off),
      logger: createLogger({ level: 'silent' }),
    });
    const rev = cp.commit(off, 'watch');
    assert.ok(rev !== undefined);
    assert.deepEqual(store.get(rev.number)?.manifests, off.manifests);
    assert.equal(store.get(rev.number)?.resources, 400);
  } finally {
    store.close();
  }
});

test('an invalid apply comes back as diagnostics from the worker, with positions', async () => {
  const wanted = bigManifests(3, 'bad');
  (wanted[1] as { spec: Record<string, unknown> }).spec['type'] = 'nope';
  const off = await builder.buildManifests(wanted, base);
  assert.equal(off.ok, false);
  assert.ok(!off.ok && off.diagnostics.some((d) => d.code === 'GW_ERR_SCHEMA' && d.file === 'apply[1]' && d.line > 0));
});

test('a build worker crash fails that reload; the old config keeps serving; the next reload goes into service', async () => {
  assert.deepEqual(await chatBig(url, 'm-0'), { status: 200, text: 'one-0' });
  await writeFile(join(dir, CRASH_MARK), '');
  await atomicWrite(manifestPath, bigManifestsYaml(5, 'two'));
  assert.equal(await reloader.reload('test'), false);
  assert.ok(logged('the build worker stopped (injected build worker crash)'), JSON.stringify(logLines.slice(-3)));
  assert.deepEqual(await chatBig(url, 'm-0'), { status: 200, text: 'one-0' }, 'the old config serves');
  await rm(join(dir, CRASH_MARK));
  assert.equal(await reloader.reload('test'), true);
  assert.deepEqual(await chatBig(url, 'm-0'), { status: 200, text: 'two-0' }, 'the next reload serves');
});

test('a build worker crash fails that apply (422-style diagnostics, nothing recorded); the next apply works', async () => {
  const store = RevisionStore.open(':memory:');
  const logger = createLogger({ level: 'silent' });
  const control = new ControlPlane({
    store,
    swap: (t) => gateway.swap(t),
    build: (m, label, live) => builder.buildManifests(m, base, { label, live }),
    logger,
  });
  const crashing = bigManifests(5, CRASH_MARK);
  const out = await control.apply({ manifests: crashing });
  assert.equal(out.kind, 'invalid');
  assert.ok(
    out.kind === 'invalid' &&
      out.diagnostics[0]?.code === 'GW_ERR_INTERNAL' &&
      out.diagnostics[0].message.includes('injected build worker crash'),
  );
  assert.equal(store.latest(), undefined, 'no revision recorded');
  assert.deepEqual(await chatBig(url, 'm-0'), { status: 200, text: 'two-0' }, 'the old config serves');
  const ok = await control.apply({ manifests: bigManifests(5, 'three') });
  assert.ok(ok.kind === 'done' && ok.applied && ok.revision === 1 && ok.plan.summary.create === 5, JSON.stringify(ok));
  assert.deepEqual(await chatBig(url, 'm-0'), { status: 200, text: 'three-0' });
  store.close();
});

test('a build worker that never finishes is stopped at the time limit; the next build works', async () => {
  const quick = createOffThreadBuilder({ workerUrl: FAILING_WORKER, timeoutMs: 6000 });
  try {
    // Warm: the worker is started and its code loaded (a cold TypeScript compile under load can take
    // seconds) before the limit matters.
    assert.equal((await quick.buildManifests(bigManifests(3, 'warm'), base)).ok, true);
    const hung = await quick.buildManifests(bigManifests(3, HANG_MARK), base);
    assert.ok(!hung.ok && hung.diagnostics[0]?.message.includes('took longer than 6000 ms'), JSON.stringify(hung));
    const next = await quick.buildManifests(bigManifests(3, 'after'), base);
    assert.equal(next.ok, true);
  } finally {
    await quick.close();
  }
});

test('a build worker that runs out of memory fails that build; this process lives on', async () => {
  const small = createOffThreadBuilder({ resourceLimits: { maxOldGenerationSizeMb: 4, maxYoungGenerationSizeMb: 1 } });
  try {
    const r = await small.buildManifests(bigManifests(5001, 'oom'), base);
    assert.ok(!r.ok && /memory/i.test(r.diagnostics[0]?.message ?? ''), JSON.stringify(r.ok ? 'built' : r.diagnostics));
  } finally {
    await small.close();
  }
  assert.deepEqual(await chatBig(url, 'm-0'), { status: 200, text: 'three-0' });
});

test('an idle build worker is stopped (its memory goes back) and the next build starts a fresh one', async () => {
  let stopped!: () => void;
  const idleStop = new Promise<void>((resolve) => (stopped = resolve));
  const b = createOffThreadBuilder({ idleMs: 50, onIdleStop: () => stopped() });
  try {
    const first = await b.buildManifests(bigManifests(1, 'idle-a'), base);
    assert.ok(first.ok);
    await idleStop;
    const next = await b.buildManifests(bigManifests(2, 'idle-b'), base);
    assert.ok(next.ok, 'a build after the idle stop works');
    assert.notEqual(next.table.hash, first.table.hash);
  } finally {
    await b.close();
  }
});

test('after close() a build fails with a message instead of starting a worker', async () => {
  const b = createOffThreadBuilder();
  await b.close();
  const r = await b.buildManifests(bigManifests(1, 'x'), base);
  assert.ok(!r.ok && r.diagnostics[0]?.message.includes('shutting down'));
});
