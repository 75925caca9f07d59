// Wraps the whole pipeline so every request, failed ones included, leaves one usage row and
// one access line, written after the answer ended (latency covers the full stream).
import { performance } from 'node:perf_hooks';
import { isGwError } from '../../errors.js';
import { costUsd } from '../../telemetry/cost.js';
import { logAccess } from '../../telemetry/logger.js';
import type { AttemptRecord, UsageRow } from '../../telemetry/usage-row.js';
import type { RequestContext } from '../context.js';
import type { Next, Stage, StageDeps } from '../pipeline.js';

function promptChars(body: Record<string, unknown> | undefined): number {
  const messages = body?.['messages'];
  if (Array.isArray(messages)) {
    let n = 0;
    for (const m of messages) {
      const c = (m as { content?: unknown }).content;
      if (typeof c === 'string') n += c.length;
    }
    return n;
  }
  const input = body?.['input'];
  if (typeof input === 'string') return input.length;
  if (Array.isArray(input)) return input.reduce((n: number, s) => n + (typeof s === 'string' ? s.length : 0), 0);
  return 0;
}

function completionChars(ctx: RequestContext): number {
  if (ctx.streamedChars > 0) return ctx.streamedChars;
  const json = ctx.outcome?.json;
  // A passed-through Anthropic message: text blocks in `content`.
  const blocks = json?.['content'];
  if (Array.isArray(blocks)) return blocks.reduce((n: number, b: { text?: unknown }) => n + (typeof b.text === 'string' ? b.text.length : 0), 0);
  const choices = json?.['choices'];
  if (!Array.isArray(choices)) return 0;
  let n = 0;
  for (const c of choices) {
    const content = (c as { message?: { content?: unknown } }).message?.content;
    if (typeof content === 'string') n += content.length;
  }
  return n;
}

/** The rule of estimateTokens() in cost.ts, applied to a count instead of a joined string. */
const charsToTokens = (chars: number): number => Math.ceil(chars / 4);

/** Token counts from the upstream's usage, else estimated from the text (chars / 4). */
function tokens(ctx: RequestContext): { tokensIn: number; tokensOut: number } {
  const o = ctx.outcome;
  if (o === undefined) return { tokensIn: 0, tokensOut: 0 };
  const u = o.usage();
  if (u !== undefined) return { tokensIn: u.promptTokens, tokensOut: u.completionTokens };
  return {
    tokensIn: charsToTokens(promptChars(ctx.upstreamBody ?? ctx.body)),
    tokensOut: charsToTokens(completionChars(ctx)),
  };
}

export function buildRow(ctx: RequestContext, latencyMs: number): UsageRow {
  const o = ctx.outcome;
  const { tokensIn, tokensOut } = tokens(ctx);
  const attempts: AttemptRecord[] = ctx.attempts.map((a) => ({
    provider: a.provider,
    model: a.model,
    status: a.status ?? null,
    error: a.error ?? null,
    ms: a.ms,
  }));
  const last = ctx.attempts[ctx.attempts.length - 1];
  const price = o?.provider !== undefined && o.upstreamModel !== undefined ? o.provider.pricing.get(o.upstreamModel) : undefined;
  return {
    ts: ctx.ts,
    requestId: ctx.id,
    workspace: ctx.key?.workspace ?? '',
    endpoint: ctx.endpoint?.name ?? null,
    keyName: ctx.key?.name ?? null,
    model: ctx.modelAsked ?? null,
    provider: o?.provider?.name ?? last?.provider ?? null,
    upstreamModel: o?.upstreamModel ?? last?.model ?? null,
    attempts,
    status: ctx.status,
    errorCode: ctx.errorCode ?? null,
    tokensIn,
    tokensOut,
    costUsd: costUsd(price, tokensIn, tokensOut),
    latencyMs,
    ttfbMs: ctx.ttfbMs ?? null,
    stream: ctx.stream,
    route: ctx.route.label,
  };
}

export function usageStage(deps: StageDeps): Stage {
  const { usageLog, logger } = deps;
  return async function usage(ctx: RequestContext, next: Next): Promise<void> {
    try {
      await next();
    } finally {
      // gw ended the request itself (deadline, shutdown): the row says so, not 499.
      const reason = ctx.caller.reason;
      if (ctx.caller.aborted && isGwError(reason)) {
        ctx.status = reason.status;
        ctx.errorCode = reason.code;
      }
      try {
        const row = buildRow(ctx, performance.now() - ctx.t0);
        usageLog.record(row);
        // Absent values are left out of the line (undefined), not written as null.
        logAccess(logger, {
          reqId: ctx.id,
          key: row.keyName ?? undefined,
          endpoint: row.endpoint ?? undefined,
          model: row.model ?? undefined,
          provider: row.provider ?? undefined,
          upstreamModel: row.upstreamModel ?? undefined,
          attempts: ctx.attempts.length,
          status: row.status,
          ms: round2(row.latencyMs),
          ttfbMs: row.ttfbMs == null ? undefined : round2(row.ttfbMs),
          code: row.errorCode ?? undefined,
        });
      } catch (err) {
        logger.error({ reqId: ctx.id, err }, 'could not record the usage row');
      }
    }
  };
}

function round2(ms: number): number {
  return Math.round(ms * 100) / 100;
}
