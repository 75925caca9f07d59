// Anthropic SSE events -> OpenAI chat.completion.chunk objects. The message id and model come
// with message_start; each tool_use block gets the next OpenAI tool_calls index, and its
// input_json_delta pieces become argument deltas at that index. Usage arrives in message_start
// and message_delta and leaves as the usage-only chunk at message_stop (the core strips it when
// the caller did not ask). The answer tool of a structured-output request streams as content. ping and unknown events are skipped; `error` is an in-band error.
import type { Parsed, SseEvent, StreamDecoder, StreamStep } from '../../../providers/types.js';
import { isObject, num, str, type Obj } from '../../../util/json-readers.js';
import { answerFinish, errorInfo, toolCall } from './response.js';
import { ANSWER_TOOL } from './structured.js';
import { mergeUsage, NO_USAGE, openaiUsage, type RawUsage } from './usage.js';

const NOTHING: StreamStep = Object.freeze({ chunks: [], done: false });

/**
 * The event's JSON object; the SSE event name stands in for a missing `type` (typeFilled: the
 * object is then no longer what its data text says).
 */
export function eventObject(ev: SseEvent): Parsed<Obj> & { readonly typeFilled?: boolean } {
  let json: unknown;
  try {
    json = JSON.parse(ev.data);
  } catch {
    return { ok: false, message: 'the upstream stream carried an event that is not JSON' };
  }
  if (!isObject(json)) return { ok: false, message: 'the upstream stream carried an event that is not an object' };
  if (typeof json.type === 'string') return { ok: true, value: json };
  json.type = ev.event;
  return { ok: true, value: json, typeFilled: true };
}

export function createStreamDecoder(): StreamDecoder {
  let id: unknown = '';
  let model: unknown = '';
  const created = Math.floor(Date.now() / 1000);
  let usage: RawUsage = NO_USAGE;
  const toolIndex = new Map<number, number>(); // content block index -> tool_calls index
  let answerBlock: number | undefined; // content block index of the structured answer
  const step = (delta: Obj, finish: string | null = null): StreamStep => ({
    chunks: [
      { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] },
    ],
    done: false,
  });
  /** The usage-only chunk that ends the stream. */
  const end = (): StreamStep => ({
    chunks: [{ id, object: 'chat.completion.chunk', created, model, choices: [], usage: openaiUsage(usage) }],
    done: true,
  });

  const blockStart = (obj: Obj): StreamStep => {
    const block = isObject(obj.content_block) ? obj.content_block : {};
    if (block.type === 'text') {
      const text = str(block.text) ?? '';
      return text === '' ? NOTHING : step({ content: text });
    }
    if (block.type !== 'tool_use') return NOTHING; // thinking and server tools: no OpenAI counterpart
    if (block.name === ANSWER_TOOL) {
      answerBlock = num(obj.index) ?? -1;
      const input = isObject(block.input) && Object.keys(block.input).length > 0 ? JSON.stringify(block.input) : '';
      return input === '' ? NOTHING : step({ content: input });
    }
    const index = toolIndex.size;
    toolIndex.set(num(obj.index) ?? -1, index);
    const call = toolCall(block, index);
    // Streamed tool input starts as {} and arrives in deltas: the first chunk carries no arguments.
    if (!isObject(block.input) || Object.keys(block.input).length === 0) (call.function as Obj).arguments = '';
    return step({ tool_calls: [call] });
  };

  const blockDelta = (obj: Obj): StreamStep => {
    const delta = isObject(obj.delta) ? obj.delta : {};
    if (delta.type === 'text_delta') {
      const text = str(delta.text) ?? '';
      return text === '' ? NOTHING : step({ content: text });
    }
    if (delta.type === 'input_json_delta' && answerBlock !== undefined && answerBlock === (num(obj.index) ?? -1)) {
      const part = str(delta.partial_json) ?? '';
      return part === '' ? NOTHING : step({ content: part });
    }
    if (delta.type === 'input_json_delta') {
      const index = toolIndex.get(num(obj.index) ?? -1);
      const part = str(delta.partial_json) ?? '';
      if (index === undefined || part === '') return NOTHING;
      return step({ tool_calls: [{ index, function: { arguments: part } }] });
    }
    return NOTHING; // thinking, signature and citation deltas
  };

  return (ev: SseEvent): StreamStep => {
    if (ev.data === '') return NOTHING;
    // Some Anthropic-compatible servers end with OpenAI's marker instead of message_stop.
    if (ev.data === '[DONE]') return end();
    const parsed = eventObject(ev);
    if (!parsed.ok) return { chunks: [], done: false, error: { message: parsed.message, protocol: true } };
    const e = parsed.value;
    switch (e.type) {
      case 'message_start': {
        const msg = isObject(e.message) ? e.message : {};
        id = msg.id ?? id;
        model = msg.model ?? model;
        usage = mergeUsage(usage, msg.usage);
        return step({ role: 'assistant', content: '' });
      }
      case 'content_block_start':
        return blockStart(e);
      case 'content_block_delta':
        return blockDelta(e);
      case 'message_delta': {
        usage = mergeUsage(usage, e.usage);
        const reason = isObject(e.delta) ? e.delta.stop_reason : undefined;
        const finish = answerFinish(reason, answerBlock !== undefined, toolIndex.size);
        return finish === null ? NOTHING : step({}, finish);
      }
      case 'message_stop':
        return end();
      case 'error':
        return { chunks: [], done: false, error: errorInfo(e) ?? { message: 'the upstream stream reported an error' } };
      default: // ping, content_block_stop, events added later
        return NOTHING;
    }
  };
}
