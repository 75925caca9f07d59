// An upstream SSE body as OpenAI chunks, pulled one piece at a time: nothing is buffered
// beyond the current event, so every chunk reaches the caller as soon as it arrived.
import type { Dispatcher } from 'undici';
import type { OpenAIObject, StreamDecoder } from '../providers/types.js';
import type { AttemptGuard } from './attempt-guard.js';
import { FailureError } from './failure.js';
import { SseParser } from './sse-parse.js';

type Body = Dispatcher.ResponseData['body'];

const DRAIN_LIMIT = 64 * 1024; // after [DONE], read at most this much more to keep the socket reusable

export async function* sseChunks(body: Body, decode: StreamDecoder, guard: AttemptGuard): AsyncGenerator<OpenAIObject> {
  const parser = new SseParser();
  // destroyOnReturn false: after [DONE] the rest of the body is drained, not cut, so the
  // keep-alive connection can serve the next request.
  const it = body.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer>;
  let done = false;
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
      const events = r.done ? parser.end() : parser.push(r.value);
      for (const ev of events) {
        const step = decode(ev);
        if (step.error !== undefined) throw new FailureError({ cls: '5xx', message: `upstream stream error: ${step.error.message}` });
        for (const c of step.chunks) yield c;
        if (step.done) {
          done = true;
          return;
        }
      }
      if (r.done) break;
    }
    // The body ended without the end-of-stream marker: the upstream cut the stream short.
    throw new FailureError({ cls: 'connect', message: 'the upstream stream ended before its end marker' });
  } finally {
    guard.done();
    if (done) body.dump({ limit: DRAIN_LIMIT }).catch(() => undefined);
    else if (!body.destroyed) body.destroy();
  }
}
