// Known OpenAI-compatible vendors (`preset:` on a type openai provider): the API root gw uses
// when the manifest names none, and the request fields each vendor refuses or names otherwise.
// A preset changes nothing else: auth is the provider's own `auth` block.
import type { ProviderSpec } from '../manifest/types.js';

export type PresetName = NonNullable<ProviderSpec['preset']>;

export interface Preset {
  readonly baseUrl: string;
  /** How the vendor takes its key, for the README and error hints. */
  readonly auth: 'bearer' | 'none';
  readonly dropFields?: readonly string[];
  readonly renameFields?: Readonly<Record<string, string>>;
}

export const PRESETS: Readonly<Record<PresetName, Preset>> = Object.freeze({
  // Mistral refuses fields it does not know (HTTP 422) and names the seed random_seed; its
  // streams end with a usage chunk without being asked.
  mistral: {
    baseUrl: 'https://api.mistral.ai/v1',
    auth: 'bearer',
    dropFields: [
      'stream_options',
      'user',
      'logit_bias',
      'logprobs',
      'top_logprobs',
      'store',
      'metadata',
      'service_tier',
    ],
    renameFields: { seed: 'random_seed', max_completion_tokens: 'max_tokens' },
  },
  xai: { baseUrl: 'https://api.x.ai/v1', auth: 'bearer' },
  // Groq documents logprobs, logit_bias and top_logprobs as unsupported.
  groq: {
    baseUrl: 'https://api.groq.com/openai/v1',
    auth: 'bearer',
    dropFields: ['logprobs', 'logit_bias', 'top_logprobs'],
  },
  together: { baseUrl: 'https://api.together.xyz/v1', auth: 'bearer' },
  openrouter: { baseUrl: 'https://openrouter.ai/api/v1', auth: 'bearer' },
  fireworks: { baseUrl: 'https://api.fireworks.ai/inference/v1', auth: 'bearer' },
  deepseek: { baseUrl: 'https://api.deepseek.com/v1', auth: 'bearer' },
  // Cohere's compatibility API lists these fields as unsupported.
  cohere: {
    baseUrl: 'https://api.cohere.ai/compatibility/v1',
    auth: 'bearer',
    dropFields: [
      'store',
      'metadata',
      'logit_bias',
      'top_logprobs',
      'modalities',
      'prediction',
      'audio',
      'service_tier',
      'parallel_tool_calls',
    ],
  },
  'nvidia-nim': { baseUrl: 'https://integrate.api.nvidia.com/v1', auth: 'bearer' },
  // Local servers: no key unless the operator configured one.
  ollama: { baseUrl: 'http://localhost:11434/v1', auth: 'none' },
  vllm: { baseUrl: 'http://localhost:8000/v1', auth: 'none' },
  sglang: { baseUrl: 'http://localhost:30000/v1', auth: 'none' },
});
