// provider type -> adapter. The only module that imports every adapter; adding a provider
// type (anthropic, ...) is one line here and never a change in the core.
import type { ProviderType } from '../compile/routing-table.js';
import { anthropicAdapter } from '../wire/anthropic/upstream/index.js';
import { bedrockAdapter } from './bedrock/index.js';
import { azureOpenAIAdapter } from '../wire/openai/upstream/azure.js';
import { geminiAdapter } from '../wire/gemini/upstream/index.js';
import { vertexAdapter, vertexAnthropicAdapter } from './vertex/index.js';
import { mockAdapter } from './mock/index.js';
import { openaiAdapter } from '../wire/openai/upstream/index.js';
import type { ProviderAdapter } from './types.js';

const ADAPTERS: ReadonlyMap<ProviderType, ProviderAdapter> = new Map<ProviderType, ProviderAdapter>([
  ['openai', openaiAdapter],
  ['anthropic', anthropicAdapter],
  ['mock', mockAdapter],
  ['bedrock', bedrockAdapter],
  ['azure-openai', azureOpenAIAdapter],
  ['gemini', geminiAdapter],
  ['vertex', vertexAdapter],
  ['vertex-anthropic', vertexAnthropicAdapter],
]);

/** undefined: no chat adapter for this type (http providers serve proxy endpoints only). */
export function getAdapter(type: ProviderType): ProviderAdapter | undefined {
  return ADAPTERS.get(type);
}

export function adapterTypes(): ProviderType[] {
  return [...ADAPTERS.keys()];
}
