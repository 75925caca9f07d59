// Shapes the request sent upstream from the endpoint's settings (params, prompt.system,
// prompt.template), through the one applyEndpoint for every wire format: the hub body, and
// the caller's own body when it goes to a target of its format. Each is replaced by a copy,
// never edited.
import { applyEndpoint, codecFor, openaiCodec } from '../../wire/index.js';
import type { RequestContext } from '../context.js';
import type { Next, Stage } from '../stage.js';

export function transformStage(): Stage {
  return async function transform(ctx: RequestContext, next: Next): Promise<void> {
    const ep = ctx.endpoint;
    if (ep !== undefined) {
      if (ctx.body !== undefined) ctx.body = applyEndpoint(ep, ctx.body, openaiCodec);
      const native = ctx.native;
      if (native !== undefined)
        ctx.native = { dialect: native.dialect, body: applyEndpoint(ep, native.body, codecFor(native.dialect)) };
    }
    return next();
  };
}
