// Hot reload under load: manifests rewritten while requests run, through the one reload path
// (load -> validate -> compile -> swap). No request may fail; in-flight requests finish on the
// table they started with; an invalid manifest leaves the old table serving.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { watchConfig } from '../../src/serve/reload.js';
import { createLogger } from '../../src/telemetry/logger.js';
import {
  KEYS,
  atomicWrite,
  manifests,
  scriptedHandler,
  startGateway,
  startUpstream,
  type FakeUpstream,
  type TestGateway,
} from './helpers.js';

let up: FakeUpstream;
let gw: TestGateway;

before(async () => {
  up = await startUpstream(scriptedHandler(200));
  gw = await startGateway(up.url);
});
after(async () => {
  await gw.stop();
  await up.close();
});

const chat = (model: string): Promise<Response> =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEYS.app}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'ping' }] }),
  });

describe('reload', () => {
  test('5 rewrites under concurrency 8: 0 failed requests, and the new alias answers afterwards', async () => {
    const MAX_REQUESTS = 3000;
    let sent = 0;
    let completed = 0;
    const failures: string[] = [];
    let stop = false;
    let waiter: { target: number; resolve: () => void } | undefined;
    const worker = async (): Promise<void> => {
      while (!stop && sent < MAX_REQUESTS) {
        sent++;
        const r = await chat('support');
        if (r.status !== 200) failures.push(`${r.status} ${await r.text()}`);
        else await r.arrayBuffer();
        completed++;
        if (waiter !== undefined && completed >= waiter.target) waiter.resolve();
      }
    };
    /** Resolves once `n` more requests completed (so each table really serves traffic). */
    const served = (n: number): Promise<void> =>
      new Promise((resolve) => {
        waiter = { target: completed + n, resolve };
      });
    const workers = Array.from({ length: 8 }, worker);
    for (let i = 1; i <= 5; i++) {
      await served(16);
      await atomicWrite(gw.manifestPath, manifests(up.url, `alias${i}`));
      assert.equal(await gw.reloader.reload('test'), true, `reload ${i}`);
    }
    await served(16);
    stop = true;
    await Promise.all(workers);
    assert.deepEqual(failures, []);
    assert.ok(completed >= 96, `only ${completed} requests ran`);
    const r = await chat('alias5');
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as { model: string }).model, 'up-fast');
    assert.equal((await chat('alias1')).status, 404);
  });

  test('an in-flight request finishes on the table it started with', async () => {
    const slow = chat('slow');
    // Wait until the upstream has the request: it was routed on the current table.
    const seen = up.requests.length;
    while (up.requests.length === seen) await new Promise((r) => setImmediate(r));
    await atomicWrite(gw.manifestPath, manifests(up.url, 'alias6').replace(', slow: up-slow', ''));
    assert.equal(await gw.reloader.reload('test'), true);
    assert.equal((await chat('slow')).status, 404, 'the new table no longer has it');
    const r = await slow;
    assert.equal(r.status, 200);
    assert.match(await r.text(), /echo: Q: ping/);
  });

  test('an invalid manifest leaves the old table serving and logs file:line', async () => {
    const good = await chat('alias6');
    assert.equal(good.status, 200);
    await atomicWrite(
      gw.manifestPath,
      `${manifests(up.url, 'alias7')}---\napiVersion: gw/v1\nkind: Endpoint\nmetadata: { name: bad }\nspec:\n  type: chat\n  bogus: true\n`,
    );
    assert.equal(await gw.reloader.reload('test'), false);
    assert.equal((await chat('alias6')).status, 200);
    assert.equal((await chat('alias7')).status, 404);
    const logged = gw.logLines.filter((l) => l['level'] === 50).map((l) => String(l['msg']));
    assert.ok(
      logged.some((m) => /all\.yaml:\d+:\d+ GW_ERR_SCHEMA/.test(m)),
      logged.join('\n'),
    );
  });

  test('--watch: editor-style rename writes trigger the reload, also after the first rename', async () => {
    const logger = createLogger({ level: 'silent' });
    let notify: (() => void) | undefined;
    const watcher = await watchConfig(
      [join(gw.dir, 'gateway.yaml'), join(gw.dir, 'manifests')],
      () => notify?.(),
      logger,
      50,
    );
    const changed = (): Promise<void> => new Promise((resolve) => (notify = resolve));
    try {
      await watcher.ready;
      for (const alias of ['watched1', 'watched2']) {
        const event = changed();
        await atomicWrite(gw.manifestPath, manifests(up.url, alias));
        await event;
        assert.equal(await gw.reloader.reload('watch'), true);
        assert.equal((await chat(alias)).status, 200, alias);
      }
    } finally {
      await watcher.close();
    }
  });
});
