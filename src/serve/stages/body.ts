// Checks the media type, reads, parses and type-checks the JSON body (415 / 413 / 408 / 400
// before anything else looks at it).
import { GwError } from '../../errors.js';
import { LARGE_BODY_BYTES, largeBodySteps } from '../../util/turns.js';
import { readBody, parseJsonObject } from '../../http/body.js';
import type { RequestContext } from '../context.js';
import type { Next, Stage } from '../stage.js';
import { validateEmbeddingsBody } from '../../wire/openai/validate.js';

/**
 * JSON routes take application/json (parameters such as charset allowed) and any `+json` type.
 * A request without Content-Type is read as JSON, as OpenAI's API does; `curl -d` without
 * `-H 'Content-Type: application/json'` sends application/x-www-form-urlencoded and gets 415.
 */
export function isJsonMediaType(header: string | undefined): boolean {
  if (header === undefined || header === 'application/json') return true;
  const semi = header.indexOf(';');
  const type = (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** Reads a parsed body into the context: checks its shape, sets body (hub shape), native, stream. */
export type BodyReader = (ctx: RequestContext, parsed: Record<string, unknown>) => void;

/** The route's dialect checks its own chat shape and reads it into the hub (OpenAI) shape. */
export const readChatBody: BodyReader = (ctx, parsed) => {
  const read = ctx.route.dialect.chatRequest(parsed, 'chat');
  ctx.body = read.body;
  ctx.native = read.native;
};

/** A token-count body: a chat body without what only generation needs (max_tokens). */
export const readCountBody: BodyReader = (ctx, parsed) => {
  const read = ctx.route.dialect.chatRequest(parsed, 'count');
  ctx.body = read.body;
  ctx.native = read.native;
};

export const readEmbeddingsBody: BodyReader = (ctx, parsed) => {
  validateEmbeddingsBody(parsed);
  ctx.body = parsed;
};

/** The body stage of one surface: `read` is that surface's reader, chosen once at startup. */
export function bodyStage(read: BodyReader): () => Stage {
  return () =>
    async function body(ctx: RequestContext, next: Next): Promise<void> {
      const type = ctx.req.headers['content-type'];
      if (!isJsonMediaType(type)) {
        throw new GwError(
          'GW_ERR_UNSUPPORTED_MEDIA_TYPE',
          `the request body must be JSON (Content-Type: application/json), not '${String(type).slice(0, 100)}'`,
        );
      }
      // Depth is checked as the bytes arrive, so parseJsonObject need not scan again.
      const buf = await readBody(ctx.req, ctx.maxBodyBytes, {
        idleMs: ctx.bodyTimeoutMs,
        maxJsonDepth: ctx.maxJsonDepth,
      });
      ctx.bodyBytes = buf.length;
      // A multi-megabyte body is parsed in a turn of its own (src/util/turns.ts).
      const parsed =
        buf.length >= LARGE_BODY_BYTES
          ? await largeBodySteps.run(() => parseJsonObject(buf, Infinity))
          : parseJsonObject(buf, Infinity);
      // On /endpoints/{name}/... the endpoint is known, so `model` may be left out.
      if (parsed['model'] === undefined && ctx.route.endpointScope !== undefined)
        parsed['model'] = ctx.route.endpointScope;
      if (typeof parsed['model'] === 'string') ctx.modelAsked = parsed['model'];
      read(ctx, parsed);
      ctx.stream = ctx.body?.['stream'] === true;
      return next();
    };
}
