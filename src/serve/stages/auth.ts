// Who is calling: the key from `Authorization: Bearer` or `x-api-key`, looked up by its sha256
// in the request's table. Identity and scope only; what the key may reach is checked by the
// route stage once the endpoint is known (access.ts).
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GwError } from '../../errors.js';
import type { RequestContext } from '../context.js';
import type { Next, Stage } from '../pipeline.js';

/** The caller's key as sent, or undefined. */
export function callerKey(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (auth !== undefined && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') {
    const key = auth.slice(7).trim();
    if (key !== '') return key;
  }
  const x = headers['x-api-key'];
  const key = (Array.isArray(x) ? x[0] : x)?.trim();
  return key === '' ? undefined : key;
}

export function authStage(): Stage {
  return async function auth(ctx: RequestContext, next: Next): Promise<void> {
    const secret = callerKey(ctx.req.headers);
    if (secret === undefined) {
      throw new GwError('GW_ERR_AUTH_MISSING_KEY', 'no API key: send Authorization: Bearer <key> or x-api-key: <key>');
    }
    const hash = createHash('sha256').update(secret).digest('hex');
    const key = ctx.table.keys.get(hash);
    if (key === undefined) throw new GwError('GW_ERR_AUTH_INVALID_KEY', 'the API key is not valid');
    if (!key.enabled) throw new GwError('GW_ERR_AUTH_DISABLED_KEY', `the API key '${key.name}' is disabled`);
    if (key.expiresAt !== undefined && key.expiresAt <= Date.now()) {
      throw new GwError('GW_ERR_AUTH_EXPIRED_KEY', `the API key '${key.name}' expired at ${new Date(key.expiresAt).toISOString()}`);
    }
    ctx.key = key;
    ctx.workspace = ctx.table.workspaces.get(key.workspace);
    if (!key.scopes.has(ctx.route.scope)) {
      throw new GwError('GW_ERR_AUTH_SCOPE', `the API key '${key.name}' lacks the '${ctx.route.scope}' scope`);
    }
    return next();
  };
}
