// The input token estimate of a request, made once and shared by the stages that need it
// (tokenCap, budget, and tpm limits): util/estimate-tokens.ts over the OpenAI codec's
// requestText() of the hub body (system, messages, tool calls, tool definitions, embeddings
// input) as the caller sent it, before the endpoint's prompt is applied.
import { estimateTokens } from '../util/estimate-tokens.js';
import { openaiCodec } from '../wire/index.js';
import type { RequestContext } from './context.js';

export function inputTokens(ctx: RequestContext): number {
  let n = ctx.inputTokens;
  if (n === undefined) {
    n = ctx.body === undefined ? 0 : estimateTokens(openaiCodec.requestText(ctx.body));
    ctx.inputTokens = n;
  }
  return n;
}
