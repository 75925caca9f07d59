// Sends the request upstream through U's executor (retries, fallback, load balancing live
// there); one stage per surface (chat, embeddings), and the count_tokens surface's local count.
// The caller's disconnect reaches the upstream through ctx.caller.
import type { Attempt, ExecuteDeps } from '../../upstream/execute.js';
import { GwError, isGwError } from '../../errors.js';
import { LARGE_BODY_BYTES } from '../../util/turns.js';
import type { RequestContext } from '../context.js';
import type { Next, Stage, StageDeps } from '../stage.js';
import { answerCheck, withStructuredOutput } from './schema.js';

export type { UpstreamPort } from '../stage.js';

function attemptsOf(err: unknown): readonly Attempt[] {
  const a = isGwError(err) ? err.details?.['attempts'] : undefined;
  return Array.isArray(a) ? (a as Attempt[]) : [];
}

function execDeps(deps: StageDeps): ExecuteDeps {
  return { pools: deps.pools, breakers: deps.upstream.breakers, upstream: deps.upstream.settings };
}

function unresolved(): GwError {
  return new GwError('GW_ERR_INTERNAL', 'upstream stage reached without a resolved endpoint');
}

export function chatUpstreamStage(deps: StageDeps): Stage {
  const port = deps.upstream;
  // One deps object for every request: built here, not per call.
  const exec = execDeps(deps);
  return async function upstream(ctx: RequestContext, next: Next): Promise<void> {
    const { endpoint, model, body } = ctx;
    if (endpoint === undefined || model === undefined || body === undefined) throw unresolved();
    // schema.output: every answer is judged whole, so a stream is asked as one JSON answer
    // (the outputSchema stage replays it) and goes through the hub shape.
    const check = answerCheck(endpoint);
    const whole = check !== undefined && ctx.stream;
    // Each call written out in full: `{ ...call, more }` (a spread plus new fields) takes V8's slow path on Node 20.
    const call = {
      table: ctx.table,
      endpoint,
      model,
      body: check === undefined ? body : withStructuredOutput(endpoint, body),
      signal: ctx.caller,
      requestId: ctx.id,
      stream: ctx.stream && !whole,
      native: whole ? undefined : ctx.native,
      large: ctx.bodyBytes >= LARGE_BODY_BYTES,
      check,
    };
    let stream: AsyncIterable<unknown> | undefined;
    try {
      const o = await port.executeChat(call, exec);
      ctx.attempts = o.attempts;
      ctx.outcome = o;
      stream = o.stream;
    } catch (err) {
      ctx.attempts = attemptsOf(err);
      throw err;
    }
    if (stream === undefined) return next();
    // A stream holds the upstream's connection: let it go however the stages after this one end
    // (one that fails before the answer is written never reads it). A no-op once it was read.
    return next().finally(() => release(stream));
  };
}

function release(stream: AsyncIterable<unknown>): Promise<unknown> | undefined {
  const it = stream as Partial<AsyncIterator<unknown>>;
  return it.return?.().catch(() => undefined);
}

export function embeddingsUpstreamStage(deps: StageDeps): Stage {
  const port = deps.upstream;
  const exec = execDeps(deps);
  return async function upstream(ctx: RequestContext, next: Next): Promise<void> {
    const { endpoint, model, body } = ctx;
    if (endpoint === undefined || model === undefined || body === undefined) throw unresolved();
    const call = {
      table: ctx.table,
      endpoint,
      model,
      body,
      signal: ctx.caller,
      requestId: ctx.id,
      large: ctx.bodyBytes >= LARGE_BODY_BYTES,
    };
    try {
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
    } catch (err) {
      ctx.attempts = attemptsOf(err);
      throw err;
    }
    return next();
  };
}

/** count_tokens: estimated here, where the body is final; the target is not asked in this version. */
export function countTokensStage(): Stage {
  return async function countTokens(ctx: RequestContext, next: Next): Promise<void> {
    const body = ctx.body;
    if (ctx.endpoint === undefined || ctx.model === undefined || body === undefined) throw unresolved();
    const count = ctx.route.dialect.countTokens;
    if (count === undefined)
      throw new GwError('GW_ERR_INTERNAL', `dialect ${ctx.route.dialect.name} cannot count tokens`);
    ctx.local = count(body);
    return next();
  };
}
