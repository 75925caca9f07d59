// Sends the request upstream through U's executor (retries, fallback, load balancing live
// there). The caller's disconnect reaches the upstream through ctx.caller.
import type { BreakerRegistry } from '../../upstream/breaker.js';
import type { executeChat, executeEmbeddings, Attempt, ExecuteDeps } from '../../upstream/execute.js';
import { GwError, isGwError } from '../../errors.js';
import { LARGE_BODY_BYTES } from '../../util/turns.js';
import type { RequestContext } from '../context.js';
import type { Next, Stage, StageDeps } from '../pipeline.js';

/** The executor functions, injected so the server can be tested against any upstream code. */
export interface UpstreamPort {
  readonly executeChat: typeof executeChat;
  readonly executeEmbeddings: typeof executeEmbeddings;
  /** The process's circuit breakers (one registry for the process, kept across reloads). */
  readonly breakers?: BreakerRegistry | undefined;
  /** upstream.maxRetryAfter and friends; defaults when absent. */
  readonly settings?: ExecuteDeps['upstream'];
}

function attemptsOf(err: unknown): readonly Attempt[] {
  const a = isGwError(err) ? err.details?.['attempts'] : undefined;
  return Array.isArray(a) ? (a as Attempt[]) : [];
}

export function upstreamStage(deps: StageDeps): Stage {
  const { upstream: port, pools } = deps;
  // One deps object for every request: built here, not per call.
  const exec: ExecuteDeps = { pools, breakers: port.breakers, upstream: port.settings };
  return async function upstream(ctx: RequestContext, next: Next): Promise<void> {
    const endpoint = ctx.endpoint;
    const model = ctx.model;
    const body = ctx.upstreamBody ?? ctx.body;
    if (endpoint === undefined || model === undefined || body === undefined) {
      throw new GwError('GW_ERR_INTERNAL', 'upstream stage reached without a resolved endpoint');
    }
    if (ctx.route.api === 'count_tokens') {
      // Estimated here, where the body is final; the target is not asked in this version.
      const count = ctx.route.dialect.countTokens;
      if (count === undefined) throw new GwError('GW_ERR_INTERNAL', `dialect ${ctx.route.dialect.name} cannot count tokens`);
      ctx.local = count(body);
      return next();
    }
    // Each call written out in full: `{ ...call, more }` (a spread plus new fields) costs
    // ~4 µs per object on Node 20, a literal well under 0.1.
    try {
      if (ctx.route.api === 'embeddings') {
        const call = { table: ctx.table, endpoint, model, body, signal: ctx.caller, requestId: ctx.id, large: ctx.bodyBytes >= LARGE_BODY_BYTES };
        const r = await port.executeEmbeddings(call, exec);
        ctx.attempts = r.attempts;
        ctx.outcome = {
          provider: r.provider,
          upstreamModel: r.upstreamModel,
          attempts: r.attempts,
          ttfbMs: undefined,
          json: r.json,
          usage: () => r.usage(),
        };
      } else {
        const call = { table: ctx.table, endpoint, model, body, signal: ctx.caller, requestId: ctx.id, stream: ctx.stream, native: ctx.native, large: ctx.bodyBytes >= LARGE_BODY_BYTES };
        const o = await port.executeChat(call, exec);
        ctx.attempts = o.attempts;
        ctx.outcome = o;
      }
    } catch (err) {
      ctx.attempts = attemptsOf(err);
      throw err;
    }
    return next();
  };
}
