// JSON answers of a pipeline request: written to its sink, with the status and the time to
// first byte noted for the usage row.
import { performance } from 'node:perf_hooks';
import type { RequestContext } from './context.js';

export function answerJson(
  ctx: RequestContext,
  status: number,
  body: unknown,
  headers?: Readonly<Record<string, string>>,
): void {
  answerJsonText(ctx, status, JSON.stringify(body), headers);
}

/** answerJson for an answer already serialised (an upstream's own bytes). */
export function answerJsonText(
  ctx: RequestContext,
  status: number,
  text: string,
  headers?: Readonly<Record<string, string>>,
): void {
  ctx.status = status;
  ctx.ttfbMs = performance.now() - ctx.t0;
  ctx.sink.json(status, text, headers);
}
