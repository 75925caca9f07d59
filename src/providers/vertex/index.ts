// `type: vertex` (Gemini models on Vertex AI) and `type: vertex-anthropic` (Claude models on
// Vertex AI). baseUrl is the location's API root,
// https://LOCATION-aiplatform.googleapis.com/v1/projects/PROJECT/locations/LOCATION; every
// request carries an OAuth access token from the provider's service-account key or from
// Application Default Credentials (google-auth.ts).
// - vertex: the Gemini wire format on publishers/google/models/{model}:generateContent
//   (:streamGenerateContent?alt=sse for streams).
// - vertex-anthropic: the Anthropic Messages format on
//   publishers/anthropic/models/{model}:rawPredict (:streamRawPredict), with the model in the
//   path and anthropic_version in the body instead of the header. Anthropic callers are passed
//   through as with type anthropic.
import type { CompiledProvider } from '../../compile/routing-table.js';
import { anthropicAdapter } from '../../wire/anthropic/upstream/index.js';
import { toAnthropicRequest } from '../../wire/anthropic/upstream/request.js';
import { geminiAdapter, generateContentSpec, modelName, modelSegment } from '../../wire/gemini/upstream/index.js';
import type { AuthorizableRequest, HttpAdapter, HttpRequestSpec, OpenAIObject, Parsed } from '../types.js';
import { accessToken } from './google-auth.js';

/** The anthropic_version Vertex AI requires in the body of Claude requests. */
export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

async function authorize(
  provider: CompiledProvider,
  _request: AuthorizableRequest,
  signal: AbortSignal,
): Promise<Readonly<Record<string, string>>> {
  return { authorization: `Bearer ${await accessToken(provider.options?.googleCredentials, signal)}` };
}

/**
 * Model Garden's list of Google's models (GET /v1beta1/publishers/google/models on the same
 * host): proves the token and the host; the project's own models are not listed.
 */
function publisherModelsRequest(_provider: CompiledProvider): HttpRequestSpec {
  return {
    method: 'GET',
    path: '/v1beta1/publishers/google/models',
    headers: { accept: 'application/json' },
    body: undefined,
  };
}

function parsePublisherModels(json: unknown): Parsed<string[]> {
  const list =
    typeof json === 'object' && json !== null ? (json as { publisherModels?: unknown }).publisherModels : undefined;
  if (!Array.isArray(list))
    return { ok: false, message: 'the answer is not a publisher model list ({"publisherModels": […]})' };
  const ids: string[] = [];
  for (const m of list) {
    const name = typeof m === 'object' && m !== null ? (m as { name?: unknown }).name : undefined;
    if (typeof name === 'string') ids.push(name.replace(/^publishers\/[^/]+\/models\//, ''));
  }
  return { ok: true, value: ids };
}

export const vertexAdapter: HttpAdapter = Object.freeze({
  ...geminiAdapter,
  type: 'vertex',
  buildChatRequest: (provider: CompiledProvider, body: OpenAIObject, stream: boolean) =>
    generateContentSpec(`${provider.basePath}/publishers/google/models/${modelName(body)}`, body, stream),
  authorize,
  buildModelsRequest: publisherModelsRequest,
  parseModels: parsePublisherModels,
});

const ANTHROPIC_JSON = Object.freeze({ 'content-type': 'application/json', accept: 'application/json' });
const ANTHROPIC_SSE = Object.freeze({ 'content-type': 'application/json', accept: 'text/event-stream' });

/** An Anthropic Messages body sent to rawPredict: model into the path, anthropic_version into the body. */
function rawPredict(provider: CompiledProvider, payload: Record<string, unknown>, stream: boolean): HttpRequestSpec {
  const { model, ...rest } = payload;
  const name = modelSegment(model);
  return {
    method: 'POST',
    path: `${provider.basePath}/publishers/anthropic/models/${name}:${stream ? 'streamRawPredict' : 'rawPredict'}`,
    headers: stream ? ANTHROPIC_SSE : ANTHROPIC_JSON,
    body: JSON.stringify({ anthropic_version: VERTEX_ANTHROPIC_VERSION, ...rest }),
  };
}

// The model list of the anthropic adapter is Anthropic's own API: Vertex has none for Claude, so
// `gw test-connection` checks the token and host with the Google list without matching models.
const { buildModelsRequest: _models, parseModels: _parse, ...anthropicWire } = anthropicAdapter;

export const vertexAnthropicAdapter: HttpAdapter = Object.freeze({
  ...anthropicWire,
  type: 'vertex-anthropic',
  buildChatRequest: (provider: CompiledProvider, body: OpenAIObject, stream: boolean) =>
    rawPredict(provider, toAnthropicRequest(body, stream), stream),
  buildNativeChatRequest: (provider: CompiledProvider, body: Record<string, unknown>, stream: boolean) => {
    const payload: Record<string, unknown> = { ...body };
    if (stream) payload.stream = true;
    else delete payload.stream;
    return rawPredict(provider, payload, stream);
  },
  authorize,
  buildModelsRequest: publisherModelsRequest,
});
