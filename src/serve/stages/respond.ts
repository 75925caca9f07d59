// The last stage: writes what the stages before produced, as JSON, as an event stream or as
// raw bytes, in the route's dialect (which translates when the outcome has another shape).
import { GwError } from '../../errors.js';
import type { RequestContext } from '../context.js';
import type { Stage, StageDeps } from '../stage.js';
import { rawAnswer } from '../../upstream/attempt.js';
import { answerJson, answerJsonText } from '../answer.js';
import { inputTokens } from '../input-tokens.js';
import { pipeRaw, pipeStream } from '../sse.js';

export function respondStage(deps: StageDeps): Stage {
  const { logger } = deps;
  const nameWhoAnswered = deps.answerHeaders !== false;
  return async function respond(ctx: RequestContext): Promise<void> {
    if (ctx.local !== undefined) return answerJson(ctx, 200, ctx.local);
    const outcome = ctx.outcome;
    if (nameWhoAnswered && outcome?.provider !== undefined) {
      ctx.sink.setHeader('x-gw-provider', outcome.provider.name);
      if (outcome.upstreamModel !== undefined) ctx.sink.setHeader('x-gw-upstream-model', outcome.upstreamModel);
      ctx.sink.setHeader('x-gw-attempts', String(outcome.attempts.length));
    }
    const from = outcome?.dialect ?? 'openai';
    const info = { model: ctx.modelAsked ?? ctx.model ?? '', requestId: ctx.id, inputTokens: () => inputTokens(ctx) };
    const dialect = ctx.route.dialect;
    if (outcome?.stream !== undefined) return pipeStream(ctx, outcome.stream, dialect.streamWriter(from, info), logger);
    if (outcome?.json !== undefined) {
      const answer = dialect.reply(outcome.json, from, info);
      // Left as the upstream sent it (same object): its own bytes go out, not a re-serialisation.
      const raw = answer === outcome.json ? rawAnswer(answer) : undefined;
      return raw !== undefined ? answerJsonText(ctx, 200, raw) : answerJson(ctx, 200, answer);
    }
    if (outcome?.raw !== undefined) return pipeRaw(ctx, outcome.raw, logger);
    throw new GwError('GW_ERR_INTERNAL', 'the pipeline produced no answer');
  };
}
