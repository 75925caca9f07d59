// Reads, parses and type-checks the JSON body (413 / 400 before anything else looks at it).
import { readBody, parseJsonObject } from '../body.js';
import type { RequestContext } from '../context.js';
import type { Next, Stage } from '../pipeline.js';
import { validateEmbeddingsBody } from '../validate.js';

export function bodyStage(): Stage {
  return async function body(ctx: RequestContext, next: Next): Promise<void> {
    const parsed = parseJsonObject(await readBody(ctx.req, ctx.maxBodyBytes));
    // On /endpoints/{name}/... the endpoint is known, so `model` may be left out.
    if (parsed['model'] === undefined && ctx.route.endpointScope !== undefined) parsed['model'] = ctx.route.endpointScope;
    if (typeof parsed['model'] === 'string') ctx.modelAsked = parsed['model'];
    if (ctx.route.api === 'embeddings') {
      validateEmbeddingsBody(parsed);
      ctx.body = parsed;
    } else {
      // The route's dialect checks its own shape and reads it into the hub (OpenAI) shape.
      const read = ctx.route.dialect.chatRequest(parsed, ctx.route.api === 'count_tokens' ? 'count' : 'chat');
      ctx.body = read.body;
      ctx.native = read.native;
    }
    ctx.stream = ctx.body['stream'] === true;
    return next();
  };
}
