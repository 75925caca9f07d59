// An upstream SSE body (or another framing the adapter reads, see StreamFramer) as OpenAI
// chunks, pulled one piece at a time: nothing is buffered beyond the current event, so every
// chunk reaches the caller as soon as it arrived.
import type { Dispatcher } from 'undici';
import type { OpenAIObject, StreamDecoder, StreamFramer, StreamStep } from '../providers/types.js';
import type { AttemptGuard } from './attempt-guard.js';
import { FailureError, type Failure } from './failure.js';
import { scrubFailure } from './scrub.js';
import { SseParser } from './sse-parse.js';

type Body = Dispatcher.ResponseData['body'];

const DRAIN_LIMIT = 64 * 1024; // after [DONE], read at most this much more to keep the socket reusable

export interface SseLimits {
  /** Longest line or event data; a longer one fails the stream as a protocol error. */
  readonly maxEventBytes: number;
  /** Credential values to scrub from the upstream's error text. */
  readonly secrets: readonly string[];
}

/** framer: the adapter's own when its upstream does not stream SSE (see StreamFramer). */
export async function* sseChunks(
  body: Body,
  decode: StreamDecoder,
  guard: AttemptGuard,
  limits: SseLimits,
  framer?: StreamFramer,
): AsyncGenerator<OpenAIObject> {
  const parser: StreamFramer = framer ?? new SseParser(limits.maxEventBytes);
  const fail = (f: Failure): FailureError => new FailureError(scrubFailure(f, limits.secrets));
  // destroyOnReturn false: after [DONE] the rest of the body is drained, not cut, so the
  // keep-alive connection can serve the next request.
  const it = body.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer>;
  let done = false;
  let events = 0;
  try {
    for (;;) {
      let r: IteratorResult<Buffer>;
      guard.arm();
      try {
        r = await it.next();
      } catch (err) {
        throw new FailureError(guard.failure(err));
      }
      guard.disarm();
      let batch;
      try {
        batch = r.done ? parser.end() : parser.push(r.value);
      } catch (err) {
        // An oversized event (SseEventTooLarge) or a frame the adapter's framer could not read.
        throw fail({ cls: '5xx', protocol: true, message: err instanceof Error ? err.message : String(err) });
      }
      for (const ev of batch) {
        events++;
        let step: StreamStep;
        try {
          step = decode(ev);
        } catch (err) {
          // An adapter bug on a strange event must end this stream, not the request handler.
          throw fail({
            cls: '5xx',
            protocol: true,
            message: `the upstream stream event could not be read: ${String(err)}`,
          });
        }
        if (step.error?.blocked === true) {
          throw fail({ cls: '4xx', status: 400, blocked: true, message: step.error.message });
        }
        if (step.error !== undefined) {
          throw fail({
            cls: '5xx',
            protocol: step.error.protocol === true,
            message: `upstream stream error: ${step.error.message}`,
          });
        }
        for (const c of step.chunks) yield c;
        if (step.done) {
          done = true;
          return;
        }
      }
      if (r.done) break;
    }
    // A body that ended cleanly without a single event was never an event stream (e.g. an HTML page).
    if (events === 0)
      throw fail({
        cls: '5xx',
        protocol: true,
        message: 'the upstream answer to a stream request is not an event stream',
      });
    // The body ended without the end-of-stream marker: the upstream cut the stream short.
    throw new FailureError({ cls: 'connect', message: 'the upstream stream ended before its end marker' });
  } finally {
    guard.done();
    if (done) body.dump({ limit: DRAIN_LIMIT }).catch(() => undefined);
    else if (!body.destroyed) body.destroy();
  }
}
