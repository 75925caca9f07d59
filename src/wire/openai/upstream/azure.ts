// `type: azure-openai`: Azure OpenAI speaks OpenAI's wire format on its own URL scheme:
// {endpoint}/openai/deployments/{deployment}/chat/completions?api-version=…, with the key in an
// `api-key` header or an Entra ID token as a bearer (both set by the provider's auth block).
import type { CompiledProvider } from '../../../compile/routing-table.js';
import type {
  HttpAdapter,
  HttpRequestSpec,
  OpenAIObject,
  SseEvent,
  StreamDecoder,
  StreamStep,
  UpstreamErrorInfo,
} from '../../../providers/types.js';
import { parseModelList } from '../../model-list.js';
import {
  buildChatRequest,
  buildEmbeddingsRequest,
  parseChatResponse,
  parseEmbeddingsResponse,
  parseError,
} from './chat.js';
import { createStreamDecoder } from './stream.js';

/** The deployment a model is served by: the provider's mapping, else the model name itself. */
function deployment(provider: CompiledProvider, body: OpenAIObject): string {
  const model = typeof body.model === 'string' ? body.model : '';
  return encodeURIComponent(provider.options?.deployments?.get(model) ?? model);
}

function query(provider: CompiledProvider): string {
  return `api-version=${encodeURIComponent(provider.options?.apiVersion ?? '')}`;
}

/** The OpenAI request moved onto the deployment's path; Azure ignores `model` in the body. */
function onDeployment(
  provider: CompiledProvider,
  body: OpenAIObject,
  spec: HttpRequestSpec,
  op: string,
): HttpRequestSpec {
  const path = `${provider.basePath}/openai/deployments/${deployment(provider, body)}/${op}?${query(provider)}`;
  return { ...spec, path };
}

/**
 * Azure's content filter answers 400 with error.code `content_filter` (innererror
 * ResponsibleAIPolicyViolation) when it refuses a prompt; filtered output arrives as a normal
 * answer with finish_reason content_filter.
 */
function parseAzureError(status: number, bodyText: string): UpstreamErrorInfo {
  const info = parseError(status, bodyText);
  if (info.code === 'content_filter' || /ResponsibleAIPolicyViolation/.test(bodyText)) {
    return { ...info, code: 'content_filter', blocked: true };
  }
  return info;
}

/**
 * Azure's streams open with a chunk of prompt_filter_results and no choices (and may send more
 * filter-only chunks): they carry nothing for the caller and are left out.
 */
function createAzureStreamDecoder(): StreamDecoder {
  const decode = createStreamDecoder();
  return (ev: SseEvent): StreamStep => {
    const step = decode(ev);
    if (!step.chunks.some(filterOnly)) return step;
    return { ...step, chunks: step.chunks.filter((c) => !filterOnly(c)) };
  };
}

function filterOnly(chunk: OpenAIObject): boolean {
  return Array.isArray(chunk.choices) && chunk.choices.length === 0 && chunk.usage == null;
}

/** GET /openai/models: the models the resource can deploy ({data: [{id}]}). */
function buildModelsRequest(provider: CompiledProvider): HttpRequestSpec {
  return {
    method: 'GET',
    path: `${provider.basePath}/openai/models?${query(provider)}`,
    headers: { accept: 'application/json' },
    body: undefined,
  };
}

export const azureOpenAIAdapter: HttpAdapter = Object.freeze({
  kind: 'http',
  type: 'azure-openai',
  capabilities: Object.freeze({ chat: true, embeddings: true, streaming: true }),
  buildChatRequest: (provider: CompiledProvider, body: OpenAIObject, stream: boolean) =>
    onDeployment(provider, body, buildChatRequest(provider, body, stream), 'chat/completions'),
  parseChatResponse,
  createStreamDecoder: createAzureStreamDecoder,
  buildEmbeddingsRequest: (provider: CompiledProvider, body: OpenAIObject) =>
    onDeployment(provider, body, buildEmbeddingsRequest(provider, body), 'embeddings'),
  parseEmbeddingsResponse,
  parseError: parseAzureError,
  buildModelsRequest,
  parseModels: parseModelList,
});
