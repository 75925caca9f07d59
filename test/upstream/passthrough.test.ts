// Same-dialect passthrough: a caller's Anthropic body (ChatCall.native) reaches an Anthropic
// target untouched but for the model, and the answer comes back untranslated (dialect
// 'anthropic'), streams included, with hold-back, usage and timeouts as for OpenAI streams.
// Targets of another dialect get the OpenAI translation (call.body) as before.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GwError } from '../../src/errors.js';
import { executeChat, type ChatCall, type ChatOutcome } from '../../src/upstream/execute.js';
import {
  anthropicError,
  anthropicProvider,
  message,
  sendJson,
  sseEvent,
  streamEvents,
  textEvents,
} from '../providers/anthropic-server.js';
import { call, chatEndpoint, deferred, httpProvider, okJson, table, to, upstreamHarness } from './helpers.js';

type Obj = Record<string, unknown>;
const { pools, upstream } = upstreamHarness();

const M = 'claude-haiku-4-5';
const nativeBody = (stream: boolean): Obj => ({
  model: 'fast',
  max_tokens: 300,
  system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
  metadata: { user_id: 'u-1' },
  x_extra: { nested: [1, 2] },
  ...(stream ? { stream: true } : {}),
});
/** What B sets: the Anthropic body as received, and its OpenAI translation for other targets. */
function nativeCall(t: ReturnType<typeof table>, stream: boolean, extra: Partial<ChatCall> = {}): ChatCall {
  return call(t, 'ep', 'fast', {
    stream,
    body: {
      model: 'fast',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
      max_tokens: 300,
      ...(stream ? { stream: true } : {}),
    },
    native: { dialect: 'anthropic', body: nativeBody(stream) },
    ...extra,
  });
}

async function collect(o: ChatOutcome): Promise<Obj[]> {
  assert.ok(o.stream, 'a stream');
  const out: Obj[] = [];
  for await (const e of o.stream) out.push(e);
  return out;
}

describe('native passthrough (anthropic caller -> anthropic target)', () => {
  test('JSON: the body goes out with only the model replaced; the message comes back as is, unknown fields included', async () => {
    const up = await upstream((_req, res, rec) =>
      sendJson(res, 200, { ...message(rec.body.model, [{ type: 'text', text: 'hello' }]), x_answer_extra: 'kept' }),
    );
    const t = table([chatEndpoint('ep', [to(anthropicProvider('claude', up.url), { fast: M })])]);
    const out = await executeChat(nativeCall(t, false), { pools });
    const rec = up.requests.at(-1);
    assert.deepEqual(rec?.body, { ...nativeBody(false), model: M });
    assert.equal(rec?.url, '/v1/messages');
    assert.equal(rec?.headers['anthropic-version'], '2023-06-01');
    assert.equal(out.dialect, 'anthropic');
    assert.equal(out.json?.type, 'message');
    assert.equal(out.json?.x_answer_extra, 'kept');
    assert.deepEqual(out.json?.content, [{ type: 'text', text: 'hello' }]);
    assert.deepEqual(out.usage(), { promptTokens: 27, completionTokens: 9, cacheReadTokens: 4, cacheWriteTokens: 2 });
  });

  test('stream: Anthropic events pass through in order, unknown ones included; usage adds up across events', async () => {
    const events = textEvents(M, 'streamed natively', 5);
    events.splice(3, 0, { type: 'x_future_event', detail: 1 });
    const up = await upstream(streamEvents(events));
    const t = table([chatEndpoint('ep', [to(anthropicProvider('claude', up.url), { fast: M })])]);
    const out = await executeChat(nativeCall(t, true), { pools });
    assert.equal(out.dialect, 'anthropic');
    const got = await collect(out);
    assert.deepEqual(got, events);
    const rec = up.requests.at(-1);
    assert.equal(rec?.body.stream, true);
    assert.deepEqual(rec?.body.x_extra, { nested: [1, 2] });
    assert.deepEqual(out.usage(), { promptTokens: 27, completionTokens: 9, cacheReadTokens: 4, cacheWriteTokens: 2 });
  });

  test('an OpenAI-type target of the same call gets the OpenAI body and answers in the openai dialect', async () => {
    const up = await upstream(okJson('from openai'));
    const t = table([chatEndpoint('ep', [to(httpProvider('gpt', up.url), { fast: 'gpt-4o-mini' })])]);
    const out = await executeChat(nativeCall(t, false), { pools });
    assert.equal(out.dialect, 'openai');
    assert.equal(up.requests.at(-1)?.url, '/v1/chat/completions');
    assert.equal(up.requests.at(-1)?.body.x_extra, undefined);
    assert.equal(((out.json?.choices as Obj[])[0]?.message as Obj).content, 'from openai');
  });

  test('hold-back: a 529 or an error event before content falls back; the outcome dialect follows the target that answered', async () => {
    const overloaded = await upstream(anthropicError(529, 'overloaded_error', 'Overloaded'));
    const brokenEarly = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sseEvent(textEvents(M, 'x')[0] as Obj));
      res.write(sseEvent({ type: 'ping' }));
      res.end(sseEvent({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded mid-way' } }));
    });
    const oai = await upstream(okJson('unused'));
    oai.handler = (_req, res, rec) => {
      const base = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: rec.body.model };
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'openai text' }, finish_reason: null }] })}\n\n`,
      );
      res.end('data: [DONE]\n\n');
    };
    const t = table([
      chatEndpoint('ep', [
        to(anthropicProvider('a-529', overloaded.url), { fast: M }),
        to(anthropicProvider('a-broken', brokenEarly.url), { fast: M }),
        to(httpProvider('gpt', oai.url), { fast: 'gpt-4o-mini' }),
      ]),
    ]);
    const out = await executeChat(nativeCall(t, true), { pools });
    assert.equal(out.dialect, 'openai');
    const chunks = await collect(out);
    assert.equal(chunks[0]?.object, 'chat.completion.chunk', 'nothing of the Anthropic attempts reached the stream');
    assert.deepEqual(
      out.attempts.map((a) => [a.provider, a.status]),
      [
        ['a-529', 529],
        ['a-broken', 200],
        ['gpt', 200],
      ],
    );
    assert.match(String(out.attempts[1]?.error), /Overloaded mid-way/);
  });

  test('timeout: an upstream that goes silent after message_start times out and falls back to the next Anthropic target', async () => {
    const release = deferred();
    const silent = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sseEvent(textEvents(M, 'x')[0] as Obj));
      void release.promise.then(() => res.destroy());
    });
    const good = await upstream(streamEvents(textEvents(M, 'from the second')));
    const t = table([
      chatEndpoint('ep', [
        to(anthropicProvider('slow', silent.url, { timeoutMs: 150 }), { fast: M }),
        to(anthropicProvider('good', good.url), { fast: M }),
      ]),
    ]);
    try {
      const out = await executeChat(nativeCall(t, true), { pools });
      assert.equal(out.dialect, 'anthropic');
      const got = await collect(out);
      const text = got.map((e) => String(((e.delta ?? {}) as Obj).text ?? '')).join('');
      assert.equal(text, 'from the second');
      assert.equal(got.filter((e) => e.type === 'message_start').length, 1);
      assert.match(String(out.attempts[0]?.error), /^timeout/);
    } finally {
      release.resolve();
    }
  });

  test('a native stream that breaks after content ends with a GwError marked midStream', async () => {
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const e of textEvents(M, 'partial answer', 4).slice(0, 5)) res.write(sseEvent(e));
      res.end(sseEvent({ type: 'error', error: { type: 'api_error', message: 'Internal server error' } }));
    });
    const t = table([chatEndpoint('ep', [to(anthropicProvider('claude', up.url), { fast: M })])]);
    const out = await executeChat(nativeCall(t, true), { pools });
    const seen: Obj[] = [];
    await assert.rejects(
      (async () => {
        assert.ok(out.stream);
        for await (const e of out.stream) seen.push(e);
      })(),
      (err: unknown) =>
        err instanceof GwError && err.details?.midStream === true && /Internal server error/.test(err.message),
    );
    assert.ok(
      seen.some((e) => e.type === 'content_block_delta'),
      'content reached the caller before the break',
    );
  });
});
