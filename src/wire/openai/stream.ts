// The OpenAI format's answers as the executor reads them: token usage of a chat.completion or
// of the usage-only chunk, whether a chunk carries content (until then a stream is held back
// and may still fall back), and the usage field the caller did not ask for.
import type { TokenUsage } from '../../providers/types.js';
import type { Obj } from '../types.js';

/**
 * Reads {prompt_tokens, completion_tokens} from an OpenAI usage object, plus cache tokens:
 * prompt_tokens_details.cached_tokens (OpenAI) and cache_creation_input_tokens (kept by the
 * anthropic adapter, which has no OpenAI name).
 */
export function usageOf(value: unknown): TokenUsage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const u = value as Obj;
  const p = u['prompt_tokens'];
  const c = u['completion_tokens'];
  if (typeof p !== 'number' && typeof c !== 'number') return undefined;
  const out: { -readonly [K in keyof TokenUsage]: TokenUsage[K] } = {
    promptTokens: typeof p === 'number' ? p : 0,
    completionTokens: typeof c === 'number' ? c : 0,
  };
  const details = u['prompt_tokens_details'];
  const cached = typeof details === 'object' && details !== null ? (details as Obj)['cached_tokens'] : undefined;
  if (typeof cached === 'number') out.cacheReadTokens = cached;
  if (typeof u['cache_creation_input_tokens'] === 'number') out.cacheWriteTokens = u['cache_creation_input_tokens'];
  return out;
}

/** Usage after this chunk: its own when it carries one, else prev. */
export function chunkUsage(chunk: Obj, prev: TokenUsage | undefined): TokenUsage | undefined {
  const u = chunk['usage'];
  return u !== undefined && u !== null ? (usageOf(u) ?? prev) : prev;
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
}

/** True when the chunk carries anything beyond a role: text, tool calls, refusal, a finish. */
export function isContentChunk(chunk: Obj): boolean {
  const choices = chunk['choices'];
  if (!Array.isArray(choices)) return false;
  for (const choice of choices) {
    if (typeof choice !== 'object' || choice === null) continue;
    const c = choice as Obj;
    if (!isEmpty(c['finish_reason'])) return true;
    const delta = c['delta'];
    if (typeof delta !== 'object' || delta === null) continue;
    for (const [k, v] of Object.entries(delta)) if (k !== 'role' && !isEmpty(v)) return true;
  }
  return false;
}

/** The chunk as the caller should see it, or undefined to drop it (the usage gw asked for itself). */
export function chunkForCaller(chunk: Obj, keepUsage: boolean): Obj | undefined {
  if (keepUsage || !('usage' in chunk)) return chunk;
  if (Array.isArray(chunk['choices']) && chunk['choices'].length === 0) return undefined;
  const { usage: _drop, ...rest } = chunk;
  return rest;
}

/** Whether the caller asked for the usage-only chunk at the end of a stream. */
export function streamUsageAsked(body: Obj): boolean {
  const opts = body['stream_options'];
  return typeof opts === 'object' && opts !== null && (opts as Obj)['include_usage'] === true;
}
