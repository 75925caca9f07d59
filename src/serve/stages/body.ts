// Reads, parses and type-checks the JSON body (413 / 400 before anything else looks at it).
import { readBody, parseJsonObject } from '../body.js';
import type { RequestContext } from '../context.js';
import type { Next, Stage } from '../pipeline.js';
import { validateChatBody, validateEmbeddingsBody } from '../validate.js';

export function bodyStage(): Stage {
  return async function body(ctx: RequestContext, next: Next): Promise<void> {
    const parsed = parseJsonObject(await readBody(ctx.req, ctx.maxBodyBytes));
    // On /endpoints/{name}/... the endpoint is known, so `model` may be left out.
    if (parsed['model'] === undefined && ctx.route.endpointScope !== undefined) parsed['model'] = ctx.route.endpointScope;
    if (typeof parsed['model'] === 'string') ctx.modelAsked = parsed['model'];
    if (ctx.route.api === 'embeddings') validateEmbeddingsBody(parsed);
    else validateChatBody(parsed);
    ctx.body = parsed;
    ctx.stream = parsed['stream'] === true;
    return next();
  };
}
