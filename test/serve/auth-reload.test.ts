// A key that was just used is judged again on every request against the table in force: a
// reload that removes or disables it answers 401 at once, and one that restores it lets it in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  KEYS,
  atomicWrite,
  manifests,
  startGateway,
  startUpstream,
  type FakeUpstream,
  type TestGateway,
} from './helpers.js';

let up: FakeUpstream;
let gw: TestGateway;

before(async () => {
  up = await startUpstream();
  gw = await startGateway(up.url);
});
after(async () => {
  await gw.stop();
  await up.close();
});

const chat = async (key: string): Promise<number> => {
  const r = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
  });
  await r.arrayBuffer();
  return r.status;
};

/** The test manifests with the `app` key's document changed by `edit`. */
function withAppKey(edit: (doc: string) => string | undefined): string {
  const docs = manifests(up.url).split('---\n');
  return docs
    .flatMap((d) => (/name: app \}/.test(d) ? [edit(d)].filter((x): x is string => x !== undefined) : [d]))
    .join('---\n');
}

test('removing, disabling and restoring a key that was just used takes effect on the next request', async () => {
  assert.equal(await chat(KEYS.app), 200);
  assert.equal(await chat(KEYS.app), 200);
  await atomicWrite(
    gw.manifestPath,
    withAppKey(() => undefined),
  );
  assert.equal(await gw.reloader.reload('test'), true);
  assert.equal(await chat(KEYS.app), 401, 'removed');
  await atomicWrite(
    gw.manifestPath,
    withAppKey((d) => d.replace('scopes: [chat] }', 'scopes: [chat], enabled: false }')),
  );
  assert.equal(await gw.reloader.reload('test'), true);
  assert.equal(await chat(KEYS.app), 401, 'disabled');
  await atomicWrite(gw.manifestPath, manifests(up.url));
  assert.equal(await gw.reloader.reload('test'), true);
  assert.equal(await chat(KEYS.app), 200, 'restored');
  assert.equal(await chat(`${KEYS.app}x`), 401, 'a near miss is still refused');
});
