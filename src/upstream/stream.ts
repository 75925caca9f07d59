// Streaming policy on top of an attempt's chunk source. The role-only preamble is held back
// until the first real content arrives, so until then nothing has reached the caller and a
// failure can still fall back to the next target. Usage is captured from the stream, and the
// usage-only chunk gw asked for is removed again when the caller did not ask for it.
// Native (same-dialect) streams pass through the adapter's own reader instead.
import type { NativeCodec, OpenAIObject, TokenUsage } from '../providers/types.js';

export type UpstreamUsage = TokenUsage;

export interface PrimedStream {
  readonly stream: AsyncIterable<OpenAIObject>;
  usage(): UpstreamUsage | undefined;
}

/**
 * Reads {prompt_tokens, completion_tokens} from an OpenAI usage object, plus cache tokens:
 * prompt_tokens_details.cached_tokens (OpenAI) and cache_creation_input_tokens (kept by the
 * anthropic adapter, which has no OpenAI name).
 */
export function usageOf(value: unknown): UpstreamUsage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const u = value as Record<string, unknown>;
  const p = u.prompt_tokens;
  const c = u.completion_tokens;
  if (typeof p !== 'number' && typeof c !== 'number') return undefined;
  const out: { -readonly [K in keyof UpstreamUsage]: UpstreamUsage[K] } = {
    promptTokens: typeof p === 'number' ? p : 0,
    completionTokens: typeof c === 'number' ? c : 0,
  };
  const details = u.prompt_tokens_details;
  const cached = typeof details === 'object' && details !== null ? (details as Record<string, unknown>).cached_tokens : undefined;
  if (typeof cached === 'number') out.cacheReadTokens = cached;
  if (typeof u.cache_creation_input_tokens === 'number') out.cacheWriteTokens = u.cache_creation_input_tokens;
  return out;
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
}

/** True when the chunk carries anything beyond a role: text, tool calls, refusal, a finish. */
export function isContentChunk(chunk: OpenAIObject): boolean {
  const choices = chunk.choices;
  if (!Array.isArray(choices)) return false;
  for (const choice of choices) {
    if (typeof choice !== 'object' || choice === null) continue;
    const c = choice as Record<string, unknown>;
    if (!isEmpty(c.finish_reason)) return true;
    const delta = c.delta;
    if (typeof delta !== 'object' || delta === null) continue;
    for (const [k, v] of Object.entries(delta)) if (k !== 'role' && !isEmpty(v)) return true;
  }
  return false;
}

/** The chunk as the caller should see it, or undefined to drop it. */
function forCaller(chunk: OpenAIObject, keepUsage: boolean): OpenAIObject | undefined {
  if (keepUsage || !('usage' in chunk)) return chunk;
  if (Array.isArray(chunk.choices) && chunk.choices.length === 0) return undefined;
  const { usage: _drop, ...rest } = chunk;
  return rest;
}

/** How primeStream reads one stream item: content or preamble, usage, what the caller gets. */
export interface StreamReader {
  isContent(item: OpenAIObject): boolean;
  usage(item: OpenAIObject, prev: UpstreamUsage | undefined): UpstreamUsage | undefined;
  forCaller(item: OpenAIObject, keepUsage: boolean): OpenAIObject | undefined;
}

/** OpenAI chunks (the hub dialect). */
export const OPENAI_READER: StreamReader = Object.freeze({
  isContent: isContentChunk,
  usage: (chunk: OpenAIObject, prev: UpstreamUsage | undefined) =>
    chunk.usage !== undefined && chunk.usage !== null ? (usageOf(chunk.usage) ?? prev) : prev,
  forCaller,
});

/** A native stream: the adapter judges content and usage; every event reaches the caller as is. */
export function nativeReader(codec: NativeCodec): StreamReader {
  return {
    isContent: (ev) => codec.isContentEvent(ev),
    usage: (ev, prev) => codec.usage(ev, prev),
    forCaller: (ev) => ev,
  };
}

/**
 * Pulls from source until the first content chunk (or the end). Errors while priming are
 * thrown to the caller of primeStream (the attempt failed); errors afterwards are thrown from
 * the returned stream, mapped by onBreak.
 */
export async function primeStream(
  source: AsyncGenerator<OpenAIObject>,
  keepUsage: boolean,
  onBreak: (err: unknown) => Error,
  reader: StreamReader = OPENAI_READER,
): Promise<PrimedStream> {
  let usage: UpstreamUsage | undefined;
  const held: OpenAIObject[] = [];
  let ended = false;
  for (;;) {
    const r = await source.next();
    if (r.done) {
      ended = true;
      break;
    }
    const chunk = r.value;
    usage = reader.usage(chunk, usage);
    const out = reader.forCaller(chunk, keepUsage);
    if (out !== undefined) held.push(out);
    if (reader.isContent(chunk)) break;
  }

  async function* rest(): AsyncGenerator<OpenAIObject> {
    try {
      yield* held;
      if (ended) return;
      for (;;) {
        let r: IteratorResult<OpenAIObject>;
        try {
          r = await source.next();
        } catch (err) {
          throw onBreak(err);
        }
        if (r.done) return;
        const chunk = r.value;
        usage = reader.usage(chunk, usage);
        const out = reader.forCaller(chunk, keepUsage);
        if (out !== undefined) yield out;
      }
    } finally {
      // the caller stopped early: release the upstream
      await source.return(undefined);
    }
  }

  return { stream: rest(), usage: () => usage };
}
