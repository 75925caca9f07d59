// POST /v1/messages/count_tokens: `{"input_tokens": N}` estimated with the gateway's one rule
// (estimateTokens: 4 characters a token) over the text the request would send: system prompt,
// message text, tool calls and results, tool definitions. Images and files count nothing. An
// estimate, not the target's tokenizer: gw does not ask the target in this version.
import { estimateTokens } from '../../../util/estimate-tokens.js';
import { openaiCodec } from '../../openai/codec.js';

/** Counted over the hub body, after the endpoint's prompt was applied. */
export function countTokens(body: Record<string, unknown>): { input_tokens: number } {
  return { input_tokens: estimateTokens(openaiCodec.requestText(body)) };
}
