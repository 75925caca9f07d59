// `type: gemini`: the Gemini API (generativelanguage.googleapis.com). baseUrl is the API root
// with its version, e.g. https://generativelanguage.googleapis.com/v1beta; the key goes in the
// x-goog-api-key header (the provider's auth block). POST {baseUrl}/models/{model}:generateContent,
// and :streamGenerateContent?alt=sse for streams; GET {baseUrl}/models lists the models.
import type { CompiledProvider } from '../../../compile/routing-table.js';
import type { HttpAdapter, HttpRequestSpec, OpenAIObject, Parsed } from '../../../providers/types.js';
import { isObject, objects, str } from '../../../util/json-readers.js';
import { toGeminiRequest } from './request.js';
import { parseChatResponse, parseError } from './response.js';
import { createStreamDecoder } from './stream.js';

const JSON_HEADERS = Object.freeze({ 'content-type': 'application/json', accept: 'application/json' });
const SSE_HEADERS = Object.freeze({ 'content-type': 'application/json', accept: 'text/event-stream' });

/** The generateContent request on `modelPath` (the path of the model, without the method). */
export function generateContentSpec(modelPath: string, body: OpenAIObject, stream: boolean): HttpRequestSpec {
  return {
    method: 'POST',
    path: stream ? `${modelPath}:streamGenerateContent?alt=sse` : `${modelPath}:generateContent`,
    headers: stream ? SSE_HEADERS : JSON_HEADERS,
    body: JSON.stringify(toGeminiRequest(body)),
  };
}

/**
 * A model id as a path segment: escaped, except '@', which Vertex's versioned ids carry
 * (claude-sonnet-4@20250514) and which a path may hold as is (RFC 3986 pchar).
 */
export function modelSegment(model: unknown): string {
  return encodeURIComponent(typeof model === 'string' ? model : '').replace(/%40/g, '@');
}

export function modelName(body: OpenAIObject): string {
  return modelSegment(body.model);
}

/** {"models": [{"name": "models/gemini-2.0-flash", ...}]}: the ids without their models/ prefix. */
function parseModels(json: unknown): Parsed<string[]> {
  if (!isObject(json) || !Array.isArray(json.models))
    return { ok: false, message: 'the answer is not a Gemini model list ({"models": [{"name": …}]})' };
  const ids = objects(json.models)
    .map((m) => str(m.name))
    .filter((n): n is string => n !== undefined)
    .map((n) => n.replace(/^models\//, ''));
  return { ok: true, value: ids };
}

export const geminiAdapter: HttpAdapter = Object.freeze({
  kind: 'http',
  type: 'gemini',
  capabilities: Object.freeze({ chat: true, embeddings: false, streaming: true }),
  buildChatRequest: (provider: CompiledProvider, body: OpenAIObject, stream: boolean) =>
    generateContentSpec(`${provider.basePath}/models/${modelName(body)}`, body, stream),
  parseChatResponse,
  createStreamDecoder,
  parseError,
  buildModelsRequest: (provider: CompiledProvider): HttpRequestSpec => ({
    method: 'GET',
    path: `${provider.basePath}/models?pageSize=1000`,
    headers: { accept: 'application/json' },
    body: undefined,
  }),
  parseModels,
});
