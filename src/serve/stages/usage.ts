// Wraps the whole pipeline so every request, failed ones included, leaves one usage row and
// one access line, written after the answer ended (latency covers the full stream).
import { performance } from 'node:perf_hooks';
import { isGwError } from '../../errors.js';
import { costUsd } from '../../telemetry/cost.js';
import { logAccess } from '../../telemetry/logger.js';
import type { AttemptRecord, UsageRow } from '../../telemetry/usage-row.js';
import type { RequestContext } from '../context.js';
import type { Next, Stage, StageDeps } from '../stage.js';
import { estimateTokens, tokensOfChars } from '../../util/estimate-tokens.js';
import { codecFor, openaiCodec } from '../../wire/index.js';
import { releaseBudget } from './budget.js';

/** Characters of generated text: counted while streaming, else read from the answer by its format's codec. */
function completionChars(ctx: RequestContext): number {
  if (ctx.streamedChars > 0) return ctx.streamedChars;
  const o = ctx.outcome;
  return o?.json !== undefined ? codecFor(o.dialect).answerChars(o.json) : 0;
}

/** Token counts from the upstream's usage, else estimated (util/estimate-tokens.ts) from the body sent and the text answered. */
export function tokens(ctx: RequestContext): { tokensIn: number; tokensOut: number } {
  const o = ctx.outcome;
  if (o === undefined) return { tokensIn: 0, tokensOut: 0 };
  const u = o.usage();
  if (u !== undefined) return { tokensIn: u.promptTokens, tokensOut: u.completionTokens };
  return {
    tokensIn: ctx.body === undefined ? 0 : estimateTokens(openaiCodec.requestText(ctx.body)),
    tokensOut: tokensOfChars(completionChars(ctx)),
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
  const price =
    o?.provider !== undefined && o.upstreamModel !== undefined ? o.provider.pricing.get(o.upstreamModel) : undefined;
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
    guardrails: ctx.guardrailHits !== undefined && ctx.guardrailHits.size > 0 ? [...ctx.guardrailHits].join(',') : null,
  };
}

export function usageStage(deps: StageDeps): Stage {
  const { usageLog, logger, budgets } = deps;
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
      } finally {
        // Only now: the row's real cost counts in the month's spend from record() on.
        releaseBudget(budgets, ctx);
      }
    }
  };
}

function round2(ms: number): number {
  return Math.round(ms * 100) / 100;
}
