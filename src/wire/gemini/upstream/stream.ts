// streamGenerateContent?alt=sse -> OpenAI chat.completion.chunk objects. Each event is a whole
// GenerateContentResponse holding the next piece of the candidate; a function call arrives whole,
// as one tool_calls delta. usageMetadata is cumulative: the last one seen leaves as the
// usage-only chunk after the finishing chunk (the core strips it when the caller did not ask).
// Gemini sends no end marker: the event carrying finishReason ends the stream.
import type { SseEvent, StreamDecoder, StreamStep } from '../../../providers/types.js';
import { isObject, objects, str, type Obj } from '../../../util/json-readers.js';
import { completionId, finishReason, openaiUsage, parseError, partsOf, promptBlock } from './response.js';

const NOTHING: StreamStep = Object.freeze({ chunks: [], done: false });

export function createStreamDecoder(): StreamDecoder {
  let id: string | undefined;
  let model = '';
  const created = Math.floor(Date.now() / 1000);
  let usage: Obj | undefined;
  let started = false;
  let toolCount = 0;
  const chunk = (delta: Obj, finish: string | null = null): Obj => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });

  return (ev: SseEvent): StreamStep => {
    if (ev.data === '') return NOTHING;
    let json: unknown;
    try {
      json = JSON.parse(ev.data);
    } catch {
      return {
        chunks: [],
        done: false,
        error: { message: 'the upstream stream carried an event that is not JSON', protocol: true },
      };
    }
    if (!isObject(json))
      return {
        chunks: [],
        done: false,
        error: { message: 'the upstream stream carried an event that is not an object', protocol: true },
      };
    if (isObject(json.error)) return { chunks: [], done: false, error: parseError(500, ev.data) };
    const blocked = promptBlock(json);
    if (blocked !== undefined) return { chunks: [], done: false, error: { message: blocked, blocked: true } };
    id ??= completionId(json);
    model = str(json.modelVersion) ?? model;
    usage = openaiUsage(json.usageMetadata) ?? usage;
    const candidate = objects(json.candidates)[0];
    if (candidate === undefined) return NOTHING;
    const chunks: Obj[] = [];
    const { text, toolCalls } = partsOf(candidate, toolCount);
    toolCount += toolCalls.length;
    const delta: Obj = started ? {} : { role: 'assistant' };
    if (text !== '' || !started) delta.content = text;
    if (toolCalls.length > 0) delta.tool_calls = toolCalls;
    if (Object.keys(delta).length > 0) chunks.push(chunk(delta));
    started = true;
    const finish = finishReason(candidate.finishReason, toolCount > 0);
    if (finish === undefined) return { chunks, done: false };
    chunks.push(chunk({}, finish));
    chunks.push({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: usage ?? openaiUsage({}) });
    return { chunks, done: true };
  };
}
