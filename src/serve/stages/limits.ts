// Rate limits (rpm, rph, tpm of the key and of the endpoint; policy/rate-limits.ts). After the
// route stage, so the key and the endpoint are known. Every answer of a limited route carries the
// x-ratelimit-* headers, refusals included (429 GW_ERR_RATE_LIMITED with Retry-After, in the
// caller's dialect through the errors stage). With a tpm, the estimated input tokens are
// reserved before the call and replaced by the real count once the answer (or the stream) ended.
import type { Admission, RateLimiter } from '../../policy/rate-limits.js';
import type { RequestContext } from '../context.js';
import { inputTokens } from '../input-tokens.js';
import type { Next, Stage, StageDeps } from '../stage.js';
import { tokens } from './usage.js';

function run(ctx: RequestContext, next: Next, limiter: RateLimiter, a: Admission): Promise<void> {
  for (const [name, value] of a.headers) ctx.sink.setHeader(name, value);
  if (a.error !== undefined) return Promise.reject(a.error);
  return a.reserved.length > 0 ? reconciled(ctx, next, limiter, a) : next();
}

/** Runs the rest of the pipeline, then settles the token reservations with the real count. */
async function reconciled(ctx: RequestContext, next: Next, limiter: RateLimiter, a: Admission): Promise<void> {
  try {
    await next();
  } finally {
    const t = tokens(ctx);
    limiter.settle(a, t.tokensIn + t.tokensOut);
  }
}

export function limitsStage(deps: StageDeps): Stage {
  const limiter = deps.rateLimits;
  return function limits(ctx: RequestContext, next: Next): Promise<void> {
    const key = ctx.key;
    // A chat endpoint, or on the proxy surface the proxy endpoint.
    const endpoint = ctx.endpoint ?? ctx.proxy?.endpoint;
    if (limiter === undefined || key === undefined || endpoint === undefined) return next();
    const plan = limiter.plan(key, endpoint);
    if (plan === undefined) return next();
    const r = limiter.admit(plan, plan.tokens ? inputTokens(ctx) : 0);
    if (r instanceof Promise) return r.then((a) => run(ctx, next, limiter, a));
    return run(ctx, next, limiter, r);
  };
}
