// limits.maxInputTokens of the endpoint: the input estimate (serve/input-tokens.ts) over the cap
// is refused before any upstream call, 422 GW_ERR_TOKEN_CAP in the caller's dialect.
import { GwError } from '../../errors.js';
import type { RequestContext } from '../context.js';
import { inputTokens } from '../input-tokens.js';
import type { Next, Stage } from '../stage.js';

export function tokenCapStage(): Stage {
  return function tokenCap(ctx: RequestContext, next: Next): Promise<void> {
    const ep = ctx.endpoint;
    const cap = ep?.limits.maxInputTokens;
    if (ep === undefined || cap === undefined) return next();
    const estimate = inputTokens(ctx);
    if (estimate > cap) {
      return Promise.reject(
        new GwError(
          'GW_ERR_TOKEN_CAP',
          `the input is an estimated ${estimate} tokens, over endpoint ${ep.name}'s maxInputTokens of ${cap} ` +
            `(estimate: characters / 4)`,
          { estimate, cap },
        ),
      );
    }
    return next();
  };
}
