// The inbound Anthropic dialect's pure parts: golden fixtures of real wire formats (request,
// response, stream), stop reasons, body checks, the error shape per status, the endpoint's
// settings on a passthrough body, and the token estimate.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CompiledChatEndpoint } from '../../src/compile/routing-table.js';
import { GwError, isGwError } from '../../src/errors.js';
import { anthropicDialect } from '../../src/wire/anthropic/caller/index.js';
import { anthropicNative } from '../../src/wire/anthropic/upstream/native.js';
import { toOpenAIRequest } from '../../src/wire/anthropic/caller/request.js';
import { toAnthropicMessage } from '../../src/wire/anthropic/caller/response.js';
import { anthropicCodec, applyEndpoint } from '../../src/wire/index.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'wire', 'anthropic-in');
const json = async (name: string): Promise<Record<string, unknown>> =>
  JSON.parse(await readFile(join(DIR, name), 'utf8')) as Record<string, unknown>;
const info = { model: 'claude-fast', requestId: 'req-1' };

/** SSE text -> [{event, data}] (data parsed), so key order does not matter. */
function events(text: string): { event: string | undefined; data: unknown }[] {
  return text
    .split('\n\n')
    .filter((b) => b.trim() !== '')
    .map((block) => {
      let event: string | undefined;
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      return { event, data: data === '[DONE]' ? data : (JSON.parse(data) as unknown) };
    });
}

function rejects400(body: Record<string, unknown>, field: string): void {
  assert.throws(
    () => anthropicDialect.chatRequest(body, 'chat'),
    (e: unknown) => isGwError(e) && e.status === 400 && e.message.startsWith(field),
  );
}

describe('Anthropic -> OpenAI request', () => {
  test('golden: system blocks, images, tool_use / tool_result turns, tools, tool_choice, stop, stream', async () => {
    const read = anthropicDialect.chatRequest(await json('request.anthropic.json'), 'chat');
    assert.deepEqual(read.body, await json('request.openai.json'));
    // The caller's body is kept as it came for Anthropic targets.
    assert.deepEqual(read.native, { dialect: 'anthropic', body: await json('request.anthropic.json') });
  });

  test('a string system prompt, string content and tool_choice auto / tool / none', () => {
    const base = {
      model: 'm',
      max_tokens: 5,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ name: 't', input_schema: { type: 'object' } }],
    };
    const out = toOpenAIRequest({ ...base, tool_choice: { type: 'auto' } });
    assert.deepEqual(out['messages'], [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
    ]);
    assert.equal(out['tool_choice'], 'auto');
    assert.equal(out['stream'], undefined);
    assert.deepEqual(toOpenAIRequest({ ...base, tool_choice: { type: 'tool', name: 't' } })['tool_choice'], {
      type: 'function',
      function: { name: 't' },
    });
    assert.equal(toOpenAIRequest({ ...base, tool_choice: { type: 'none' } })['tool_choice'], 'none');
  });

  test('an error tool_result says so; an assistant turn of only tool calls has null content', () => {
    const out = toOpenAIRequest({
      model: 'm',
      max_tokens: 5,
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'tu1', name: 'f', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu1', content: 'disk full', is_error: true }] },
      ],
    });
    const msgs = out['messages'] as Record<string, unknown>[];
    assert.equal(msgs[1]?.['content'], null);
    assert.deepEqual(msgs[2], { role: 'tool', tool_call_id: 'tu1', content: 'Error: disk full' });
    assert.equal(msgs.length, 3);
  });

  test('what the Anthropic API requires is answered 400 with the field', () => {
    const ok = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] };
    rejects400({ ...ok, model: undefined }, 'model');
    rejects400({ ...ok, max_tokens: undefined }, 'max_tokens');
    rejects400({ ...ok, max_tokens: 1.5 }, 'max_tokens');
    rejects400({ ...ok, messages: [] }, 'messages');
    rejects400({ ...ok, messages: [{ role: 'system', content: 'x' }] }, 'messages.0.role');
    rejects400({ ...ok, messages: [{ role: 'user', content: 5 }] }, 'messages.0.content');
    rejects400({ ...ok, temperature: 'hot' }, 'temperature');
    rejects400({ ...ok, stop_sequences: 'END' }, 'stop_sequences');
    rejects400({ ...ok, tools: [{ description: 'no name' }] }, 'tools.0.name');
    assert.doesNotThrow(() => anthropicDialect.chatRequest({ ...ok, unknown_field: 1 }, 'chat'));
  });
});

describe('OpenAI -> Anthropic response', () => {
  test('golden: text and a tool call with parsed input, tool_use stop, usage with cache reads, the caller model', async () => {
    const out = anthropicDialect.reply(await json('response.openai.json'), 'openai', info);
    assert.deepEqual(out, await json('response.anthropic.json'));
  });

  test('finish reasons map to stop reasons', () => {
    const reason = (finish: unknown): unknown =>
      toAnthropicMessage({ choices: [{ message: { content: 'x' }, finish_reason: finish }] }, 'm', 'msg_x')[
        'stop_reason'
      ];
    assert.equal(reason('stop'), 'end_turn');
    assert.equal(reason('length'), 'max_tokens');
    assert.equal(reason('tool_calls'), 'tool_use');
    assert.equal(reason('content_filter'), 'refusal');
    assert.equal(reason(null), 'end_turn');
  });

  test('usage: cached input moves out of input_tokens into the cache fields (Anthropic counts them apart)', () => {
    const usage = (u: unknown): unknown => toAnthropicMessage({ choices: [], usage: u }, 'm', 'msg_x')['usage'];
    assert.deepEqual(
      usage({
        prompt_tokens: 130,
        completion_tokens: 30,
        prompt_tokens_details: { cached_tokens: 10 },
        cache_read_input_tokens: 10,
        cache_creation_input_tokens: 5,
      }),
      { input_tokens: 115, output_tokens: 30, cache_read_input_tokens: 10, cache_creation_input_tokens: 5 },
    );
    assert.deepEqual(usage({ prompt_tokens: 7, completion_tokens: 2 }), {
      input_tokens: 7,
      output_tokens: 2,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    });
    assert.deepEqual(usage(undefined), {
      input_tokens: 0,
      output_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    });
  });

  test('no upstream id: one derived from the request id; broken tool arguments are kept, not lost', () => {
    const out = toAnthropicMessage(
      { choices: [{ message: { tool_calls: [{ id: 'c', function: { name: 'f', arguments: '{oops' } }] } }] },
      'm',
      'msg_req1',
    );
    assert.equal(out['id'], 'msg_req1');
    assert.deepEqual(out['content'], [{ type: 'tool_use', id: 'c', name: 'f', input: { arguments: '{oops' } }]);
  });

  test('an Anthropic-shaped outcome (passthrough) is returned as is, with the caller model', () => {
    const msg = { id: 'msg_1', type: 'message', model: 'claude-3-5-haiku-latest', content: [], extra_field: 1 };
    assert.deepEqual(anthropicDialect.reply(msg, 'anthropic', info), { ...msg, model: 'claude-fast' });
  });
});

describe('OpenAI chunks -> Anthropic events', () => {
  test('golden: text block, tool block with input_json_delta, message_delta with usage, message_stop', async () => {
    const sse = await readFile(join(DIR, 'stream.openai.sse'), 'utf8');
    const writer = anthropicDialect.streamWriter('openai', info);
    let out = '';
    for (const e of events(sse)) if (e.data !== '[DONE]') out += writer.event(e.data as Record<string, unknown>);
    out += writer.end();
    const got = events(out);
    assert.deepEqual(got, events(await readFile(join(DIR, 'stream.anthropic.sse'), 'utf8')));
    for (const e of got) assert.equal(e.event, (e.data as { type: string }).type);
  });

  test('two tool calls in one turn become two tool_use blocks; length stops as max_tokens', () => {
    const w = anthropicDialect.streamWriter('openai', info);
    const chunk = (delta: Record<string, unknown>, finish: string | null = null): Record<string, unknown> => ({
      id: 'c1',
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    let out = w.event(chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{"x":' } }] }));
    out += w.event(chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }));
    out += w.event(chunk({ tool_calls: [{ index: 1, id: 'b', function: { name: 'g', arguments: '{}' } }] }));
    out += w.event(chunk({}, 'length'));
    out += w.end();
    const got = events(out).map((e) => e.data as Record<string, unknown>);
    const starts = got
      .filter((e) => e['type'] === 'content_block_start')
      .map((e) => [e['index'], (e['content_block'] as { id: string }).id]);
    assert.deepEqual(starts, [
      [0, 'a'],
      [1, 'b'],
    ]);
    const json = (i: number): string =>
      got
        .filter((e) => e['type'] === 'content_block_delta' && e['index'] === i)
        .map((e) => (e['delta'] as { partial_json: string }).partial_json)
        .join('');
    assert.equal(json(0), '{"x":1}');
    assert.equal(json(1), '{}');
    assert.deepEqual(
      got.filter((e) => e['type'] === 'content_block_stop').map((e) => e['index']),
      [0, 1],
    );
    assert.deepEqual(got.find((e) => e['type'] === 'message_delta')?.['delta'], {
      stop_reason: 'max_tokens',
      stop_sequence: null,
    });
  });

  test('an upstream that sent nothing still gives a complete, empty message', () => {
    const types = events(anthropicDialect.streamWriter('openai', info).end()).map((e) => e.event);
    assert.deepEqual(types, ['message_start', 'ping', 'message_delta', 'message_stop']);
  });

  test('passthrough events are written as they come, with the caller model in message_start', () => {
    const w = anthropicDialect.streamWriter('anthropic', info);
    const start = events(
      w.event({
        type: 'message_start',
        message: { id: 'msg_1', model: 'claude-upstream', usage: { input_tokens: 3 } },
      }),
    );
    assert.deepEqual(start, [
      {
        event: 'message_start',
        data: { type: 'message_start', message: { id: 'msg_1', model: 'claude-fast', usage: { input_tokens: 3 } } },
      },
    ]);
    assert.equal(w.event({ type: 'message_stop' }), 'event: message_stop\ndata: {"type":"message_stop"}\n\n');
    assert.equal(w.end(), '');
  });

  test("passthrough events the upstream's decoder kept the text of go out in that text; message_start still gets the caller model", () => {
    const decode = anthropicNative.createStreamDecoder();
    const w = anthropicDialect.streamWriter('anthropic', info);
    const write = (data: string, event = 'message'): string => {
      const step = decode({ event, data, id: undefined });
      const e = step.chunks[0] as Record<string, unknown>;
      return step.raw !== undefined && w.raw !== undefined ? w.raw(step.raw, e) : w.event(e);
    };
    // Spaced, with an integer beyond a double's precision: only its own text keeps both.
    const delta =
      '{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "hi"}, "n": 12345678901234567890}';
    assert.equal(write(delta, 'content_block_delta'), `event: content_block_delta\ndata: ${delta}\n\n`);
    const start = '{"type": "message_start", "message": {"id": "msg_1", "model": "claude-upstream"}}';
    assert.deepEqual(events(write(start, 'message_start')), [
      { event: 'message_start', data: { type: 'message_start', message: { id: 'msg_1', model: 'claude-fast' } } },
    ]);
    // No type of its own (the SSE event name stands in): the text is not the event; re-serialised.
    assert.equal(
      write('{"index": 0}', 'content_block_stop'),
      'event: content_block_stop\ndata: {"index":0,"type":"content_block_stop"}\n\n',
    );
    // Over two data lines: not one line a writer could send on as it is.
    assert.equal(write('{"type": "ping",\n "x": 1}', 'ping'), 'event: ping\ndata: {"type":"ping","x":1}\n\n');
  });

  test('a broken stream ends with an error event of the Anthropic shape', () => {
    const e = events(
      anthropicDialect.streamError(new GwError('GW_ERR_UPSTREAM_EXHAUSTED', 'the upstream stream broke')),
    );
    assert.deepEqual(e, [
      { event: 'error', data: { type: 'error', error: { type: 'api_error', message: 'the upstream stream broke' } } },
    ]);
  });
});

describe('errors in the Anthropic shape', () => {
  test("each status gets Anthropic's error type; the body carries the request id", () => {
    const type = (err: GwError): unknown =>
      (anthropicDialect.error(err, 'r1').body as { error: { type: string } }).error.type;
    assert.equal(type(new GwError('GW_ERR_BAD_REQUEST', 'x')), 'invalid_request_error');
    assert.equal(type(new GwError('GW_ERR_AUTH_INVALID_KEY', 'x')), 'authentication_error');
    assert.equal(type(new GwError('GW_ERR_AUTH_SCOPE', 'x')), 'permission_error');
    assert.equal(type(new GwError('GW_ERR_MODEL_NOT_FOUND', 'x')), 'not_found_error');
    assert.equal(type(new GwError('GW_ERR_METHOD_NOT_ALLOWED', 'x')), 'invalid_request_error');
    assert.equal(type(new GwError('GW_ERR_BODY_TOO_LARGE', 'x')), 'request_too_large');
    assert.equal(type(new GwError('GW_ERR_GUARDRAIL_BLOCKED', 'x')), 'invalid_request_error');
    assert.equal(type(new GwError('GW_ERR_RATE_LIMITED', 'x')), 'rate_limit_error');
    assert.equal(type(new GwError('GW_ERR_INTERNAL', 'x')), 'api_error');
    assert.equal(type(new GwError('GW_ERR_UPSTREAM_EXHAUSTED', 'x', { upstreamStatus: 500 })), 'api_error');
    assert.equal(type(new GwError('GW_ERR_UPSTREAM_EXHAUSTED', 'x', { upstreamStatus: 529 })), 'overloaded_error');
    assert.equal(type(new GwError('GW_ERR_NOT_READY', 'x')), 'overloaded_error');
    assert.equal(type(new GwError('GW_ERR_UPSTREAM_TIMEOUT', 'x')), 'timeout_error');
    const a = anthropicDialect.error(new GwError('GW_ERR_RATE_LIMITED', 'slow down', { retryAfterSec: 2.2 }), 'r1');
    assert.equal(a.status, 429);
    assert.equal(a.headers['retry-after'], '3');
    assert.deepEqual(a.body, {
      type: 'error',
      error: { type: 'rate_limit_error', message: 'slow down' },
      request_id: 'r1',
    });
  });
});

describe('endpoint settings on a passthrough body, token estimate', () => {
  const ep = {
    params: { temperature: 0.2, max_tokens: 100, presence_penalty: 1, stop: ['END'] },
    lockParams: false,
    prompt: { system: 'Be brief.', template: 'Q: {{input}}' },
  } as unknown as CompiledChatEndpoint;

  test('params as defaults, system first, template around the last user text', () => {
    const apply = (e: CompiledChatEndpoint, native: { dialect: 'anthropic'; body: Record<string, unknown> }) => ({
      body: applyEndpoint(e, native.body, anthropicCodec),
    });
    const body = {
      model: 'm',
      max_tokens: 50,
      temperature: 0.9,
      system: [{ type: 'text', text: 'Mine.', cache_control: { type: 'ephemeral' } }],
      messages: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'ok' },
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'url', url: 'u' } },
            { type: 'text', text: 'second' },
          ],
        },
      ],
    };
    const out = apply(ep, { dialect: 'anthropic', body }).body;
    assert.equal(out['temperature'], 0.9);
    assert.equal(out['max_tokens'], 50);
    assert.deepEqual(out['stop_sequences'], ['END']);
    assert.equal(out['presence_penalty'], undefined);
    assert.deepEqual(out['system'], [
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: 'Mine.', cache_control: { type: 'ephemeral' } },
    ]);
    const msgs = out['messages'] as { content: unknown }[];
    assert.equal(msgs[0]?.content, 'first');
    assert.deepEqual(msgs[2]?.content, [
      { type: 'image', source: { type: 'url', url: 'u' } },
      { type: 'text', text: 'Q: second' },
    ]);
    // The caller's object is not changed.
    assert.equal(body.temperature, 0.9);
    assert.equal(body.messages[2]?.content.length, 2);
    const locked = apply({ ...ep, lockParams: true } as CompiledChatEndpoint, { dialect: 'anthropic', body }).body;
    assert.equal(locked['temperature'], 0.2);
    assert.equal(locked['max_tokens'], 100);
  });

  test('count_tokens: chars / 4 over system, messages, tool calls and tool definitions; images count nothing', () => {
    const count = anthropicDialect.countTokens;
    assert.ok(count);
    const body = toOpenAIRequest({
      model: 'm',
      max_tokens: 5,
      system: 'abcd',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'efgh' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'A'.repeat(4000) } },
          ],
        },
      ],
    });
    assert.deepEqual(count(body), { input_tokens: 3 }); // 'abcd\nefgh' = 9 chars
    const withTools = toOpenAIRequest({
      model: 'm',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'x' }],
      tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
    });
    assert.ok((count(withTools)['input_tokens'] as number) > 10);
  });
});

describe('translated Anthropic answers look like the Messages API', () => {
  test('message_start carries the input estimate, message_delta the exact count; ids get msg_', () => {
    const w = anthropicDialect.streamWriter('openai', { ...info, inputTokens: () => 42 });
    const base = { id: 'chatcmpl-9x', object: 'chat.completion.chunk', created: 1, model: 'up' };
    let out = w.event({
      ...base,
      choices: [{ index: 0, delta: { role: 'assistant', content: 'hi' }, finish_reason: null }],
    });
    out += w.event({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
    out += w.event({ ...base, choices: [], usage: { prompt_tokens: 50, completion_tokens: 3, total_tokens: 53 } });
    out += w.end();
    const got = events(out).map((e) => e.data as Record<string, any>);
    const start = got.find((e) => e['type'] === 'message_start')!;
    assert.equal(start['message']['id'], 'msg_chatcmpl9x');
    assert.equal(start['message']['usage']['input_tokens'], 42);
    const delta = got.find((e) => e['type'] === 'message_delta')!;
    assert.equal(delta['usage']['input_tokens'], 50);
    assert.equal(delta['usage']['output_tokens'], 3);
    assert.ok(!JSON.stringify(got).includes('null,"cache'), 'no null usage counters');
  });

  test('a JSON answer without an upstream id gets a msg_ id and numeric cache counters', () => {
    const m = toAnthropicMessage(
      { choices: [{ index: 0, message: { role: 'assistant', content: '{}' }, finish_reason: 'stop' }] },
      'claude-fast',
      'msg_req1',
    ) as Record<string, any>;
    assert.equal(m['id'], 'msg_req1');
    assert.deepEqual(m['usage'], {
      input_tokens: 0,
      output_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
  });
});
