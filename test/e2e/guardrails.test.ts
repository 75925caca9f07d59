// Guardrails through the real `gw serve`, with the official SDKs and plain HTTP: each rule and
// action on input and on output, JSON answers and streams (a card split across two chunks is
// masked; a block mid-stream ends it with the dialect's error event and is logged), the
// operator's own prompt left unchecked, and a catastrophic regex that still answers at once.
// Needs `npm run build` (bin/gw runs dist/).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { HOUSE_PROMPT, KEY, startGuardrailGateway, type GuardrailGateway } from './guardrails-gateway.js';

type Obj = Record<string, unknown>;
const skip = !existsSync('dist/cli/main.js') && 'run npm run build first';

let gw: GuardrailGateway;
before(async () => {
  if (skip === false) gw = await startGuardrailGateway();
});
after(async () => {
  await gw?.stop();
});

const openai = (): OpenAI => new OpenAI({ apiKey: KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
const anthropic = (): Anthropic => new Anthropic({ apiKey: KEY, baseURL: gw.url, maxRetries: 0 });
const CARD = '4111 1111 1111 1111';

async function post(path: string, body: Obj): Promise<{ status: number; json: Obj; id: string | null }> {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Obj, id: res.headers.get('x-request-id') };
}

/** The body the upstream got for the last request. */
function lastUpstream(): Obj {
  const r = gw.upstream.requests[gw.upstream.requests.length - 1];
  assert.ok(r !== undefined, 'the upstream was called');
  return r.body;
}

describe('input guardrails', { skip }, () => {
  test('block (regex): 422 GW_ERR_GUARDRAIL_BLOCKED naming guardrail and rule, not the text; upstream never called', async () => {
    const n = gw.upstream.requests.length;
    const err = await openai()
      .chat.completions.create({ model: 'g', messages: [{ role: 'user', content: 'my api_key = s3cr3tvalue ok' }] })
      .catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, 422);
    assert.equal(err.code, 'GW_ERR_GUARDRAIL_BLOCKED');
    assert.match(err.message, /Remove secrets before sending\. \(guardrail in-block, rule regex\)/);
    assert.doesNotMatch(err.message, /s3cr3tvalue/);
    assert.equal(gw.upstream.requests.length, n);
    const row = await gw.row(err.requestID ?? null);
    assert.equal(row.status, 422);
    assert.equal(row.error_code, 'GW_ERR_GUARDRAIL_BLOCKED');
    assert.equal(row.guardrails, 'in-block/regex:block');
  });

  test('block (keywords) in a tool result and in tool-call arguments, plain HTTP; whole words only', async () => {
    const tool = await post('/v1/chat/completions', {
      model: 'g',
      messages: [
        { role: 'user', content: 'weather?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'w', arguments: '{"q":"paris"}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'Result: INTERNAL-ONLY forecast' },
      ],
    });
    assert.equal(tool.status, 422);
    assert.deepEqual((tool.json['error'] as Obj)['code'], 'GW_ERR_GUARDRAIL_BLOCKED');
    assert.match(String((tool.json['error'] as Obj)['message']), /guardrail in-block, rule keywords/);
    const args = await post('/v1/chat/completions', {
      model: 'g',
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'w', arguments: '{"note":"internal-only"}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'fine' },
      ],
    });
    assert.equal(args.status, 422);
    const word = await post('/v1/chat/completions', {
      model: 'g',
      messages: [{ role: 'user', content: 'internal-onlyish' }],
    });
    assert.equal(word.status, 200);
  });

  test('block (maxChars) over everything the caller sent; Anthropic SDK gets its own error shape', async () => {
    const err = await anthropic()
      .messages.create({
        model: 'ga',
        max_tokens: 10,
        system: 'x'.repeat(1600),
        messages: [{ role: 'user', content: 'y'.repeat(1600) }],
      })
      .catch((e: unknown) => e);
    assert.ok(err instanceof Anthropic.APIError);
    assert.equal(err.status, 422);
    assert.match(JSON.stringify(err.error), /"type":"error".*guardrail in-block, rule maxChars/);
  });

  test("mask: pii is replaced before the upstream sees it; the operator's own prompt is not checked", async () => {
    const answer = await openai().chat.completions.create({
      model: 'g',
      messages: [
        { role: 'system', content: 'caller system: reach me at ops@example.com' },
        {
          role: 'user',
          content: `mail ada@example.org, call 555-123-4567, card ${CARD}, ssn 123-45-6789, ip 10.0.0.1, iban DE89 3704 0044 0532 0130 00`,
        },
      ],
    });
    assert.equal(answer.choices[0]?.message.content, 'ok');
    const sent = JSON.stringify(lastUpstream()['messages']);
    assert.match(sent, /\[EMAIL\], call \[PHONE\], card \[CREDIT_CARD\], ssn \[SSN\], ip \[IPV4\], iban \[IBAN\]/);
    assert.match(sent, /reach me at \[EMAIL\]/);
    // The endpoint's prompt carries 'internal-only' (blocked in caller text) and went up untouched.
    assert.ok(sent.includes(HOUSE_PROMPT));
    const row = await gw.row(answer._request_id ?? null);
    assert.equal(row.status, 200);
    assert.match(row.guardrails ?? '', /in-mask\/email:mask/);
    assert.match(row.guardrails ?? '', /in-mask\/credit_card:mask/);
    assert.doesNotMatch(row.guardrails ?? '', /ada|4111/);
  });

  test('mask reaches Anthropic tool_use input and tool_result content (native body to an Anthropic target)', async () => {
    await anthropic().messages.create({
      model: 'ga',
      max_tokens: 10,
      messages: [
        { role: 'user', content: 'look up bob' },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 't1', name: 'lookup', input: { who: 'bob@example.com' } }],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't1', content: 'phone 555-123-4567' },
            { type: 'text', text: 'thanks' },
          ],
        },
      ],
    });
    const sent = JSON.stringify(lastUpstream()['messages']);
    assert.match(sent, /"who":"\[EMAIL\]"/);
    assert.match(sent, /phone \[PHONE\]/);
    assert.doesNotMatch(sent, /bob@example\.com|555-123-4567/);
  });

  test('log: the answer is untouched, the usage row names guardrail and rule without content', async () => {
    const answer = await openai().chat.completions.create({
      model: 'g',
      messages: [{ role: 'user', content: 'this is Confidential' }],
    });
    assert.equal(answer.choices[0]?.message.content, 'ok');
    assert.match(JSON.stringify(lastUpstream()['messages']), /this is Confidential/);
    assert.equal((await gw.row(answer._request_id ?? null)).guardrails, 'in-log/keywords:log');
  });

  test('a catastrophic regex on its worst input answers at once', async () => {
    const start = Date.now();
    const res = await post('/v1/chat/completions', {
      model: 'redos',
      messages: [{ role: 'user', content: `${'a'.repeat(40_000)}!` }],
    });
    assert.equal(res.status, 200);
    assert.ok(Date.now() - start < 3000, `took ${Date.now() - start} ms`);
  });
});

describe('output guardrails', { skip }, () => {
  test('mask on a JSON answer, both SDKs', async () => {
    const o = await openai().chat.completions.create({
      model: 'g',
      messages: [{ role: 'user', content: `reply:your card ${CARD.replace(/ /g, '|')} is on file, mail x@y.io` }],
    });
    // The input mask saw no card in "4111|1111|...": the upstream answered it whole.
    assert.equal(o.choices[0]?.message.content, 'your card [CREDIT_CARD] is on file, mail [EMAIL]');
    const a = await anthropic().messages.create({
      model: 'ga',
      max_tokens: 10,
      messages: [{ role: 'user', content: `reply:card ${CARD.replace(/ /g, '|')}.` }],
    });
    const first = a.content[0];
    assert.equal(first?.type === 'text' ? first.text : undefined, 'card [CREDIT_CARD].');
    assert.match((await gw.row(o._request_id ?? null)).guardrails ?? '', /out-mask\/credit_card:mask/);
  });

  test('mask in a stream: a card split across two chunks is masked (OpenAI SDK)', async () => {
    const stream = await openai().chat.completions.create({
      model: 'g',
      stream: true,
      messages: [{ role: 'user', content: 'reply:card 4111 1111 |1111 1111 and more text after it' }],
    });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    assert.equal(text, 'card [CREDIT_CARD] and more text after it');
  });

  test('mask in a stream: a card split across two chunks is masked (Anthropic SDK)', async () => {
    const stream = anthropic().messages.stream({
      model: 'ga',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'reply:pay with 4111-1111-11|11-1111 today|, thanks' }],
    });
    let text = '';
    for await (const ev of stream)
      if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
    assert.equal(text, 'pay with [CREDIT_CARD] today, thanks');
    const final = await stream.finalMessage();
    assert.deepEqual(
      final.content.map((b) => (b.type === 'text' ? b.text : '')),
      ['pay with [CREDIT_CARD] today, thanks'],
    );
  });

  test('block on a JSON answer: 422, logged', async () => {
    const res = await post('/v1/chat/completions', {
      model: 'g',
      messages: [{ role: 'user', content: 'reply:a forbidden answer' }],
    });
    assert.equal(res.status, 422);
    assert.match(String((res.json['error'] as Obj)['message']), /guardrail out-block, rule keywords/);
    assert.doesNotMatch(JSON.stringify(res.json), /a forbidden answer/);
    const row = await gw.row(res.id);
    assert.equal(row.error_code, 'GW_ERR_GUARDRAIL_BLOCKED');
    assert.equal(row.guardrails, 'out-block/keywords:block');
  });

  test('block mid-stream: the text before goes out, the stream ends with the error event, the row says so (OpenAI SDK)', async () => {
    // Longer than the hold-back (129 characters here: out-log's regex holds 128 plus one).
    const lead = 'This part is fine and long enough to leave the hold-back window before the bad word. '.repeat(3);
    const { data: stream, request_id } = await openai()
      .chat.completions.create({
        model: 'g',
        stream: true,
        messages: [{ role: 'user', content: `reply:${lead}|then a forb|idden word|, and more` }],
      })
      .withResponse();
    let text = '';
    let id: string | null = null;
    const err = await (async () => {
      for await (const c of stream) {
        text += c.choices[0]?.delta.content ?? '';
        id = c.id;
      }
    })().catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.APIError, String(err));
    assert.match(err.message, /guardrail out-block, rule keywords/);
    assert.ok(text.length > 0 && `${lead}then a `.startsWith(text), text);
    assert.doesNotMatch(text, /forb/);
    assert.ok(id !== null);
    const row = await gw.row(request_id);
    assert.equal(row.status, 200);
    assert.equal(row.error_code, 'GW_ERR_GUARDRAIL_BLOCKED');
    assert.equal(row.guardrails, 'out-block/keywords:block');
  });

  test('block mid-stream ends an Anthropic stream with its error event (plain HTTP)', async () => {
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'ga',
        max_tokens: 10,
        stream: true,
        messages: [{ role: 'user', content: `reply:${'fine words '.repeat(10)}|forbidden|!` }],
      }),
    });
    assert.equal(res.status, 200);
    const body = await res.text();
    assert.match(
      body,
      /event: error\ndata: \{"type":"error","error":\{"type":"invalid_request_error","message":"[^"]*guardrail out-block, rule keywords/,
    );
    assert.doesNotMatch(body, /message_stop|forbidden/);
  });

  test('log on output: answer untouched, row names guardrail and rule', async () => {
    const { data: stream, request_id } = await openai()
      .chat.completions.create({
        model: 'g',
        stream: true,
        messages: [{ role: 'user', content: 'reply:the code is secret|42, keep it' }],
      })
      .withResponse();
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    assert.equal(text, 'the code is secret42, keep it');
    const row = await gw.row(request_id);
    assert.equal(row.guardrails, 'out-log/regex:log');
  });
});
