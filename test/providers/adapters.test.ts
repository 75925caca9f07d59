import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openaiAdapter } from '../../src/wire/openai/upstream/index.js';
import { mockAdapter } from '../../src/providers/mock/index.js';
import { httpProvider, mockProvider } from '../upstream/helpers.js';

describe('openai adapter (pure functions)', () => {
  const p = httpProvider('p', 'http://127.0.0.1:9/api/v1');

  test('stream requests ask for usage and keep the caller stream_options; JSON requests drop them', () => {
    const s = openaiAdapter.buildChatRequest(
      p,
      { model: 'x', messages: [], stream_options: { include_obfuscation: false } },
      true,
    );
    assert.equal(s.path, '/api/v1/chat/completions');
    assert.equal(s.headers.accept, 'text/event-stream');
    assert.deepEqual(JSON.parse(s.body ?? '').stream_options, { include_obfuscation: false, include_usage: true });
    const j = openaiAdapter.buildChatRequest(
      p,
      { model: 'x', messages: [], stream: true, stream_options: { include_usage: true } },
      false,
    );
    const jb = JSON.parse(j.body ?? '');
    assert.equal(jb.stream, false);
    assert.equal(jb.stream_options, undefined);
  });

  test('error bodies in the shapes compatible servers use', () => {
    assert.deepEqual(
      openaiAdapter.parseError(401, '{"error":{"message":"bad key","type":"auth","code":"invalid_api_key"}}'),
      {
        message: 'bad key',
        type: 'auth',
        code: 'invalid_api_key',
      },
    );
    assert.equal(openaiAdapter.parseError(500, '{"error":"model overloaded"}').message, 'model overloaded');
    assert.equal(openaiAdapter.parseError(422, '{"detail":"field required"}').message, 'field required');
    assert.equal(openaiAdapter.parseError(502, '<html>Bad Gateway</html>').message, '<html>Bad Gateway</html>');
    assert.equal(openaiAdapter.parseError(503, '').message, 'upstream answered HTTP 503');
  });

  test('stream decoder: chunks with their text, [DONE], and in-band errors', () => {
    const d = openaiAdapter.createStreamDecoder();
    assert.deepEqual(d({ event: 'message', data: '{"choices":[]}', id: undefined }), {
      chunks: [{ choices: [] }],
      done: false,
      raw: '{"choices":[]}',
    });
    // Over two data lines: valid JSON, but not one line a writer could send on as it is.
    assert.equal(d({ event: 'message', data: '{"choices":\n[]}', id: undefined }).raw, undefined);
    assert.equal(d({ event: 'message', data: '[DONE]', id: undefined }).done, true);
    assert.equal(
      d({ event: 'message', data: '{"error":{"message":"overloaded"}}', id: undefined }).error?.message,
      'overloaded',
    );
    assert.ok(d({ event: 'message', data: 'not json', id: undefined }).error);
  });

  test('a response without choices is not a chat.completion', () => {
    assert.equal(openaiAdapter.parseChatResponse({ hello: 'world' }).ok, false);
    assert.equal(openaiAdapter.parseChatResponse({ choices: [] }).ok, true);
  });
});

describe('mock adapter', () => {
  test('embeddings are deterministic unit vectors with a usage estimate', async () => {
    const p = mockProvider('m');
    const signal = new AbortController().signal;
    const a = await mockAdapter.respond(
      p,
      { op: 'embeddings', body: { model: 'e', input: ['abc', 'xyz'] }, stream: false },
      signal,
    );
    const b = await mockAdapter.respond(
      p,
      { op: 'embeddings', body: { model: 'e', input: ['abc', 'xyz'] }, stream: false },
      signal,
    );
    assert.equal(a.kind, 'json');
    assert.deepEqual(a, b);
    if (a.kind !== 'json') return;
    const data = a.json.data as { embedding: number[] }[];
    assert.equal(data.length, 2);
    const norm = Math.hypot(...(data[0]?.embedding ?? []));
    assert.ok(Math.abs(norm - 1) < 1e-9);
    assert.notDeepEqual(data[0]?.embedding, data[1]?.embedding);
  });

  test('latency is abortable', async () => {
    const ctrl = new AbortController();
    const p = mockAdapter.respond(
      mockProvider('m', { latencyMs: 60_000 }),
      { op: 'chat', body: { messages: [] }, stream: false },
      ctrl.signal,
    );
    ctrl.abort(new Error('stop'));
    await assert.rejects(p, /stop/);
  });

  test('content parts: {{input}} is the text of the last user message', async () => {
    const body = {
      model: 'x',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'part one ' },
            { type: 'text', text: 'two' },
          ],
        },
      ],
    };
    const r = await mockAdapter.respond(
      mockProvider('m', { reply: '[{{input}}]' }),
      { op: 'chat', body, stream: false },
      new AbortController().signal,
    );
    assert.equal(
      r.kind === 'json' && (r.json.choices as { message: { content: string } }[])[0]?.message.content,
      '[part one two]',
    );
  });
});
