// The OpenAI Responses dialect's pure parts: golden fixtures (test/fixtures/wire/responses) for
// the request (Responses -> chat completions), the answer (chat.completion -> response) and the
// stream (chunks -> typed events), then the refusals and the smaller mappings.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GwError, isGwError } from '../../src/errors.js';
import { responsesDialect } from '../../src/wire/openai/responses/index.js';

type Obj = Record<string, unknown>;

const DIR = join(import.meta.dirname, '..', 'fixtures', 'wire', 'responses');
const text = (name: string): Promise<string> => readFile(join(DIR, name), 'utf8');
const json = async (name: string): Promise<Obj> => JSON.parse(await text(name)) as Obj;
const info = { model: 'gpt-fast', requestId: 'req-1' };
/** created_at is the translation's clock. */
const pin = (s: string): string => s.replace(/"created_at":\d+/g, '"created_at":1700000000');

function events(sse: string): { event: string | undefined; data: unknown }[] {
  return sse
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

function refused(body: Obj, field: string): void {
  assert.throws(
    () => responsesDialect.chatRequest({ model: 'm', input: 'hi', ...body }, 'chat'),
    (e: unknown) => isGwError(e) && e.status === 400 && e.message.includes(field),
  );
}

describe('Responses golden wire fixtures', () => {
  test('request: Responses body -> chat-completions body (the hub)', async () => {
    const read = responsesDialect.chatRequest(await json('request.responses.json'), 'chat');
    assert.deepEqual(read.body, await json('request.chat.json'));
    assert.equal(read.native, undefined);
  });

  test('answer: chat.completion -> response object (message and function_call items, usage)', async () => {
    const r = responsesDialect.reply(await json('response.chat.json'), 'openai', info);
    assert.deepEqual(JSON.parse(pin(JSON.stringify(r))), await json('response.responses.json'));
  });

  test('stream: chat chunks -> typed events with sequence numbers, ending in response.completed', async () => {
    const w = responsesDialect.streamWriter('openai', info);
    let out = '';
    for (const e of events(await text('stream.chat.sse'))) if (e.data !== '[DONE]') out += w.event(e.data as Obj);
    out += w.end();
    const got = events(pin(out));
    assert.deepEqual(got, events(await text('stream.responses.sse')));
    got.forEach((e, i) => {
      assert.equal(e.event, (e.data as Obj)['type']);
      assert.equal((e.data as Obj)['sequence_number'], i);
    });
  });
});

describe('Responses mappings and refusals', () => {
  test('string input, json_object format, reasoning effort; length finish -> incomplete', () => {
    const { body } = responsesDialect.chatRequest(
      { model: 'm', input: 'hi', text: { format: { type: 'json_object' } }, reasoning: { effort: 'low' } },
      'chat',
    );
    assert.deepEqual(body, {
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      response_format: { type: 'json_object' },
      reasoning_effort: 'low',
    });
    const r = responsesDialect.reply(
      { id: 'c', choices: [{ index: 0, message: { role: 'assistant', content: 'cut' }, finish_reason: 'length' }] },
      'openai',
      info,
    ) as Obj;
    assert.equal(r['status'], 'incomplete');
    assert.deepEqual(r['incomplete_details'], { reason: 'max_output_tokens' });
  });

  test('each unsupported field is a 400 naming it', () => {
    refused({ previous_response_id: 'resp_1' }, 'previous_response_id');
    refused({ conversation: 'conv_1' }, 'conversation');
    refused({ background: true }, 'background');
    refused({ prompt: { id: 'p' } }, 'prompt');
    refused({ include: ['reasoning.encrypted_content'] }, 'include');
    refused({ truncation: 'auto' }, 'truncation');
    refused({ tools: [{ type: 'file_search' }] }, 'tools[0].type');
    refused({ tool_choice: { type: 'web_search' } }, 'tool_choice');
    refused({ reasoning: { summary: 'auto' } }, 'reasoning.summary');
    refused({ input: [{ type: 'reasoning', id: 'rs_1' }] }, 'input[0].type');
    refused({ input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'f' }] }] }, 'image_url');
    refused({ unknown_field: 1 }, 'unknown_field');
    refused({ input: undefined }, 'input');
  });

  test('a broken stream ends with an error event the SDK raises', () => {
    const sse = responsesDialect.streamError(new GwError('GW_ERR_UPSTREAM_PROTOCOL', 'the upstream stream broke'));
    const [e] = events(sse);
    assert.equal(e?.event, 'error');
    assert.equal((e?.data as Obj)['message'], 'the upstream stream broke');
  });
});
