// `type: anthropic`: the Anthropic Messages API (POST {baseUrl}/messages) or a compatible
// server. Auth comes from the provider's headers (x-api-key or bearer, as configured); the
// adapter adds anthropic-version. Callers that speak Anthropic are passed through untranslated.
import type { HttpAdapter } from '../../../providers/types.js';
import { buildModelsRequest, parseModels } from './models.js';
import { anthropicNative } from './native.js';
import { buildChatRequest, buildNativeChatRequest } from './request.js';
import { parseChatResponse, parseError } from './response.js';
import { createStreamDecoder } from './stream.js';

export const anthropicAdapter: HttpAdapter = Object.freeze({
  kind: 'http',
  type: 'anthropic',
  dialect: 'anthropic',
  capabilities: Object.freeze({ chat: true, embeddings: false, streaming: true }),
  buildChatRequest,
  parseChatResponse,
  createStreamDecoder,
  parseError,
  buildNativeChatRequest,
  native: anthropicNative,
  buildModelsRequest,
  parseModels,
});
