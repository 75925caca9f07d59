// The wire codecs: reading and replacing messages and the system prompt, the text of answers
// and stream events, text mapped in place; and the one applyEndpoint over both formats.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { anthropicCodec, applyEndpoint, codecFor, openaiCodec } from '../../src/wire/index.js';

describe('openai codec', () => {
  const body = () => ({
    model: 'm',
    messages: [
      { role: 'system', content: 'sys' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'hello' },
          { type: 'image_url', image_url: { url: 'u' } },
        ],
      },
      {
        role: 'assistant',
        content: 'hi',
        tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
    ],
  });

  test('messages and system prompt', () => {
    const b = body();
    assert.equal(openaiCodec.readMessages(b)?.length, 3);
    assert.equal(openaiCodec.readSystem(b), 'sys');
    openaiCodec.replaceSystem(b, 'new');
    assert.deepEqual(b.messages[0], { role: 'system', content: 'new' });
    assert.equal(b.messages.length, 3);
    openaiCodec.replaceSystem(b, undefined);
    assert.equal(openaiCodec.readSystem(b), undefined);
    openaiCodec.replaceMessages(b, []);
    assert.deepEqual(b.messages, []);
  });

  test('request text and prompt chars (the usage estimate counts string contents only, or embeddings input)', () => {
    assert.equal(openaiCodec.requestText(body()), 'sys\nhello\nhi\nf\n{}');
    assert.equal(openaiCodec.promptChars(body()), 5);
    assert.equal(openaiCodec.promptChars({ input: ['ab', 'cde'] }), 5);
    assert.equal(openaiCodec.promptChars({ input: 'abc' }), 3);
  });

  test('answer and event text', () => {
    const answer = { choices: [{ message: { role: 'assistant', content: 'abc' } }] };
    assert.equal(openaiCodec.answerText(answer), 'abc');
    assert.equal(openaiCodec.answerChars(answer), 3);
    const event = { choices: [{ delta: { content: 'de' } }] };
    assert.equal(openaiCodec.eventText(event), 'de');
    assert.equal(openaiCodec.eventChars(event), 2);
    assert.equal(openaiCodec.eventChars({ delta: { text: 'anthropic' } }), 0);
  });

  test('mapText rewrites text in place', () => {
    const up = (s: string): string => s.toUpperCase();
    const b = body();
    openaiCodec.mapText(b, 'request', up);
    assert.equal(b.messages[0]?.content, 'SYS');
    assert.deepEqual((b.messages[1]?.content as unknown[])[0], { type: 'text', text: 'HELLO' });
    // Tool-call arguments and embeddings input are the caller's text too (guardrails read them).
    assert.equal(b.messages[2]?.tool_calls?.[0]?.function.arguments, '{}');
    const tool = {
      messages: [{ role: 'assistant', tool_calls: [{ function: { name: 'f', arguments: '{"a":"x"}' } }] }],
    };
    openaiCodec.mapText(tool, 'request', up);
    assert.equal(tool.messages[0]?.tool_calls[0]?.function.arguments, '{"A":"X"}');
    const emb = { input: ['a', 'b'] };
    openaiCodec.mapText(emb, 'request', up);
    assert.deepEqual(emb.input, ['A', 'B']);
    const answer = { choices: [{ message: { content: 'abc' } }] };
    openaiCodec.mapText(answer, 'answer', up);
    assert.equal(answer.choices[0]?.message.content, 'ABC');
    const event = { choices: [{ delta: { content: 'de' } }] };
    openaiCodec.mapText(event, 'event', up);
    assert.equal(event.choices[0]?.delta.content, 'DE');
  });
});

describe('anthropic codec', () => {
  const body = () => ({
    model: 'm',
    max_tokens: 5,
    system: [
      { type: 'text', text: 'a' },
      { type: 'text', text: 'b' },
    ],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't', content: 'r' },
          { type: 'text', text: 'q' },
        ],
      },
    ],
  });

  test('messages and system prompt', () => {
    const b: Record<string, unknown> = body();
    assert.equal(anthropicCodec.readSystem(b), 'a\n\nb');
    anthropicCodec.prependSystem(b, 'first');
    assert.deepEqual(b['system'], [
      { type: 'text', text: 'first' },
      { type: 'text', text: 'a' },
      { type: 'text', text: 'b' },
    ]);
    anthropicCodec.replaceSystem(b, 'only');
    assert.equal(anthropicCodec.readSystem(b), 'only');
    anthropicCodec.replaceSystem(b, undefined);
    assert.equal('system' in b, false);
    assert.equal(anthropicCodec.requestText(body()), 'a\n\nb\nr\nq');
  });

  test('answer and event text, mapText', () => {
    const answer = {
      type: 'message',
      content: [
        { type: 'text', text: 'xy' },
        { type: 'tool_use', id: 'i', name: 'n', input: {} },
      ],
    };
    assert.equal(anthropicCodec.answerText(answer), 'xy');
    assert.equal(anthropicCodec.answerChars(answer), 2);
    const event = { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'abc' } };
    assert.equal(anthropicCodec.eventText(event), 'abc');
    assert.equal(anthropicCodec.eventChars(event), 3);
    anthropicCodec.mapText(event, 'event', (s) => s.toUpperCase());
    assert.equal(event.delta.text, 'ABC');
    anthropicCodec.mapText(answer, 'answer', (s) => `<${s}>`);
    assert.equal(answer.content[0]?.text, '<xy>');
    const b = body();
    anthropicCodec.mapText(b, 'request', (s) => s.toUpperCase());
    assert.equal(b.system[0]?.text, 'A');
    assert.deepEqual(b.messages[0]?.content[1], { type: 'text', text: 'Q' });
    assert.equal(b.messages[0]?.content[0]?.content, 'R');
    const use = {
      messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 'i', name: 'n', input: { q: ['x'] } }] }],
    };
    anthropicCodec.mapText(use, 'request', (s) => s.toUpperCase());
    assert.deepEqual(use.messages[0]?.content[0]?.input, { q: ['X'] });
  });

  test('codecFor: the hub when no format is given', () => {
    assert.equal(codecFor(undefined), openaiCodec);
    assert.equal(codecFor('anthropic'), anthropicCodec);
  });
});

describe('applyEndpoint: one path for both formats', () => {
  const ep = {
    params: { temperature: 0.2, presence_penalty: 1, stop: ['END'] },
    lockParams: false,
    prompt: { system: 'S', template: 'T: {{input}}' },
  };

  test('openai: every param by its name, system message first, template on the last user message', () => {
    const body = {
      model: 'm',
      temperature: 0.9,
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: 'c' },
      ],
    };
    const out = applyEndpoint(ep, body, openaiCodec);
    assert.deepEqual(out, {
      model: 'm',
      temperature: 0.9,
      presence_penalty: 1,
      stop: ['END'],
      messages: [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: 'T: c' },
      ],
    });
    assert.equal(body.messages.length, 3, 'the caller body is not changed');
    assert.equal(applyEndpoint({ ...ep, lockParams: true }, body, openaiCodec)['temperature'], 0.2);
  });

  test('anthropic: mapped params only, system before the caller, template skips a user turn without text', () => {
    const body = {
      model: 'm',
      max_tokens: 5,
      system: 'mine',
      messages: [
        { role: 'user', content: 'a' },
        { role: 'user', content: [{ type: 'image', source: {} }] },
      ],
    };
    const out = applyEndpoint(ep, body, anthropicCodec);
    assert.deepEqual(out, {
      model: 'm',
      max_tokens: 5,
      system: [
        { type: 'text', text: 'S' },
        { type: 'text', text: 'mine' },
      ],
      messages: [
        { role: 'user', content: 'T: a' },
        { role: 'user', content: [{ type: 'image', source: {} }] },
      ],
      temperature: 0.2,
      stop_sequences: ['END'],
    });
    assert.equal(body.system, 'mine');
  });

  test('no prompt: the messages are not copied', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'a' }] };
    const out = applyEndpoint(
      { params: {}, lockParams: false, prompt: { system: undefined, template: undefined } },
      body,
      openaiCodec,
    );
    assert.equal(out['messages'], body.messages);
    assert.notEqual(out, body);
  });
});
