// Streaming policy on top of an attempt's chunk source. The role-only preamble is held back
// until the first real content arrives, so until then nothing has reached the caller and a
// failure can still fall back to the next target. Usage is captured from the stream, and the
// usage-only chunk gw asked for is removed again when the caller did not ask for it.
// The OpenAI chunk shapes are read in src/wire/openai/stream.ts; native (same-dialect)
// streams pass through the adapter's own reader instead.
import type { NativeCodec, OpenAIObject, TokenUsage } from '../providers/types.js';
import type { ChunkSource, ChunkTaker } from './sse-chunks.js';
import { chunkForCaller, chunkUsage, isContentChunk } from '../wire/openai/stream.js';

export type UpstreamUsage = TokenUsage;

export interface PrimedStream {
  /** Pulled (for await) or, when it has relay(), pushed: see ChunkSource. */
  readonly stream: ChunkSource;
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
  source: ChunkSource,
  keepUsage: boolean,
  onBreak: (err: unknown) => Error,
  reader: StreamReader = OPENAI_READER,
): Promise<PrimedStream> {
  let usage: UpstreamUsage | undefined;
  const held: OpenAIObject[] = [];
  const heldRaw: (string | undefined)[] = [];
  let ended = false;
  for (;;) {
    const r = await source.next();
    if (r.done === true) {
      ended = true;
      break;
    }
    const chunk = r.value;
    usage = reader.usage(chunk, usage);
    const out = reader.forCaller(chunk, keepUsage);
    if (out !== undefined) {
      held.push(out);
      heldRaw.push(out === chunk ? source.lastRaw : undefined);
    }
    if (reader.isContent(chunk)) break;
  }
  const rest = new PrimedChunks(
    source,
    held,
    heldRaw,
    ended,
    (chunk) => {
      usage = reader.usage(chunk, usage);
      return reader.forCaller(chunk, keepUsage);
    },
    onBreak,
  );
  return { stream: rest, usage: () => usage };
}

/**
 * A primed stream's chunks for the caller: those held while priming, then the rest of the
 * source, each read for usage on the way. Relayed when the source can push (see ChunkSource).
 */
class PrimedChunks implements ChunkSource {
  readonly #source: ChunkSource;
  readonly #held: OpenAIObject[];
  readonly #heldRaw: (string | undefined)[];
  #at = 0;
  readonly #ended: boolean;
  readonly #read: (chunk: OpenAIObject) => OpenAIObject | undefined;
  readonly #onBreak: (err: unknown) => Error;
  readonly relay: ((to: ChunkTaker) => Promise<void>) | undefined;

  constructor(
    source: ChunkSource,
    held: OpenAIObject[],
    heldRaw: (string | undefined)[],
    ended: boolean,
    read: (chunk: OpenAIObject) => OpenAIObject | undefined,
    onBreak: (err: unknown) => Error,
  ) {
    this.#source = source;
    this.#held = held;
    this.#heldRaw = heldRaw;
    this.#ended = ended;
    this.#read = read;
    this.#onBreak = onBreak;
    this.relay = source.relay !== undefined && !ended ? (to) => this.#relay(to) : undefined;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<OpenAIObject, undefined>> {
    if (this.#at < this.#held.length) return { done: false, value: this.#held[this.#at++] as OpenAIObject };
    if (this.#ended) return DONE;
    for (;;) {
      let r: IteratorResult<OpenAIObject, undefined>;
      try {
        r = await this.#source.next();
      } catch (err) {
        throw this.#onBreak(err);
      }
      if (r.done === true) return DONE;
      const out = this.#read(r.value);
      if (out !== undefined) return { done: false, value: out };
    }
  }

  /** The caller stopped early: release the upstream. */
  return(): Promise<IteratorResult<OpenAIObject, undefined>> {
    return this.#source.return();
  }

  async #relay(to: ChunkTaker): Promise<void> {
    // The few chunks held while priming go out as they are; a full caller pauses the source's first piece.
    try {
      for (; this.#at < this.#held.length; this.#at++)
        to.take(this.#held[this.#at] as OpenAIObject, this.#heldRaw[this.#at]);
      // Written: the stream does not keep them for the rest of its life.
      this.#held.length = 0;
      this.#heldRaw.length = 0;
      to.flush?.(); // the first content token goes out now, in one write with what preceded it
    } catch (err) {
      await this.#source.return();
      throw err;
    }
    const read = this.#read;
    try {
      await (this.#source.relay as (to: ChunkTaker) => Promise<void>)({
        take: (chunk, raw) => {
          const out = read(chunk);
          return out === undefined || to.take(out, out === chunk ? raw : undefined);
        },
        drained: () => to.drained(),
      });
    } catch (err) {
      throw this.#onBreak(err);
    }
  }
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
