// Golden wire fixtures (test/fixtures/wire/anthropic-out): Anthropic wire examples in the shapes
// of Anthropic's API reference, and the OpenAI objects gw turns them into (and back for requests).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { anthropicAdapter } from '../../src/wire/anthropic/upstream/index.js';
import { toAnthropicRequest } from '../../src/wire/anthropic/upstream/request.js';
import { createStreamDecoder } from '../../src/wire/anthropic/upstream/stream.js';
import { SseParser } from '../../src/upstream/sse-parse.js';

const DIR = new URL('../fixtures/wire/anthropic-out/', import.meta.url);
type Obj = Record<string, unknown>;

const text = (name: string): Promise<string> => readFile(new URL(name, DIR), 'utf8');
const json = async (name: string): Promise<unknown> => JSON.parse(await text(name)) as unknown;

/** `created` is the clock at translation time: checked for type, then pinned. */
function pinCreated(o: Obj): Obj {
  assert.equal(typeof o.created, 'number');
  return { ...o, created: 1700000000 };
}

describe('anthropic golden wire fixtures', () => {
  for (const name of ['request-full', 'request-minimal', 'request-structured', 'request-json-object']) {
    test(`${name}: OpenAI request -> Anthropic Messages request`, async () => {
      const body = (await json(`${name}.openai.json`)) as Obj;
      assert.deepEqual(toAnthropicRequest(body, body.stream === true), await json(`${name}.anthropic.json`));
    });
  }

  for (const name of ['response-text', 'response-tool-use', 'response-max-tokens', 'response-structured']) {
    test(`${name}: Anthropic message -> chat.completion`, async () => {
      const parsed = anthropicAdapter.parseChatResponse(await json(`${name}.anthropic.json`));
      assert.ok(parsed.ok);
      assert.deepEqual(pinCreated(parsed.value), await json(`${name}.openai.json`));
    });
  }

  for (const name of ['stream-text', 'stream-tool-use', 'stream-error', 'stream-structured']) {
    test(`${name}: Anthropic SSE transcript -> chat.completion.chunk objects`, async () => {
      const raw = await text(`${name}.sse`);
      const decode = createStreamDecoder();
      const parser = new SseParser();
      const out: unknown[] = [];
      // Fed in 7-byte pieces: events split anywhere still decode the same.
      const bytes = Buffer.from(raw, 'utf8');
      const events = [];
      for (let i = 0; i < bytes.length; i += 7) events.push(...parser.push(bytes.subarray(i, i + 7)));
      events.push(...parser.end());
      for (const ev of events) {
        const step = decode(ev);
        for (const c of step.chunks) out.push(pinCreated(c));
        if (step.error !== undefined) out.push({ error: step.error });
        if (step.done) out.push('[DONE]');
      }
      assert.deepEqual(out, await json(`${name}.openai.json`));
    });
  }

  test('error-overloaded: the 529 body reads as overloaded_error with its message', async () => {
    const f = (await json('error-overloaded.json')) as { status: number; body: string; expected: Obj };
    assert.deepEqual({ ...anthropicAdapter.parseError(f.status, f.body) }, f.expected);
  });
});
