// guardStream over each wire format's events: held text goes out before the event that ends the
// text, or in the event itself when it carries the finish; tool-call events pass untouched.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGuardrail } from '../../src/compile/guardrails.js';
import type { Guardrail } from '../../src/manifest/types.js';
import { guardStream } from '../../src/serve/stages/guardrails.js';
import { anthropicCodec, openaiCodec } from '../../src/wire/index.js';

type Obj = Record<string, unknown>;
const pii = compileGuardrail('pii', {
  stage: 'output',
  action: 'mask',
  rules: [{ pii: ['credit_card'] }],
} as Guardrail['spec']);

async function run(events: Obj[], codec = openaiCodec): Promise<Obj[]> {
  async function* src(): AsyncGenerator<Obj> {
    yield* events;
  }
  const out: Obj[] = [];
  for await (const e of guardStream(src(), codec, [pii], new Set())) out.push(e);
  return out;
}
const oai = (delta: Obj, finish: string | null = null): Obj => ({
  choices: [{ index: 0, delta, finish_reason: finish }],
});
const text = (events: Obj[]): string => events.map((e) => openaiCodec.eventText(e)).join('');

describe('guardStream', () => {
  test('openai: the held text goes out in a copy of the last text event, before the finish chunk', async () => {
    const out = await run([
      oai({ role: 'assistant', content: '' }),
      oai({ content: 'card 4111 1111 ' }),
      oai({ content: '1111 1111' }),
      oai({}, 'stop'),
    ]);
    assert.equal(text(out), 'card [CREDIT_CARD]');
    assert.equal((out[out.length - 1] as { choices: { finish_reason: string }[] }).choices[0]?.finish_reason, 'stop');
    assert.equal(openaiCodec.eventText(out[out.length - 1] as Obj), '');
  });

  test('openai: a finish in the last text chunk takes all the held text with it', async () => {
    const out = await run([oai({ content: 'card 4111 1111 ' }), oai({ content: '1111 1111 end' }, 'stop')]);
    assert.equal(out.length, 2);
    assert.equal(text(out), 'card [CREDIT_CARD] end');
    assert.equal(openaiCodec.eventText(out[1] as Obj), text(out).slice(openaiCodec.eventText(out[0] as Obj).length));
  });

  test('anthropic: held text goes out before content_block_stop; tool input deltas are not text', async () => {
    const delta = (t: string): Obj => ({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: t },
    });
    const out = await run(
      [
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        delta('pay 4111-1111-'),
        delta('1111-1111 now'),
        { type: 'content_block_stop', index: 0 },
        { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a":1}' } },
        { type: 'message_stop' },
      ],
      anthropicCodec,
    );
    const types = out.map((e) => String(e['type']));
    assert.deepEqual(types.slice(-3), ['content_block_stop', 'content_block_delta', 'message_stop']);
    assert.equal(out.map((e) => anthropicCodec.eventText(e)).join(''), 'pay [CREDIT_CARD] now');
    assert.deepEqual(out[out.length - 2], {
      type: 'content_block_delta',
      index: 1,
      delta: { type: 'input_json_delta', partial_json: '{"a":1}' },
    });
  });
});
