// The simple API (POST /api/{workspace}/{endpoint}): a body of `message`, `messages` or
// `input`, read into the hub (OpenAI) request; answers in one envelope, `{"ok": true, "content",
// "meta"}` or `{"ok": false, "error": {"code", "message"}}` with the status of the error table.
// Streams are server-sent events: `event: delta` with `{"content"}` per piece of text, then
// `event: done` with `{"ok": true, "meta"}`, or `event: error` with the error envelope when the
// stream broke.
import { GwError } from '../../errors.js';
import { isObject } from '../../util/is-object.js';
import { codecFor } from '../index.js';
import { validateChatBody } from '../openai/validate.js';
import type { ChatRequest, Dialect, ErrorAnswer, ReplyInfo, StreamWriter, WireDialect } from '../dialect.js';
import type { Obj } from '../types.js';

/** What the caller may send besides the conversation. */
const FIELDS = new Set(['message', 'messages', 'input', 'session_id', 'stream', 'model']);

/** What a simple-API body says, besides the hub request. */
export interface SimpleRequest extends ChatRequest {
  /** The `input` object, when the caller sent one (rendered into prompt.template). */
  readonly input: Obj | undefined;
  readonly sessionId: unknown;
}

export interface SimpleMeta {
  readonly session_id: string | null;
  readonly model: string | null;
  readonly provider: string | null;
  readonly usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  readonly request_id: string;
}

function bad(message: string): GwError {
  return new GwError('GW_ERR_BAD_REQUEST', message);
}

/** Reads a simple-API body into the hub shape; 400 naming the field otherwise. */
export function readSimpleBody(body: Obj): SimpleRequest {
  for (const k of Object.keys(body)) {
    if (!FIELDS.has(k))
      throw bad(`unknown field '${k.slice(0, 64)}'; send message, messages or input (and session_id, stream)`);
  }
  const given = ['message', 'messages', 'input'].filter((k) => body[k] !== undefined);
  if (given.length !== 1) {
    throw bad(
      given.length === 0
        ? 'send one of message (text), messages (a list) or input (an object)'
        : `send only one of message, messages or input, not ${given.join(' and ')}`,
    );
  }
  let messages: unknown;
  let input: Obj | undefined;
  if (body['message'] !== undefined) {
    if (typeof body['message'] !== 'string') throw bad('message must be a string');
    messages = [{ role: 'user', content: body['message'] }];
  } else if (body['messages'] !== undefined) {
    if (!Array.isArray(body['messages']) || body['messages'].length === 0)
      throw bad('messages must be a non-empty list');
    messages = body['messages'];
  } else {
    if (!isObject(body['input'])) throw bad('input must be an object');
    input = body['input'];
    // The transform stage puts the rendered template here.
    messages = [{ role: 'user', content: JSON.stringify(input) }];
  }
  if (body['stream'] !== undefined && typeof body['stream'] !== 'boolean') throw bad('stream must be true or false');
  const hub: Obj = { model: body['model'], messages, stream: body['stream'] === true };
  if (typeof hub['model'] !== 'string') throw bad('model must be a string');
  validateChatBody(hub);
  return { body: hub, input, sessionId: body['session_id'] };
}

function envelope(err: GwError): { ok: false; error: { code: string; message: string } } {
  return { ok: false, error: { code: err.code, message: err.message } };
}

const sse = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** The answer envelope of a JSON answer in the shape `from`. */
export function simpleReply(json: Obj, from: WireDialect, meta: SimpleMeta): unknown {
  return { ok: true, content: codecFor(from).answerText(json), meta };
}

/** A stream in the shape `from` as simple-API events; `meta` is read at the clean end (usage is known then). */
export function simpleStreamWriter(from: WireDialect, meta: () => SimpleMeta): StreamWriter {
  const codec = codecFor(from);
  return {
    event(data) {
      const content = codec.eventText(data);
      return content === '' ? '' : sse('delta', { content });
    },
    end: () => sse('done', { ok: true, meta: meta() }),
  };
}

function bareMeta(info: ReplyInfo): SimpleMeta {
  return { session_id: null, model: info.model, provider: null, usage: null, request_id: info.requestId };
}

export const simpleDialect: Dialect = {
  name: 'simple',
  error(err: GwError): ErrorAnswer {
    const headers: Record<string, string> = {};
    const retryAfter = err.details?.['retryAfterSec'];
    if (typeof retryAfter === 'number') headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfter)));
    return { status: err.status, headers, body: envelope(err) };
  },
  streamError: (err) => sse('error', envelope(err)),
  modelList: (names) => ({ ok: true, models: names }),
  chatRequest(body: Obj): ChatRequest {
    return readSimpleBody(body);
  },
  // The simple respond stage (serve/stages/simple.ts) writes the full meta; these are the bare forms.
  reply: (json, from, info) => simpleReply(json, from, bareMeta(info)),
  streamWriter: (from, info) => simpleStreamWriter(from, () => bareMeta(info)),
};
