// The Anthropic dialect (POST /v1/messages): Anthropic bodies in, Anthropic answers out. A body
// is read into the hub shape for OpenAI-type targets and also kept as it came (native) for
// Anthropic targets; answers are translated when the outcome is OpenAI-shaped and written as
// they are (with the caller's model name) when it already is Anthropic.
import type { ChatRequest, Dialect, NativeRequest, ReplyInfo, StreamWriter, WireDialect } from '../../dialect.js';
import { countTokens } from './count-tokens.js';
import { anthropicError, anthropicStreamError } from './errors.js';
import { toOpenAIRequest } from './request.js';
import { toAnthropicMessage } from './response.js';
import { createChunkTranslator } from './stream.js';
import { validateMessagesBody } from '../validate.js';

type Obj = Record<string, unknown>;

const frame = (e: Obj): string => `event: ${String(e['type'])}\ndata: ${JSON.stringify(e)}\n\n`;
const frames = (events: readonly Obj[]): string => events.map(frame).join('');

/** Used when the upstream gave no id of its own. */
const messageId = (requestId: string): string => `msg_${requestId.replace(/[^\w]/g, '')}`;

/** A passthrough event with the caller's model name in message_start. */
function renamed(e: Obj, model: string): Obj {
  if (e['type'] !== 'message_start' || typeof e['message'] !== 'object' || e['message'] === null) return e;
  return { ...e, message: { ...(e['message'] as Obj), model } };
}

function translatingWriter(info: ReplyInfo): StreamWriter {
  const t = createChunkTranslator(info.model, messageId(info.requestId), info.inputTokens?.() ?? 0);
  return { event: (chunk) => frames(t.chunk(chunk)), end: () => frames(t.end()) };
}

function nativeWriter(info: ReplyInfo): StreamWriter {
  return {
    event: (e) => frame(renamed(e, info.model)),
    // The upstream's own text, but for message_start, which carries the caller's model name.
    raw: (data, e) =>
      e['type'] === 'message_start' ? frame(renamed(e, info.model)) : `event: ${String(e['type'])}\ndata: ${data}\n\n`,
    end: () => '',
  };
}

export const anthropicDialect: Dialect = {
  name: 'anthropic',
  error: anthropicError,
  streamError: anthropicStreamError,
  // Anthropic's GET /v1/models shape; not routed in this version (the OpenAI listing serves both).
  modelList(names: readonly string[], created: number): unknown {
    const at = new Date(created * 1000).toISOString();
    const data = names.map((id) => ({ type: 'model', id, display_name: id, created_at: at }));
    return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  },
  chatRequest(body: Obj, purpose: 'chat' | 'count'): ChatRequest {
    validateMessagesBody(body, purpose === 'chat');
    const native: NativeRequest = { dialect: 'anthropic', body };
    return { body: toOpenAIRequest(body), native };
  },
  reply(json: Obj, from: WireDialect, info: ReplyInfo): unknown {
    if (from === 'anthropic') return { ...json, model: info.model };
    return toAnthropicMessage(json, info.model, messageId(info.requestId));
  },
  streamWriter(from: WireDialect, info: ReplyInfo): StreamWriter {
    return from === 'anthropic' ? nativeWriter(info) : translatingWriter(info);
  },
  countTokens,
};
