// The access line of real requests through an in-process gateway: whichever header carries the
// caller's key and whichever way the request ends, the key never reaches the log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KEYS, startGateway, startUpstream, type FakeUpstream, type TestGateway } from '../serve/helpers.js';

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

const chat = (headers: Record<string, string>, body: Record<string, unknown>): Promise<Response> =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

test('access lines name the key and never contain the caller key', async () => {
  const msg = { messages: [{ role: 'user', content: 'hi' }] };
  const answers = await Promise.all([
    chat({ authorization: `Bearer ${KEYS.app}`, 'x-request-id': 'al-bearer' }, { model: 'fast', ...msg }),
    chat({ 'x-api-key': KEYS.app, 'x-request-id': 'al-xapikey' }, { model: 'fast', ...msg }),
    chat({ authorization: `Bearer ${KEYS.app}`, 'x-request-id': 'al-stream' }, { model: 'fast', stream: true, ...msg }),
    chat({ authorization: `Bearer ${KEYS.app}`, 'x-request-id': 'al-404' }, { model: 'no-such-model', ...msg }),
    chat({ authorization: `Bearer ${KEYS.disabled}`, 'x-request-id': 'al-disabled' }, { model: 'fast', ...msg }),
  ]);
  for (const a of answers) await a.text();
  assert.deepEqual(
    answers.map((a) => a.status),
    [200, 200, 200, 404, 401],
  );
  const access = (id: string): Record<string, unknown> | undefined =>
    gw.logLines.find((l) => l['reqId'] === id && l['msg'] === 'request');
  // The line is written once the answer ended; the stream's may trail the client by a tick.
  for (let i = 0; i < 100 && access('al-stream') === undefined; i++) await new Promise((r) => setImmediate(r));
  for (const id of ['al-bearer', 'al-xapikey', 'al-stream', 'al-404']) assert.equal(access(id)?.['key'], 'app', id);
  assert.equal(access('al-disabled')?.['status'], 401);
  const text = JSON.stringify(gw.logLines);
  assert.ok(!text.includes(KEYS.app) && !text.includes(KEYS.disabled), 'a caller key reached the log');
});
