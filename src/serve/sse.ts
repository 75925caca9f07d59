// Server-sent events out to the caller: each chunk is written the moment it arrives (never
// collected), in the bytes the dialect's writer makes of it; the writer's end (`data: [DONE]`,
// message_stop) only after a clean end. When the upstream breaks after the first chunk went
// out, the caller gets the dialect's error event and no clean end, so no client mistakes a
// cut answer for a complete one. The same happens when gw ends the stream itself (its deadline,
// or shutdown): the CallerLink's reason is then the GwError the event carries. Backpressure: no
// upstream chunk is pulled while the caller's socket is full (the send timeout in listener.ts
// ends a caller that never reads again).
import { performance } from 'node:perf_hooks';
import { GwError, isGwError } from '../errors.js';
import type { Logger } from '../telemetry/logger.js';
import type { RequestContext } from './context.js';
import type { StreamWriter } from './dialects/types.js';
import { drained } from '../http/send.js';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  // Tells nginx-style proxies in front of gw not to buffer the stream.
  'x-accel-buffering': 'no',
};

/** Characters of generated text in a chat.completion.chunk or an Anthropic text delta (for token estimates). */
function contentChars(chunk: Record<string, unknown>): number {
  const choices = chunk['choices'];
  if (!Array.isArray(choices)) {
    const text = (chunk['delta'] as { text?: unknown } | undefined)?.text;
    return typeof text === 'string' ? text.length : 0;
  }
  let n = 0;
  for (const c of choices) {
    const content = (c as { delta?: { content?: unknown } }).delta?.content;
    if (typeof content === 'string') n += content.length;
  }
  return n;
}

export async function pipeStream(
  ctx: RequestContext,
  stream: AsyncIterable<Record<string, unknown>>,
  writer: StreamWriter,
  logger: Logger,
): Promise<void> {
  const res = ctx.res;
  ctx.status = 200;
  let sentFirst = false;
  try {
    for await (const chunk of stream) {
      if (ctx.caller.aborted) break;
      if (!res.headersSent) {
        res.writeHead(200, SSE_HEADERS);
        ctx.ttfbMs = performance.now() - ctx.t0;
      }
      ctx.streamedChars += contentChars(chunk);
      const text = writer.event(chunk);
      if (text === '') continue;
      const ok = res.write(text);
      if (!sentFirst) {
        // Node holds a response's writes until the end of the tick; the first event goes out at
        // once instead of after every event that arrived with it was processed (time to first token).
        sentFirst = true;
        res.uncork();
      }
      if (!ok) await drained(res, ctx.caller);
    }
  } catch (err) {
    // Nothing sent yet: the errors stage can still answer with a proper status.
    if (!res.headersSent && !ctx.caller.aborted) throw err;
    if (ctx.caller.aborted) return noteAbort(ctx);
    const gwErr = isGwError(err) ? err : new GwError('GW_ERR_UPSTREAM_EXHAUSTED', 'the upstream stream broke');
    ctx.errorCode = gwErr.code;
    logger.warn({ reqId: ctx.id, code: gwErr.code, err: gwErr.message }, 'stream broke after the first byte');
    res.end(ctx.route.dialect.streamError(gwErr));
    return;
  }
  if (ctx.caller.aborted) return noteAbort(ctx);
  if (!res.headersSent) {
    // An upstream that ended without a single chunk: still a valid (empty) stream.
    res.writeHead(200, SSE_HEADERS);
    ctx.ttfbMs = performance.now() - ctx.t0;
  }
  res.end(writer.end());
}

/**
 * The caller left mid-stream: 499 in the log (the nginx convention for "client closed"). When gw
 * ended the request (the reason is a GwError), the caller gets the dialect's error event.
 */
function noteAbort(ctx: RequestContext): void {
  const reason = ctx.caller.reason;
  if (isGwError(reason)) {
    ctx.status = reason.status;
    ctx.errorCode = reason.code;
    if (ctx.res.headersSent && !ctx.res.writableEnded) ctx.res.end(ctx.route.dialect.streamError(reason));
    return;
  }
  ctx.status = 499;
  if (!ctx.res.writableEnded) ctx.res.destroy();
}
