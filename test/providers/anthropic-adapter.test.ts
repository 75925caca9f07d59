// The anthropic adapter's pure functions: mapping details the golden fixtures do not pin.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileProvider } from '../../src/compile/providers.js';
import type { Provider } from '../../src/manifest/types.js';
import { anthropicAdapter } from '../../src/wire/anthropic/upstream/index.js';
import { toAnthropicRequest } from '../../src/wire/anthropic/upstream/request.js';
import { getAdapter } from '../../src/providers/registry.js';
import { upstreamHeaders } from '../../src/upstream/headers.js';
import { httpProvider } from '../upstream/helpers.js';

type Obj = Record<string, unknown>;
const user = (content: unknown): Obj => ({ role: 'user', content });
const req = (extra: Obj): Obj => toAnthropicRequest({ model: 'm', messages: [user('hi')], ...extra }, false);

function compiled(auth: Obj): ReturnType<typeof compileProvider> {
  const manifest = {
    apiVersion: 'gw/v1',
    kind: 'Provider',
    metadata: { name: 'claude' },
    spec: { type: 'anthropic', baseUrl: 'https://api.anthropic.com/v1', auth },
  };
  return compileProvider('default', 'claude', manifest as unknown as Provider);
}

describe('anthropic adapter (pure functions)', () => {
  test('registered for type anthropic; speaks the anthropic dialect; no embeddings', () => {
    assert.equal(getAdapter('anthropic'), anthropicAdapter);
    assert.equal(anthropicAdapter.kind === 'http' && anthropicAdapter.dialect, 'anthropic');
    assert.equal(anthropicAdapter.capabilities.embeddings, false);
  });

  test('operator auth: header x-api-key and bearer both end up next to anthropic-version on the wire', () => {
    for (const [auth, name, value] of [
      [{ header: { name: 'x-api-key', value: 'sk-ant-1' } }, 'x-api-key', 'sk-ant-1'],
      [{ bearer: 'sk-ant-2' }, 'authorization', 'Bearer sk-ant-2'],
    ] as const) {
      const c = compiled(auth);
      assert.ok(c);
      const spec = anthropicAdapter.buildChatRequest(c.provider, { model: 'm', messages: [user('hi')] }, false);
      assert.equal(spec.path, '/v1/messages');
      const headers = upstreamHeaders(spec.headers, c.provider.headers, 'r1');
      assert.equal(headers[name], value);
      assert.equal(headers['anthropic-version'], '2023-06-01');
      assert.equal(c.provider.probePath, '/models');
    }
  });

  test('max_tokens: max_completion_tokens, else max_tokens, else 4096', () => {
    assert.equal(req({ max_completion_tokens: 10, max_tokens: 20 }).max_tokens, 10);
    assert.equal(req({ max_tokens: 20 }).max_tokens, 20);
    assert.equal(req({}).max_tokens, 4096);
  });

  test('sampling: temperature clamped to 0-1, top_p kept below 1, stop string or list', () => {
    assert.equal(req({ temperature: 2 }).temperature, 1);
    assert.equal(req({ temperature: 0.3 }).temperature, 0.3);
    assert.equal(req({ top_p: 0.5 }).top_p, 0.5);
    assert.equal(req({ top_p: 1 }).top_p, undefined);
    assert.deepEqual(req({ stop: 'END' }).stop_sequences, ['END']);
    assert.deepEqual(req({ stop: ['a', 'b'] }).stop_sequences, ['a', 'b']);
    assert.equal(req({ stop: null }).stop_sequences, undefined);
    assert.equal(req({ n: 2, seed: 1, logprobs: true, response_format: { type: 'json_object' } }).seed, undefined);
  });

  test('tool_choice: auto, none, required, a named function; parallel_tool_calls false; no tools, no tool_choice', () => {
    const tools = [{ type: 'function', function: { name: 'f' } }];
    assert.deepEqual(req({ tools, tool_choice: 'auto' }).tool_choice, { type: 'auto' });
    assert.deepEqual(req({ tools, tool_choice: 'none' }).tool_choice, { type: 'none' });
    assert.deepEqual(req({ tools, tool_choice: 'required' }).tool_choice, { type: 'any' });
    assert.deepEqual(req({ tools, tool_choice: { type: 'function', function: { name: 'f' } } }).tool_choice, {
      type: 'tool',
      name: 'f',
    });
    assert.deepEqual(req({ tools, parallel_tool_calls: false }).tool_choice, {
      type: 'auto',
      disable_parallel_tool_use: true,
    });
    assert.equal(req({ tool_choice: 'required' }).tool_choice, undefined);
    assert.equal(req({ tools: [{ type: 'custom', custom: { name: 'x' } }] }).tools, undefined);
  });

  test('messages: system string kept as a string; tool results merged into one user turn before the next user text; bad tool arguments become {}', () => {
    const out = toAnthropicRequest(
      {
        model: 'm',
        messages: [
          { role: 'system', content: 'S' },
          user('q'),
          {
            role: 'assistant',
            content: '',
            tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: 'not json' } }],
          },
          { role: 'tool', tool_call_id: 't1', content: 'r1' },
          user([
            { type: 'text', text: 'more' },
            { type: 'input_audio', input_audio: { data: 'x', format: 'wav' } },
          ]),
        ],
      },
      false,
    );
    assert.equal(out.system, 'S');
    assert.deepEqual(out.messages, [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: 'r1' },
          { type: 'text', text: 'more' },
        ],
      },
    ]);
  });

  test('passthrough request: the body is kept whole; the stream flag follows the call', () => {
    const p = httpProvider('c', 'http://127.0.0.1:9/v1', { type: 'anthropic' });
    const body = { model: 'm', max_tokens: 5, messages: [], x_extra: 1, stream: true };
    const j = anthropicAdapter.buildNativeChatRequest?.(p, body, false);
    assert.deepEqual(JSON.parse(j?.body ?? ''), { model: 'm', max_tokens: 5, messages: [], x_extra: 1 });
    const s = anthropicAdapter.buildNativeChatRequest?.(p, { ...body, stream: undefined }, true);
    assert.equal(JSON.parse(s?.body ?? '').stream, true);
    assert.equal(s?.headers.accept, 'text/event-stream');
  });

  test('errors: Anthropic bodies, OpenAI-style bodies from compatible servers, text and empty bodies', () => {
    assert.deepEqual(
      anthropicAdapter.parseError(
        400,
        '{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}}',
      ),
      {
        message: 'max_tokens: Field required',
        type: 'invalid_request_error',
      },
    );
    assert.equal(anthropicAdapter.parseError(500, '{"error":{"message":"boom"}}').message, 'boom');
    assert.equal(anthropicAdapter.parseError(502, '<html>Bad Gateway</html>').message, '<html>Bad Gateway</html>');
    assert.equal(anthropicAdapter.parseError(503, '').message, 'upstream answered HTTP 503');
  });

  test('an answer that is not an Anthropic message is a protocol failure, translated or native', () => {
    assert.equal(anthropicAdapter.parseChatResponse({ choices: [] }).ok, false);
    assert.equal(anthropicAdapter.native?.parseChatResponse({ choices: [] }).ok, false);
    assert.equal(anthropicAdapter.native?.parseChatResponse({ type: 'message', content: [] }).ok, true);
  });

  test('native stream: only content events end the hold-back; message_delta usage adds to message_start usage', () => {
    const n = anthropicAdapter.native;
    assert.ok(n);
    assert.equal(n.isContentEvent({ type: 'message_start', message: {} }), false);
    assert.equal(n.isContentEvent({ type: 'ping' }), false);
    assert.equal(
      n.isContentEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      false,
    );
    assert.equal(
      n.isContentEvent({
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'tool_use', id: 't', name: 'f', input: {} },
      }),
      true,
    );
    assert.equal(
      n.isContentEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'a' } }),
      true,
    );
    let u = n.usage(
      { type: 'message_start', message: { usage: { input_tokens: 10, output_tokens: 1, cache_read_input_tokens: 5 } } },
      undefined,
    );
    u = n.usage({ type: 'ping' }, u);
    u = n.usage({ type: 'message_delta', delta: {}, usage: { output_tokens: 30, input_tokens: null } }, u);
    assert.deepEqual(u, { promptTokens: 15, completionTokens: 30, cacheReadTokens: 5 });
  });
});
