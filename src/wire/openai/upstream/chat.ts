// OpenAI-compatible chat and embeddings: gw speaks this dialect internally, so mapping is
// mostly pass-through plus the few fields gw controls (stream flags, usage in streams).
import type { CompiledProvider } from '../../../compile/routing-table.js';
import { isObject } from '../../../util/is-object.js';
import type { HttpRequestSpec, OpenAIObject, Parsed, UpstreamErrorInfo } from '../../../providers/types.js';

const JSON_HEADERS = Object.freeze({ 'content-type': 'application/json', accept: 'application/json' });
const SSE_HEADERS = Object.freeze({ 'content-type': 'application/json', accept: 'text/event-stream' });

export function buildChatRequest(provider: CompiledProvider, body: OpenAIObject, stream: boolean): HttpRequestSpec {
  // A copy, then its fields set (not a spread followed by new fields, nor a delete when there is
  // nothing to delete: both leave V8's fast path; bench/README.md, "Hot-path rules of thumb").
  const payload: OpenAIObject = Object.assign({}, body);
  if (stream) {
    // Ask for the usage-only final chunk so streamed tokens are counted; the core strips it
    // again when the caller did not ask for it.
    const opts = isObject(body.stream_options) ? body.stream_options : {};
    payload.stream = true;
    payload.stream_options = Object.assign({}, opts, { include_usage: true });
  } else {
    payload.stream = false;
    // Some servers reject stream_options without stream.
    if (payload.stream_options !== undefined) delete payload.stream_options;
  }
  return {
    method: 'POST',
    path: `${provider.basePath}/chat/completions`,
    headers: stream ? SSE_HEADERS : JSON_HEADERS,
    body: JSON.stringify(provider.options !== undefined ? withQuirks(provider, payload) : payload),
  };
}

/**
 * A preset's quirks: fields the vendor refuses are removed, fields it names otherwise renamed
 * (a value already under the vendor's name wins).
 */
function withQuirks(provider: CompiledProvider, payload: OpenAIObject): OpenAIObject {
  const { dropFields, renameFields } = provider.options ?? {};
  if (dropFields === undefined && renameFields === undefined) return payload;
  for (const field of dropFields ?? []) delete payload[field];
  for (const [from, to] of Object.entries(renameFields ?? {})) {
    if (!(from in payload)) continue;
    if (!(to in payload)) payload[to] = payload[from];
    delete payload[from];
  }
  return payload;
}

export function parseChatResponse(json: unknown): Parsed<OpenAIObject> {
  if (!isObject(json) || !Array.isArray(json.choices)) {
    return { ok: false, message: 'the upstream answer is not a chat.completion (no choices array)' };
  }
  return { ok: true, value: json };
}

export function buildEmbeddingsRequest(provider: CompiledProvider, body: OpenAIObject): HttpRequestSpec {
  return {
    method: 'POST',
    path: `${provider.basePath}/embeddings`,
    headers: JSON_HEADERS,
    body: JSON.stringify(body),
  };
}

export function parseEmbeddingsResponse(json: unknown): Parsed<OpenAIObject> {
  if (!isObject(json) || !Array.isArray(json.data)) {
    return { ok: false, message: 'the upstream answer is not an embeddings list (no data array)' };
  }
  return { ok: true, value: json };
}

const MAX_MESSAGE = 500;

/** Finds the message in the shapes OpenAI-compatible servers use: {error:{message}}, {error}, {message}, {detail}. */
export function parseError(status: number, bodyText: string): UpstreamErrorInfo {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    const text = bodyText.trim().slice(0, MAX_MESSAGE);
    return { message: text === '' ? `upstream answered HTTP ${status}` : text };
  }
  if (isObject(json)) {
    const err = json.error;
    if (isObject(err) && typeof err.message === 'string') {
      return {
        message: err.message,
        type: typeof err.type === 'string' ? err.type : undefined,
        code: typeof err.code === 'string' ? err.code : undefined,
      };
    }
    if (typeof err === 'string') return { message: err };
    if (typeof json.message === 'string') return { message: json.message };
    if (typeof json.detail === 'string') return { message: json.detail };
  }
  return { message: `upstream answered HTTP ${status}` };
}
