// Streaming policy on top of an attempt's chunk source. The role-only preamble is held back
// until the first real content arrives, so until then nothing has reached the caller and a
// failure can still fall back to the next target. Usage is captured from the stream, and the
// usage-only chunk gw asked for is removed again when the caller did not ask for it.
// The OpenAI chunk shapes are read in src/wire/openai/stream.ts; native (same-dialect)
// streams pass through the adapter's own reader instead.
import type { NativeCodec, OpenAIObject, TokenUsage } from '../providers/types.js';
import { chunkForCaller, chunkUsage, isContentChunk } from '../wire/openai/stream.js';

export type UpstreamUsage = TokenUsage;

export interface PrimedStream {
  readonly stream: AsyncIterable<OpenAIObject>;
  usage(): UpstreamUsage | undefined;
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
  usage: chunkUsage,
  forCaller: chunkForCaller,
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
