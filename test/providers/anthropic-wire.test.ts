// The anthropic adapter through the real executor against a fake Anthropic API on 127.0.0.1:
// what reaches the upstream, what the caller gets back, streams with tool calls, usage and
// cost, and fallback from an overloaded (529) Anthropic target to an OpenAI one.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompiledProvider } from '../../src/compile/routing-table.js';
import { costUsd } from '../../src/telemetry/cost.js';
import { executeChat, type ChatOutcome } from '../../src/upstream/execute.js';
import {
  call,
  chatEndpoint,
  type Handler,
  httpProvider,
  okJson,
  table,
  to,
  upstreamHarness,
} from '../upstream/helpers.js';
import {
  anthropicError,
  anthropicProvider,
  message,
  replyText,
  sendJson,
  sseEvent,
  streamEvents,
  textEvents,
} from './anthropic-server.js';

type Obj = Record<string, unknown>;
const { pools, upstream } = upstreamHarness();

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather by city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

function single(p: CompiledProvider, upstreamModel = 'claude-haiku-4-5') {
  return table([chatEndpoint('ep', [to(p, { fast: upstreamModel })])]);
}

async function collect(o: ChatOutcome): Promise<Obj[]> {
  assert.ok(o.stream, 'a stream');
  const out: Obj[] = [];
  for await (const c of o.stream) out.push(c);
  return out;
}

const delta = (c: Obj): Obj => ((c.choices as Obj[])[0]?.delta ?? {}) as Obj;

describe('anthropic provider over HTTP', () => {
  test('request: POST {baseUrl}/messages with x-api-key and anthropic-version; system, images, tools and the default max_tokens mapped', async () => {
    const up = await upstream(replyText(() => 'ok'));
    const t = single(anthropicProvider('claude', up.url));
    const body = {
      model: 'fast',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
      tools: [WEATHER_TOOL],
      tool_choice: 'auto',
      temperature: 1.8,
    };
    const out = await executeChat(call(t, 'ep', 'fast', { body }), { pools });
    assert.equal(out.dialect, 'openai');
    const rec = up.requests.at(-1);
    assert.ok(rec);
    assert.equal(rec.method, 'POST');
    assert.equal(rec.url, '/v1/messages');
    assert.equal(rec.headers['x-api-key'], 'sk-ant-test');
    assert.equal(rec.headers['anthropic-version'], '2023-06-01');
    assert.equal(rec.headers.authorization, undefined);
    assert.equal(rec.body.model, 'claude-haiku-4-5');
    assert.equal(rec.body.max_tokens, 4096, 'documented default when the caller sets none');
    assert.equal(rec.body.temperature, 1, 'OpenAI 0-2 clamped to Anthropic 0-1');
    assert.equal(rec.body.system, 'Be brief.');
    assert.equal(rec.body.stream, undefined);
    assert.deepEqual(rec.body.messages, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
        ],
      },
    ]);
    assert.deepEqual(rec.body.tools, [
      { name: 'get_weather', description: 'Weather by city', input_schema: WEATHER_TOOL.function.parameters },
    ]);
    assert.deepEqual(rec.body.tool_choice, { type: 'auto' });
  });

  test('auth: bearer providers send Authorization; a configured anthropic-version wins over the default', async () => {
    const up = await upstream(replyText(() => 'ok'));
    const p = anthropicProvider('claude', up.url, {
      headers: { authorization: 'Bearer compat-key', 'anthropic-version': '2099-01-01' },
    });
    await executeChat(
      call(single(p), 'ep', 'fast', {
        body: { model: 'fast', messages: [{ role: 'user', content: 'hi' }], max_tokens: 7 },
      }),
      { pools },
    );
    const rec = up.requests.at(-1);
    assert.equal(rec?.headers.authorization, 'Bearer compat-key');
    assert.equal(rec?.headers['x-api-key'], undefined);
    assert.equal(rec?.headers['anthropic-version'], '2099-01-01');
    assert.equal(rec?.body.max_tokens, 7);
  });

  test('response: text and tool_use blocks become content and tool_calls; id kept; usage with cache tokens; cost from pricing', async () => {
    const up = await upstream((_req, res, rec) =>
      sendJson(
        res,
        200,
        message(
          rec.body.model,
          [
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } },
          ],
          'tool_use',
        ),
      ),
    );
    const p = anthropicProvider('claude', up.url, {
      pricing: new Map([['claude-haiku-4-5', { inputPer1k: 1, outputPer1k: 5 }]]),
    });
    const out = await executeChat(
      call(single(p), 'ep', 'fast', {
        body: { model: 'fast', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [WEATHER_TOOL] },
      }),
      { pools },
    );
    const json = out.json as Obj;
    assert.equal(json.id, 'msg_01Fake');
    assert.equal(json.object, 'chat.completion');
    const choice = (json.choices as Obj[])[0] as Obj;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.deepEqual(choice.message, {
      role: 'assistant',
      content: 'Checking.',
      tool_calls: [
        { id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      ],
    });
    assert.deepEqual((json.usage as Obj).prompt_tokens_details, { cached_tokens: 4 });
    const usage = out.usage();
    assert.deepEqual(usage, { promptTokens: 27, completionTokens: 9, cacheReadTokens: 4, cacheWriteTokens: 2 });
    assert.equal(
      costUsd(p.pricing.get(out.upstreamModel), usage.promptTokens, usage.completionTokens),
      (27 * 1 + 9 * 5) / 1000,
    );
  });

  test('stream: text deltas, then tool-call argument deltas at the right index; usage and cost captured', async () => {
    const m = 'claude-haiku-4-5';
    const events: Obj[] = [
      ...textEvents(m, 'Let me check both.', 6).slice(0, -3), // message_start .. text deltas (no stop yet)
      { type: 'content_block_stop', index: 0 },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: {} },
      },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city": ' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } },
      { type: 'content_block_stop', index: 1 },
      {
        type: 'content_block_start',
        index: 2,
        content_block: { type: 'tool_use', id: 'toolu_b', name: 'get_weather', input: {} },
      },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"city": "Oslo"}' } },
      { type: 'content_block_stop', index: 2 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 40 } },
      { type: 'message_stop' },
    ];
    const up = await upstream(streamEvents(events));
    const p = anthropicProvider('claude', up.url, { pricing: new Map([[m, { inputPer1k: 2, outputPer1k: 10 }]]) });
    const body = {
      model: 'fast',
      messages: [{ role: 'user', content: 'Weather in Paris and Oslo?' }],
      tools: [WEATHER_TOOL],
      stream: true,
      stream_options: { include_usage: true },
    };
    const out = await executeChat(call(single(p), 'ep', 'fast', { stream: true, body }), { pools });
    const chunks = await collect(out);
    assert.equal(up.requests.at(-1)?.body.stream, true);
    assert.equal(up.requests.at(-1)?.headers.accept, 'text/event-stream');
    assert.equal(delta(chunks[0] as Obj).role, 'assistant', 'the first chunk carries the role');
    assert.equal(chunks.map((c) => delta(c).content ?? '').join(''), 'Let me check both.');
    const calls = new Map<number, { id?: unknown; name?: unknown; args: string }>();
    for (const c of chunks) {
      for (const tc of (delta(c).tool_calls ?? []) as Obj[]) {
        const index = tc.index as number;
        const fn = (tc.function ?? {}) as Obj;
        const cur = calls.get(index) ?? { args: '' };
        if (tc.id !== undefined) cur.id = tc.id;
        if (fn.name !== undefined) cur.name = fn.name;
        cur.args += String(fn.arguments ?? '');
        calls.set(index, cur);
      }
    }
    assert.deepEqual(
      [...calls.entries()],
      [
        [0, { id: 'toolu_a', name: 'get_weather', args: '{"city": "Paris"}' }],
        [1, { id: 'toolu_b', name: 'get_weather', args: '{"city": "Oslo"}' }],
      ],
    );
    const finish = chunks
      .map((c) => (c.choices as Obj[])[0]?.finish_reason)
      .filter((f) => f !== null && f !== undefined);
    assert.deepEqual(finish, ['tool_calls']);
    const last = chunks.at(-1) as Obj;
    assert.deepEqual(last.choices, [], 'the caller asked for usage: a usage-only chunk ends the stream');
    assert.equal((last.usage as Obj).completion_tokens, 40);
    const usage = out.usage();
    assert.deepEqual(usage, { promptTokens: 27, completionTokens: 40, cacheReadTokens: 4, cacheWriteTokens: 2 });
    assert.equal(
      costUsd(p.pricing.get(out.upstreamModel), usage.promptTokens, usage.completionTokens),
      (27 * 2 + 40 * 10) / 1000,
    );
  });

  for (const stream of [false, true]) {
    test(`529 overloaded from an Anthropic target falls back to an OpenAI target (stream=${stream})`, async () => {
      const anth = await upstream(anthropicError(529, 'overloaded_error', 'Overloaded'));
      const oai = await upstream(stream ? streamOpenAI('from openai') : okJson('from openai'));
      const t = table([
        chatEndpoint('ep', [
          to(anthropicProvider('claude', anth.url), { fast: 'claude-haiku-4-5' }),
          to(httpProvider('gpt', oai.url), { fast: 'gpt-4o-mini' }),
        ]),
      ]);
      const body = { model: 'fast', messages: [{ role: 'user', content: 'hi' }], ...(stream ? { stream: true } : {}) };
      const out = await executeChat(call(t, 'ep', 'fast', { stream, body }), { pools });
      if (stream) assert.equal((await collect(out)).map((c) => delta(c).content ?? '').join(''), 'from openai');
      else assert.equal(((out.json?.choices as Obj[])[0]?.message as Obj).content, 'from openai');
      assert.equal(out.provider.name, 'gpt');
      assert.equal(out.dialect, 'openai');
      assert.deepEqual(
        out.attempts.map((a) => [a.provider, a.status]),
        [
          ['claude', 529],
          ['gpt', 200],
        ],
      );
      assert.match(String(out.attempts[0]?.error), /^5xx: Overloaded/);
    });
  }

  test('an in-band error event before any content falls back like an HTTP failure', async () => {
    const m = 'claude-haiku-4-5';
    const anth = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sseEvent(textEvents(m, 'x')[0] as Obj));
      res.end(sseEvent({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
    });
    const good = await upstream(streamEvents(textEvents(m, 'second target')));
    const t = table([
      chatEndpoint('ep', [
        to(anthropicProvider('a1', anth.url), { fast: m }),
        to(anthropicProvider('a2', good.url), { fast: m }),
      ]),
    ]);
    const out = await executeChat(
      call(t, 'ep', 'fast', {
        stream: true,
        body: { model: 'fast', messages: [{ role: 'user', content: 'hi' }], stream: true },
      }),
      { pools },
    );
    const chunks = await collect(out);
    assert.equal(chunks.map((c) => delta(c).content ?? '').join(''), 'second target');
    assert.equal(
      chunks.filter((c) => delta(c).role === 'assistant').length,
      1,
      'the failed attempt left nothing in the stream',
    );
    assert.deepEqual(
      out.attempts.map((a) => a.provider),
      ['a1', 'a2'],
    );
    assert.match(String(out.attempts[0]?.error), /Overloaded/);
  });

  test('usage of a non-streamed answer without cache counters', async () => {
    const up = await upstream((_req, res, rec) =>
      sendJson(
        res,
        200,
        message(rec.body.model, [{ type: 'text', text: 'hi' }], 'max_tokens', { input_tokens: 5, output_tokens: 3 }),
      ),
    );
    const out = await executeChat(call(single(anthropicProvider('c', up.url)), 'ep', 'fast'), { pools });
    assert.deepEqual(out.usage(), { promptTokens: 5, completionTokens: 3, cacheReadTokens: 0 });
    assert.equal(((out.json?.choices as Obj[])[0] as Obj).finish_reason, 'length');
  });
});

function streamOpenAI(text: string): Handler {
  return (_req, res, rec) => {
    const base = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: rec.body.model };
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(
      `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })}\n\n`,
    );
    res.write(
      `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`,
    );
    res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
    res.end('data: [DONE]\n\n');
  };
}
