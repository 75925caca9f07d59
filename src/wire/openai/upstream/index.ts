// `type: openai`: any OpenAI-compatible server (OpenAI, vLLM, SGLang, Ollama, Together, Groq…).
import type { HttpAdapter } from '../../../providers/types.js';
import {
  buildChatRequest,
  buildEmbeddingsRequest,
  parseChatResponse,
  parseEmbeddingsResponse,
  parseError,
} from './chat.js';
import { buildModelsRequest, parseModels } from './models.js';
import { createStreamDecoder } from './stream.js';

export const openaiAdapter: HttpAdapter = Object.freeze({
  kind: 'http',
  type: 'openai',
  capabilities: Object.freeze({ chat: true, embeddings: true, streaming: true }),
  buildChatRequest,
  parseChatResponse,
  createStreamDecoder,
  buildEmbeddingsRequest,
  parseEmbeddingsResponse,
  parseError,
  buildModelsRequest,
  parseModels,
});
