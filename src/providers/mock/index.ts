// `type: mock`: answers in-process, deterministically, for demos and tests. Latency, chunking
// and failure come from the provider's mock settings.
import type { CompiledProvider } from '../../compile/routing-table.js';
import type { InProcessAdapter, InProcessReply, InProcessRequest, OpenAIObject } from '../types.js';
import { pause } from '../../util/pause.js';
import { completion, completionChunks, embeddings, renderReply } from './reply.js';

const DEFAULTS = Object.freeze({ reply: 'mock reply: {{input}}', latencyMs: 0, chunkSize: 8, failStatus: undefined });

async function* toAsync(chunks: Iterable<OpenAIObject>): AsyncGenerator<OpenAIObject> {
  yield* chunks;
}

async function respond(
  provider: CompiledProvider,
  req: InProcessRequest,
  signal: AbortSignal,
): Promise<InProcessReply> {
  const mock = provider.mock ?? DEFAULTS;
  await pause(mock.latencyMs, signal);
  if (mock.failStatus !== undefined) {
    return {
      kind: 'error',
      status: mock.failStatus,
      error: { message: `mock provider ${provider.name} answers ${mock.failStatus} (failStatus)` },
    };
  }
  if (req.op === 'embeddings') return { kind: 'json', json: embeddings(req.body) };
  const reply = renderReply(mock.reply, req.body);
  if (!req.stream) return { kind: 'json', json: completion(req.body, reply) };
  return { kind: 'stream', chunks: toAsync(completionChunks(req.body, reply, mock.chunkSize)) };
}

export const mockAdapter: InProcessAdapter = Object.freeze({
  kind: 'in-process',
  type: 'mock',
  capabilities: Object.freeze({ chat: true, embeddings: true, streaming: true }),
  respond,
});
