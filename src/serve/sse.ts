// Server-sent events out to the caller: each chunk is written the moment it arrives (never
// collected), in the bytes the dialect's writer makes of it; the writer's end (`data: [DONE]`,
// message_stop) only after a clean end. When the upstream breaks after the first chunk went
// out, the caller gets the dialect's error event and no clean end, so no client mistakes a
// cut answer for a complete one. The same happens when gw ends the stream itself (its deadline,
// or shutdown): the CallerLink's reason is then the GwError the event carries. Backpressure: no
// upstream chunk is read while the caller's socket is full, pulled or relayed (the send timeout
// in listener.ts ends a caller that never reads again).
import { performance } from 'node:perf_hooks';
import { GwError, isGwError } from '../errors.js';
import type { Logger } from '../telemetry/logger.js';
import { codecFor } from '../wire/index.js';
import type { RawAnswer, RequestContext } from './context.js';
import type { StreamWriter } from '../wire/dialect.js';
import type { ChunkSource } from '../upstream/sse-chunks.js';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  // Tells nginx-style proxies in front of gw not to buffer the stream.
  'x-accel-buffering': 'no',
};

export async function pipeStream(
  ctx: RequestContext,
  stream: AsyncIterable<Record<string, unknown>>,
  writer: StreamWriter,
  logger: Logger,
): Promise<void> {
  const sink = ctx.sink;
  // The events have the outcome's format; its codec counts their text (for token estimates).
  const codec = codecFor(ctx.outcome?.dialect);
  ctx.status = 200;
  // A relayed stream is flushed by the relay once its first content is written; a pulled one
  // after its first event.
  const relay = (stream as Partial<Pick<ChunkSource, 'relay'>>).relay;
  let sentFirst = relay !== undefined;
  /** Writes one event (raw: its upstream text as it came); false when the caller's socket is full or the caller left. */
  const take = (chunk: Record<string, unknown>, raw?: string): boolean => {
    if (ctx.caller.aborted) return false;
    if (!sink.started) {
      sink.head(200, SSE_HEADERS);
      ctx.ttfbMs = performance.now() - ctx.t0;
    }
    ctx.streamedChars += codec.eventChars(chunk);
    const text = raw !== undefined && writer.raw !== undefined ? writer.raw(raw, chunk) : writer.event(chunk);
    if (text === '') return true;
    const ok = sink.write(text);
    if (!sentFirst) {
      // Node holds a response's writes until the end of the tick; the first event goes out at
      // once instead of after every event that arrived with it was processed (time to first token).
      sentFirst = true;
      sink.flush();
    }
    return ok;
  };
  try {
    // A stream nothing rewrote on its way comes straight from the upstream: relayed, it is written
    // as it arrives with no promise per event (the guard ends it when the caller leaves).
    if (relay !== undefined) {
      await relay.call(stream, { take, drained: () => sink.drained(ctx.caller), flush: () => sink.flush() });
    } else {
      for await (const chunk of stream) {
        if (ctx.caller.aborted) break;
        if (!take(chunk)) await sink.drained(ctx.caller);
      }
    }
  } catch (err) {
    // Nothing sent yet: the errors stage can still answer with a proper status.
    if (!sink.started && !ctx.caller.aborted) throw err;
    if (ctx.caller.aborted) return noteAbort(ctx);
    const gwErr = isGwError(err) ? err : new GwError('GW_ERR_UPSTREAM_EXHAUSTED', 'the upstream stream broke');
    ctx.errorCode = gwErr.code;
    logger.warn({ reqId: ctx.id, code: gwErr.code, err: gwErr.message }, 'stream broke after the first byte');
    sink.end(ctx.route.dialect.streamError(gwErr));
    return;
  }
  if (ctx.caller.aborted) return noteAbort(ctx);
  if (!sink.started) {
    // An upstream that ended without a single chunk: still a valid (empty) stream.
    sink.head(200, SSE_HEADERS);
    ctx.ttfbMs = performance.now() - ctx.t0;
  }
  sink.end(writer.end());
}

/**
 * The caller left mid-stream: 499 in the log (the nginx convention for "client closed"). When gw
 * ended the request (the reason is a GwError), the caller gets the dialect's error event.
 */
function noteAbort(ctx: RequestContext, errorEvent = true): void {
  const reason = ctx.caller.reason;
  if (isGwError(reason)) {
    ctx.status = reason.status;
    ctx.errorCode = reason.code;
    if (ctx.sink.started && !ctx.sink.ended) {
      if (errorEvent) ctx.sink.end(ctx.route.dialect.streamError(reason));
      else ctx.sink.destroy();
    }
    return;
  }
  ctx.status = 499;
  if (!ctx.sink.ended) ctx.sink.destroy();
}

/**
 * Bytes passed on as they came (the transparent proxy): the status and headers at the first
 * chunk, each chunk written as it arrives, with backpressure. A break after the first byte cuts
 * the answer (bytes of an unknown format have no error event to send).
 */
export async function pipeRaw(ctx: RequestContext, raw: RawAnswer, logger: Logger): Promise<void> {
  const sink = ctx.sink;
  ctx.status = raw.status;
  const start = (): void => {
    sink.head(raw.status, raw.headers);
    ctx.ttfbMs = performance.now() - ctx.t0;
  };
  try {
    for await (const chunk of raw.body) {
      if (ctx.caller.aborted) break;
      if (!sink.started) start();
      if (!sink.write(chunk)) await sink.drained(ctx.caller);
    }
  } catch (err) {
    if (!sink.started && !ctx.caller.aborted) throw err;
    if (ctx.caller.aborted) return noteAbort(ctx, false);
    const gwErr = isGwError(err) ? err : new GwError('GW_ERR_UPSTREAM_EXHAUSTED', 'the upstream answer broke');
    ctx.errorCode = gwErr.code;
    logger.warn({ reqId: ctx.id, code: gwErr.code, err: gwErr.message }, 'raw answer broke after the first byte');
    sink.destroy();
    return;
  }
  if (ctx.caller.aborted) return noteAbort(ctx, false);
  if (!sink.started) start();
  sink.end();
}
