// An upstream SSE body (or another framing the adapter reads, see StreamFramer) as OpenAI
// chunks. Nothing is buffered beyond the current piece of the body, so every chunk reaches the
// caller as soon as it arrived. Two ways to read them:
//   - pulled, one next() at a time: while a stream is primed (it may still fall back) and when a
//     stage rewrites or collects the stream on its way (guardrails, sessions);
//   - relayed: the plain case, the caller's writer takes each chunk as it arrives, with no
//     promise per chunk (bench/README.md, many streams: the generator chain cost more per chunk
//     than anything gw does with the chunk itself).
import type { Dispatcher } from 'undici';
import type { OpenAIObject, SseEvent, StreamDecoder, StreamFramer } from '../providers/types.js';
import type { AttemptGuard } from './attempt-guard.js';
import { discardBody } from './discard.js';
import { FailureError, prematureClose, type Failure } from './failure.js';
import { scrubFailure } from './scrub.js';
import { SseParser } from './sse-parse.js';

type Body = Dispatcher.ResponseData['body'];

const DRAIN_LIMIT = 64 * 1024; // after [DONE], read at most this much more to keep the socket reusable
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

export interface SseLimits {
  /** Longest line or event data; a longer one fails the stream as a protocol error. */
  readonly maxEventBytes: number;
  /** Credential values to scrub from the upstream's error text. */
  readonly secrets: readonly string[];
}

/** Who takes relayed chunks: the caller's writer. */
export interface ChunkTaker {
  /**
   * One chunk, with the upstream's data text when the chunk is that text as it came (see
   * StreamStep.raw); false when the caller's socket is full: nothing more is read until drained().
   */
  take(chunk: OpenAIObject, raw: string | undefined): boolean;
  /** Resolves when the caller can take more (or went away: the attempt's guard then ends the relay). */
  drained(): Promise<void>;
  /** Sends what was taken so far at once: called after the chunks held while priming, which end with the first content. */
  flush?(): void;
}

/**
 * A stream's chunks. Pulled with next() (return() releases the upstream); a source that can
 * also push them has relay(), which takes over from wherever pulling stopped and settles when
 * the stream ends: resolved at its clean end, rejected with what next() would have thrown.
 */
export interface ChunkSource extends AsyncIterator<OpenAIObject, undefined>, AsyncIterable<OpenAIObject> {
  return(value?: undefined): Promise<IteratorResult<OpenAIObject, undefined>>;
  /** The data text of the chunk next() returned last, as it came (see StreamStep.raw), if kept. */
  readonly lastRaw?: string | undefined;
  relay?(to: ChunkTaker): Promise<void>;
}

/** framer: the adapter's own when its upstream does not stream SSE (see StreamFramer). */
export function sseChunks(
  body: Body,
  decode: StreamDecoder,
  guard: AttemptGuard,
  limits: SseLimits,
  framer?: StreamFramer,
): ChunkSource {
  return new UpstreamChunks(body, decode, guard, limits, framer ?? new SseParser(limits.maxEventBytes));
}

class UpstreamChunks implements ChunkSource {
  readonly #body: Body;
  readonly #decode: StreamDecoder;
  readonly #guard: AttemptGuard;
  readonly #secrets: readonly string[];
  readonly #parser: StreamFramer;
  /** The pull reader over the body, made on the first next(). */
  #it: AsyncIterator<Buffer> | undefined;
  /** Chunks decoded and not yet handed on, from #at. */
  #queue: OpenAIObject[] = [];
  /** Beside each queued chunk, its data text as it came, or undefined (StreamStep.raw). */
  #raws: (string | undefined)[] = [];
  #at = 0;
  #events = 0;
  /** The end-of-stream marker came. */
  #marker = false;
  /**
   * What ends the stream once the chunks before it are handed on: the body's end without the
   * marker, or a failure in a piece whose earlier events carried chunks (as if read one by one).
   */
  #pendingError: FailureError | undefined;
  #closed = false;

  constructor(body: Body, decode: StreamDecoder, guard: AttemptGuard, limits: SseLimits, parser: StreamFramer) {
    this.#body = body;
    this.#decode = decode;
    this.#guard = guard;
    this.#secrets = limits.secrets;
    this.#parser = parser;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  get lastRaw(): string | undefined {
    return this.#raws[this.#at - 1];
  }

  async next(): Promise<IteratorResult<OpenAIObject, undefined>> {
    for (;;) {
      if (this.#at < this.#queue.length) return { done: false, value: this.#queue[this.#at++] as OpenAIObject };
      if (this.#settled()) return DONE;
      // destroyOnReturn false: after [DONE] the rest of the body is drained, not cut, so the
      // keep-alive connection can serve the next request.
      this.#it ??= this.#body.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer>;
      let r: IteratorResult<Buffer>;
      this.#guard.arm();
      try {
        r = await this.#it.next();
      } catch (err) {
        this.#close(false);
        throw new FailureError(this.#guard.failure(err));
      }
      this.#guard.disarm();
      try {
        this.#feed(r.done === true ? undefined : r.value);
      } catch (err) {
        this.#close(false);
        throw err;
      }
    }
  }

  async return(): Promise<IteratorResult<OpenAIObject, undefined>> {
    this.#dropQueue(); // nothing is handed on after return(), as with a generator
    this.#close(this.#marker);
    return DONE;
  }

  relay(to: ChunkTaker): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const body = this.#body;
      const guard = this.#guard;
      let over = false;
      // Listeners must never throw (it would escape to the process): each path ends in finish().
      const finish = (err?: unknown): void => {
        if (over) return;
        over = true;
        body.off('data', onData);
        body.off('end', onEnd);
        body.off('error', onError);
        body.off('close', onClose);
        this.#close(err === undefined && this.#marker);
        if (err === undefined) resolve();
        else reject(err);
      };
      // Hands on what is queued; false when the relay stopped (the end, a failure, or a full caller).
      const deliver = (): boolean => {
        let room = true;
        try {
          for (; this.#at < this.#queue.length; this.#at++) {
            room = to.take(this.#queue[this.#at] as OpenAIObject, this.#raws[this.#at]) && room;
          }
          // Handed on: an open stream keeps none of its chunks while it waits for the next piece.
          this.#dropQueue();
        } catch (err) {
          finish(err);
          return false;
        }
        if (this.#marker) finish();
        else if (this.#pendingError !== undefined) finish(this.#pendingError);
        if (over) return false;
        if (room) return true;
        body.pause();
        to.drained().then(() => {
          if (over) return;
          guard.arm();
          if (body.listenerCount('data') === 0) body.on('data', onData); // the first pause came before start() listened
          body.resume();
        }, finish);
        return false;
      };
      const onData = (piece: Buffer): void => {
        guard.disarm();
        try {
          this.#feed(piece);
        } catch (err) {
          return finish(err);
        }
        if (deliver()) guard.arm();
      };
      const onEnd = (): void => {
        guard.disarm();
        try {
          this.#feed(undefined);
        } catch (err) {
          return finish(err);
        }
        deliver();
      };
      const onError = (err: unknown): void => {
        let failure: unknown;
        try {
          failure = new FailureError(guard.failure(err));
        } catch (abort) {
          failure = abort; // CallerAbort: the caller went away
        }
        finish(failure);
      };
      // Closed without an end or an error: what the pull reader reports as a premature close.
      const onClose = (): void => {
        if (!over) onError(prematureClose());
      };
      const start = (): void => {
        if (over) return;
        if (this.#closed) return finish(); // return() came first: nothing more to hand on
        // What the pull reader decoded and left, then the rest as it arrives. The marker or the
        // body's end seen while pulling is met by deliver() once the queue is handed on.
        body.on('end', onEnd);
        body.on('error', onError);
        body.on('close', onClose);
        if (body.destroyed && !this.#marker && this.#pendingError === undefined) {
          // Ended while nobody listened (autoDestroy destroyed it): read the end as onEnd would have.
          if (body.readableEnded && body.errored === null) return onEnd();
          // Broken while nobody listened (the pull reader let go of it): settle as its error would have.
          deliver(); // what was decoded still goes out first
          return onError(body.errored ?? prematureClose());
        }
        // 'data' only once what priming left is handed on and the caller has room: the pull
        // reader's return() makes Node resume, a tick later, a body that has a 'data' listener,
        // which would undo deliver()'s pause.
        if (!deliver()) return;
        body.on('data', onData);
        guard.arm();
      };
      // The pull reader lets go of the body first (it keeps listeners of its own on it), and is
      // not kept for the rest of the stream.
      const it = this.#it;
      this.#it = undefined;
      if (it?.return !== undefined) it.return().then(start, finish);
      else start();
    });
  }

  /** True once nothing more will come: the marker, the body's end, or return(). */
  #settled(): boolean {
    if (this.#marker) {
      this.#close(true);
      return true;
    }
    if (this.#pendingError !== undefined) {
      const err = this.#pendingError;
      this.#pendingError = undefined;
      this.#close(false);
      throw err;
    }
    return this.#closed;
  }

  #fail(f: Failure): FailureError {
    return new FailureError(scrubFailure(f, this.#secrets));
  }

  /** Decodes one piece of the body (undefined: its end) onto the queue. Throws FailureError. */
  #feed(piece: Buffer | undefined): void {
    if (this.#at >= this.#queue.length) this.#dropQueue();
    let batch;
    try {
      batch = piece === undefined ? this.#parser.end() : this.#parser.push(piece);
    } catch (err) {
      // An oversized event (SseEventTooLarge) or a frame the adapter's framer could not read.
      throw this.#fail({ cls: '5xx', protocol: true, message: err instanceof Error ? err.message : String(err) });
    }
    for (const ev of batch) {
      this.#events++;
      const failure = this.#decodeInto(ev);
      if (failure !== undefined) {
        if (this.#at >= this.#queue.length) throw failure;
        this.#pendingError = failure;
        return;
      }
      if (this.#marker) return;
    }
    if (piece !== undefined) return;
    // A body that ended cleanly without a single event was never an event stream (e.g. an HTML page).
    this.#pendingError =
      this.#events === 0
        ? this.#fail({
            cls: '5xx',
            protocol: true,
            message: 'the upstream answer to a stream request is not an event stream',
          })
        : // The body ended without the end-of-stream marker: the upstream cut the stream short.
          new FailureError({ cls: 'connect', message: 'the upstream stream ended before its end marker' });
  }

  /** Queues one event's chunks (or notes the marker); the failure it stands for, if any. */
  #decodeInto(ev: SseEvent): FailureError | undefined {
    let step;
    try {
      step = this.#decode(ev);
    } catch (err) {
      // An adapter bug on a strange event must end this stream, not the request handler.
      return this.#fail({
        cls: '5xx',
        protocol: true,
        message: `the upstream stream event could not be read: ${String(err)}`,
      });
    }
    if (step.error?.blocked === true) {
      return this.#fail({ cls: '4xx', status: 400, blocked: true, message: step.error.message });
    }
    if (step.error !== undefined) {
      return this.#fail({
        cls: '5xx',
        protocol: step.error.protocol === true,
        message: `upstream stream error: ${step.error.message}`,
      });
    }
    const raw = step.chunks.length === 1 ? step.raw : undefined;
    for (const c of step.chunks) {
      this.#queue.push(c);
      this.#raws.push(raw);
    }
    if (step.done) this.#marker = true;
    return undefined;
  }

  #dropQueue(): void {
    this.#queue.length = 0;
    this.#raws.length = 0;
    this.#at = 0;
  }

  /** Releases the attempt: a finished body is drained for reuse, anything else cut. */
  #close(clean: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#guard.done();
    const body = this.#body;
    // The pull reader's 'readable' listener would keep the dump from flowing: it lets go first.
    const it = this.#it;
    this.#it = undefined;
    if (!clean) return discardBody(body); // the relay's listeners may be gone by now
    const dump = (): void => void body.dump({ limit: DRAIN_LIMIT }).catch(() => undefined);
    if (it?.return !== undefined) it.return().then(dump, dump);
    else dump();
  }
}
