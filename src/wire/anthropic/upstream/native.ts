// Passthrough for callers that speak Anthropic themselves: the answer stays an Anthropic
// message, the stream stays Anthropic event objects. The core asks this codec only what it
// needs for its own policy: is the message well formed, where does content start, usage.
import type { NativeCodec, Parsed, SseEvent, StreamDecoder, StreamStep, TokenUsage } from '../../../providers/types.js';
import { isObject, str, type Obj } from '../../../util/json-readers.js';
import { errorInfo, isMessage } from './response.js';
import { eventObject } from './stream.js';
import { mergeUsage, rawOf, tokenUsage } from './usage.js';

const NOTHING: StreamStep = Object.freeze({ chunks: [], done: false });
const DONE: StreamStep = Object.freeze({ chunks: [], done: true });

function parseChatResponse(json: unknown): Parsed<Obj> {
  if (!isMessage(json))
    return { ok: false, message: 'the upstream answer is not an Anthropic message (no type "message" with content)' };
  return { ok: true, value: json };
}

function createStreamDecoder(): StreamDecoder {
  return (ev: SseEvent): StreamStep => {
    if (ev.data === '') return NOTHING;
    if (ev.data === '[DONE]') return DONE; // a compatible server's end marker instead of message_stop
    const parsed = eventObject(ev);
    if (!parsed.ok) return { chunks: [], done: false, error: { message: parsed.message, protocol: true } };
    const e = parsed.value;
    if (e.type === 'error')
      return { chunks: [], done: false, error: errorInfo(e) ?? { message: 'the upstream stream reported an error' } };
    // Its own text goes with it when the object is that text as parsed, on one line (StreamStep.raw).
    const raw = parsed.typeFilled === true || ev.data.includes('\n') ? undefined : ev.data;
    return { chunks: [e], done: e.type === 'message_stop', raw };
  };
}

/** Everything from the first delta on is content; so is a block start other than empty text (tool_use). */
function isContentEvent(e: Obj): boolean {
  switch (e.type) {
    case 'content_block_delta':
    case 'content_block_stop':
    case 'message_delta':
    case 'message_stop':
      return true;
    case 'content_block_start': {
      const block = isObject(e.content_block) ? e.content_block : {};
      return block.type !== 'text' || (str(block.text) ?? '') !== '';
    }
    default:
      return false;
  }
}

/** A message carries usage; of the stream events, message_start and message_delta do. */
function usage(obj: Obj, prev: TokenUsage | undefined): TokenUsage | undefined {
  let raw: unknown;
  if (obj.type === 'message') raw = obj.usage;
  else if (obj.type === 'message_start' && isObject(obj.message)) raw = obj.message.usage;
  else if (obj.type === 'message_delta') raw = obj.usage;
  if (!isObject(raw)) return prev;
  return tokenUsage(mergeUsage(rawOf(prev), raw));
}

export const anthropicNative: NativeCodec = Object.freeze({
  parseChatResponse,
  createStreamDecoder,
  isContentEvent,
  usage,
});
