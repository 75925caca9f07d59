// A JSON answer or stream event gw leaves unchanged goes out in the upstream's own bytes (no
// re-serialising): same JSON value, usage still counted; answers gw translates are still translated.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KEYS, startGateway, startUpstream, type FakeUpstream, type TestGateway } from './helpers.js';

// Pretty-printed, with an integer JSON.parse cannot hold exactly: a re-serialised answer would differ.
const ANSWER = `{
  "id": "chatcmpl-raw",
  "object": "chat.completion",
  "created": 1,
  "model": "up-fast",
  "system_fingerprint": 12345678901234567890,
  "choices": [{ "index": 0, "message": { "role": "assistant", "content": "caf\\u00e9 ok" }, "finish_reason": "stop" }],
  "usage": { "prompt_tokens": 21, "completion_tokens": 4, "total_tokens": 25 }
}
`;

// Stream events: spaced and with an integer JSON.parse cannot hold exactly (a re-serialised event
// would differ), one event over two data lines (valid JSON, but it must reach the caller as one
// line), and the usage-only chunk gw asks for itself (the caller did not: it is dropped).
const CHUNK = (n: number, text: string): string =>
  `{"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 1, "model": "up-fast", "system_fingerprint": 12345678901234567890, "choices": [{"index": 0, "delta": {"content": "${text}${n}"}, "finish_reason": null}]}`;
const STREAM = [
  `data: {"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 1, "model": "up-fast", "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": null}]}\n\n`,
  `data: ${CHUNK(1, 'caf\\u00e9 ')}\n\n`,
  `data: {"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 1,\ndata:  "model": "up-fast", "choices": [{"index": 0, "delta": {"content": "two"}, "finish_reason": null}]}\n\n`,
  `data: ${CHUNK(3, 'x ')}\n\n`,
  `data: {"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 1, "model": "up-fast", "choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}}\n\n`,
  'data: [DONE]\n\n',
];

let up: FakeUpstream;
let gw: TestGateway;

before(async () => {
  up = await startUpstream((r, res) => {
    if (r.body['stream'] === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const piece of STREAM) res.write(piece);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(ANSWER);
  });
  gw = await startGateway(up.url);
});
after(async () => {
  await gw.stop();
  await up.close();
});

test('an OpenAI answer passes through byte for byte, and its usage is recorded', async () => {
  const r = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEYS.app}`, 'content-type': 'application/json', 'x-request-id': 'raw-1' },
    body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.equal(await r.text(), ANSWER);
  gw.usageLog.flush();
  const row = gw.usageLog.recent({ limit: 20 }).find((x) => x.requestId === 'raw-1');
  assert.equal(row?.tokensIn, 21);
  assert.equal(row?.tokensOut, 4);
});

test('stream events pass through byte for byte; one over several lines is sent as one line; usage is recorded', async () => {
  const r = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEYS.app}`, 'content-type': 'application/json', 'x-request-id': 'raw-s' },
    body: JSON.stringify({ model: 'fast', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(r.status, 200);
  const events = (await r.text()).split('\n\n').filter((e) => e !== '');
  assert.deepEqual(events, [
    (STREAM[0] as string).trimEnd(),
    (STREAM[1] as string).trimEnd(),
    `data: ${JSON.stringify({ id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1, model: 'up-fast', choices: [{ index: 0, delta: { content: 'two' }, finish_reason: null }] })}`,
    (STREAM[3] as string).trimEnd(),
    'data: [DONE]',
  ]);
  gw.usageLog.flush();
  const row = gw.usageLog.recent({ limit: 20 }).find((x) => x.requestId === 'raw-s');
  assert.equal(row?.tokensIn, 9);
  assert.equal(row?.tokensOut, 3);
});

test('an answer translated for an Anthropic caller is rebuilt, not passed through', async () => {
  const r = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': KEYS.app, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'fast', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(r.status, 200);
  const body = (await r.json()) as { type: string; model: string; content: { type: string; text: string }[] };
  assert.equal(body.type, 'message');
  assert.equal(body.model, 'fast');
  assert.deepEqual(body.content, [{ type: 'text', text: 'café ok' }]);
});
