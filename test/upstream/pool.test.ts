import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PoolRegistry } from '../../src/upstream/pool.js';
import { executeChat } from '../../src/upstream/execute.js';
import {
  call,
  chatEndpoint,
  deferred,
  httpProvider,
  okJson,
  startUpstream,
  table,
  to,
  type Upstream,
} from './helpers.js';

const ups: Upstream[] = [];
after(async () => {
  await Promise.all(ups.map((u) => u.close()));
});

describe('PoolRegistry', () => {
  test('one keep-alive pool per origin: sequential requests reuse connections', async () => {
    const ports: number[] = [];
    const up = await startUpstream((req, res, rec) => {
      ports.push(req.socket.remotePort ?? 0);
      okJson('x')(req, res, rec);
    });
    ups.push(up);
    const pools = new PoolRegistry();
    const p = httpProvider('p', up.url);
    const t = table([chatEndpoint('bot', [to(p, { m: 'x' })])]);
    for (let i = 0; i < 6; i++) await executeChat(call(t, 'bot', 'm'), { pools });
    assert.ok(new Set(ports).size <= 2, `6 sequential requests used ${new Set(ports).size} connections`);
    assert.equal(pools.get(p), pools.get(httpProvider('p2', up.url)), 'same origin, same TLS: same pool');
    assert.notEqual(
      pools.get(p),
      pools.get(httpProvider('p3', up.url, { tls: { rejectUnauthorized: false, ca: undefined } })),
    );
    await pools.close();
  });

  test('sync closes pools of removed origins after their in-flight request finished', async () => {
    const release = deferred();
    const arrived = deferred();
    const up = await startUpstream((req, res, rec) => {
      arrived.resolve();
      void release.promise.then(() => okJson('late')(req, res, rec));
    });
    ups.push(up);
    const kept = await startUpstream(okJson('kept'));
    ups.push(kept);
    const pools = new PoolRegistry();
    const old = table([
      chatEndpoint('bot', [to(httpProvider('gone', up.url), { m: 'x' })]),
      chatEndpoint('other', [to(httpProvider('kept', kept.url), { n: 'y' })]),
    ]);
    await executeChat(call(old, 'other', 'n'), { pools });
    const inflight = executeChat(call(old, 'bot', 'm'), { pools });
    await arrived.promise;
    assert.equal(pools.size, 2);
    const next = table([chatEndpoint('other', [to(httpProvider('kept', kept.url), { n: 'y' })])]);
    pools.sync(next);
    assert.equal(pools.size, 1);
    release.resolve();
    const out = await inflight; // drained, not cut
    assert.equal((out.json?.choices as { message: { content: string } }[])[0]?.message.content, 'late');
    await pools.close();
  });
});
