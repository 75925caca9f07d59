// Anthropic usage <-> the OpenAI usage object and the core's TokenUsage. Anthropic counts
// cached input apart from input_tokens; OpenAI's prompt_tokens includes it, so
// prompt_tokens = input + cache read + cache write, and cached_tokens = cache read.
import type { TokenUsage } from '../../../providers/types.js';
import { isObject, num, type Obj } from '../../../util/json-readers.js';

/** The Anthropic counters gw keeps; a stream reports them across events. */
export interface RawUsage {
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number | undefined;
  readonly cacheWrite: number | undefined;
}

export const NO_USAGE: RawUsage = Object.freeze({ input: 0, output: 0, cacheRead: undefined, cacheWrite: undefined });

/** Counters present in raw win (message_delta carries cumulative values, some of them null). */
export function mergeUsage(prev: RawUsage, raw: unknown): RawUsage {
  if (!isObject(raw)) return prev;
  return {
    input: num(raw.input_tokens) ?? prev.input,
    output: num(raw.output_tokens) ?? prev.output,
    cacheRead: num(raw.cache_read_input_tokens) ?? prev.cacheRead,
    cacheWrite: num(raw.cache_creation_input_tokens) ?? prev.cacheWrite,
  };
}

export function hasUsage(raw: unknown): boolean {
  return isObject(raw) && (num(raw.input_tokens) !== undefined || num(raw.output_tokens) !== undefined);
}

/** OpenAI usage; the Anthropic cache counters are kept under their own names as well. */
export function openaiUsage(u: RawUsage): Obj {
  const prompt = u.input + (u.cacheRead ?? 0) + (u.cacheWrite ?? 0);
  const out: Obj = {
    prompt_tokens: prompt,
    completion_tokens: u.output,
    total_tokens: prompt + u.output,
    prompt_tokens_details: { cached_tokens: u.cacheRead ?? 0 },
  };
  if (u.cacheRead !== undefined) out.cache_read_input_tokens = u.cacheRead;
  if (u.cacheWrite !== undefined) out.cache_creation_input_tokens = u.cacheWrite;
  return out;
}

export function tokenUsage(u: RawUsage): TokenUsage {
  const t: { -readonly [K in keyof TokenUsage]: TokenUsage[K] } = {
    promptTokens: u.input + (u.cacheRead ?? 0) + (u.cacheWrite ?? 0),
    completionTokens: u.output,
  };
  if (u.cacheRead !== undefined) t.cacheReadTokens = u.cacheRead;
  if (u.cacheWrite !== undefined) t.cacheWriteTokens = u.cacheWrite;
  return t;
}

/** Back from the core's counts, so stream events can add to them. */
export function rawOf(t: TokenUsage | undefined): RawUsage {
  if (t === undefined) return NO_USAGE;
  const read = t.cacheReadTokens;
  const write = t.cacheWriteTokens;
  return {
    input: t.promptTokens - (read ?? 0) - (write ?? 0),
    output: t.completionTokens,
    cacheRead: read,
    cacheWrite: write,
  };
}
