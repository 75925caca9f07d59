// `type: bedrock`: AWS Bedrock's Converse and ConverseStream APIs
// (POST {baseUrl}/model/{modelId}/converse[-stream]), baseUrl defaulting to the region's
// bedrock-runtime endpoint. Requests are SigV4-signed per try (sign.ts); streams arrive in AWS's
// binary event-stream framing (framing.ts), not SSE. Bedrock speaks neither caller dialect:
// both are translated through the OpenAI-shaped hub. The model list lives on another host
// (the control plane), so `gw test-connection` checks a bedrock provider with `--chat`.
import type { HttpAdapter } from '../types.js';
import { EventStreamFramer } from './framing.js';
import { buildChatRequest } from './request.js';
import { parseChatResponse, parseError } from './response.js';
import { authorize } from './sign.js';
import { createStreamDecoder } from './stream.js';

export const bedrockAdapter: HttpAdapter = Object.freeze({
  kind: 'http',
  type: 'bedrock',
  capabilities: Object.freeze({ chat: true, embeddings: false, streaming: true }),
  buildChatRequest,
  parseChatResponse,
  createStreamDecoder,
  createStreamFramer: (maxEventBytes: number) => new EventStreamFramer(maxEventBytes),
  parseError,
  authorize,
});
