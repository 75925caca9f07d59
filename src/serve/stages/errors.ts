// Turns whatever a later stage throws into the route dialect's answer. A GwError keeps its
// code and status; anything else is a bug: logged with its stack, answered 500 GW_ERR_INTERNAL,
// and the process goes on serving.
import { GwError, isGwError } from '../../errors.js';
import type { Logger } from '../../telemetry/logger.js';
import type { RequestContext } from '../context.js';
import type { Next, Stage, StageDeps } from '../pipeline.js';
import { answerJson } from '../../http/send.js';

export function toGwError(err: unknown, logger: Logger, reqId: string): GwError {
  if (isGwError(err)) return err;
  logger.error({ reqId, err }, 'unexpected error while serving a request');
  return new GwError('GW_ERR_INTERNAL', `internal error (request id ${reqId}); the gateway log has the details`);
}

/** Writes `err` as the answer, or cuts the connection when an answer already began. */
export function answerError(ctx: RequestContext, err: GwError): void {
  ctx.errorCode = err.code;
  const res = ctx.res;
  if (res.headersSent) {
    if (!res.writableEnded) res.destroy();
    return;
  }
  const answer = ctx.route.dialect.error(err, ctx.id);
  // A body left unread (refused as too large, or never read because auth failed first) is not
  // worth draining: close the connection after the answer instead.
  const headers = ctx.req.complete ? answer.headers : { ...answer.headers, connection: 'close' };
  answerJson(ctx, answer.status, answer.body, headers);
}

export function errorsStage(deps: StageDeps): Stage {
  const { logger } = deps;
  return async function errors(ctx: RequestContext, next: Next): Promise<void> {
    try {
      await next();
    } catch (err) {
      // The caller left: nobody to answer (the upstream was aborted through the signal). 499 is
      // the nginx convention for "client closed the request" and only ever shows in the log.
      if (ctx.caller.aborted) {
        ctx.status = 499;
        if (!ctx.res.writableEnded) ctx.res.destroy();
        return;
      }
      answerError(ctx, toGwError(err, logger, ctx.id));
    }
  };
}
