// Deterministic content of the built-in mock: the reply text, OpenAI objects around it, and
// token counts from the project's one estimator (util/estimate-tokens.ts).
import { isObject } from '../../util/is-object.js';
import { contentText, openaiCodec } from '../../wire/openai/codec.js';
import { estimateTokens, tokensOfChars } from '../../util/estimate-tokens.js';
import type { OpenAIObject } from '../types.js';

/** The text of a message's content (a string, or its text parts joined), read by the OpenAI codec. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  const out: string[] = [];
  contentText(content, out);
  return out.join('');
}

/** {{input}} is the last user message. */
export function renderReply(template: string, body: OpenAIObject): string {
  const messages = openaiCodec.readMessages(body) ?? [];
  let input = '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (isObject(m) && m['role'] === 'user') {
      input = textOf(m['content']);
      break;
    }
  }
  return template.split('{{input}}').join(input);
}

export function usageFor(body: OpenAIObject, reply: string): OpenAIObject {
  const prompt = estimateTokens(openaiCodec.requestText(body));
  const completion = estimateTokens(reply);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

let seq = 0;
function nextId(): string {
  seq = (seq + 1) % 1_000_000_000;
  return `chatcmpl-mock-${seq}`;
}

export function completion(body: OpenAIObject, reply: string): OpenAIObject {
  return {
    id: nextId(),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [{ index: 0, message: { role: 'assistant', content: reply }, logprobs: null, finish_reason: 'stop' }],
    usage: usageFor(body, reply),
  };
}

/** Role preamble, content in chunkSize characters (code points, never half a surrogate pair), finish, usage. */
export function* completionChunks(body: OpenAIObject, reply: string, chunkSize: number): Generator<OpenAIObject> {
  const id = nextId();
  const created = Math.floor(Date.now() / 1000);
  const base = { id, object: 'chat.completion.chunk', created, model: body.model };
  const chunk = (delta: OpenAIObject, finish: string | null): OpenAIObject => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  yield chunk({ role: 'assistant', content: '' }, null);
  const chars = Array.from(reply);
  const size = Math.max(1, chunkSize);
  for (let i = 0; i < chars.length; i += size) yield chunk({ content: chars.slice(i, i + size).join('') }, null);
  yield chunk({}, 'stop');
  yield { ...base, choices: [], usage: usageFor(body, reply) };
}

/** A small deterministic unit vector per input string (FNV-1a seeded per dimension). */
export function embeddings(body: OpenAIObject): OpenAIObject {
  const raw = body.input;
  const inputs = Array.isArray(raw)
    ? raw.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)))
    : [String(raw ?? '')];
  const dims = 8;
  let chars = 0;
  const data = inputs.map((text, index) => {
    chars += text.length;
    const v: number[] = [];
    for (let d = 0; d < dims; d++) {
      let h = 0x811c9dc5 ^ d;
      for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
      v.push(((h >>> 0) / 0xffffffff) * 2 - 1);
    }
    const norm = Math.hypot(...v) || 1;
    return { object: 'embedding', index, embedding: v.map((x) => x / norm) };
  });
  const tokens = tokensOfChars(chars);
  return { object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}
