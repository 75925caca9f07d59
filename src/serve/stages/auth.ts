// Who is calling: the key from `Authorization: Bearer` or `x-api-key`, looked up by its sha256
// in the request's table. Identity and scope only; what the key may reach is checked by the
// route stage once the endpoint is known (policy/access.ts). A key that is unknown, disabled or expired
// gets one message, naming nothing: the code still says which (the caller holding the key knew
// of it), and the log line names the key for the operator.
import { hash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GwError } from '../../errors.js';
import { keyAccess } from '../../policy/access.js';
import type { RequestContext } from '../context.js';
import type { Next, Stage, StageDeps } from '../stage.js';

const NOT_VALID = 'the API key is not valid';

/** The caller's key as sent, or undefined. */
export function callerKey(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  // The scheme is case-insensitive; 'Bearer ' as the SDKs send it is tried first, without a copy.
  if (
    auth !== undefined &&
    auth.length > 7 &&
    (auth.startsWith('Bearer ') || auth.slice(0, 7).toLowerCase() === 'bearer ')
  ) {
    const key = auth.slice(7).trim();
    if (key !== '') return key;
  }
  const x = headers['x-api-key'];
  const key = (Array.isArray(x) ? x[0] : x)?.trim();
  return key === '' ? undefined : key;
}

export function authStage(deps: StageDeps): Stage {
  const { logger } = deps;
  return async function auth(ctx: RequestContext, next: Next): Promise<void> {
    const secret = callerKey(ctx.req.headers);
    if (secret === undefined) {
      throw new GwError('GW_ERR_AUTH_MISSING_KEY', 'no API key: send Authorization: Bearer <key> or x-api-key: <key>');
    }
    // crypto.hash (one shot, Node >= 20.12) is cheaper than a createHash object (bench/README.md).
    const access = keyAccess(ctx.table, hash('sha256', secret, 'hex'), ctx.route.scope, Date.now());
    if (!access.ok) {
      const err = access.error;
      if (err.status !== 401) throw err;
      if (access.key !== undefined) logger.info({ reqId: ctx.id, key: access.key.name, code: err.code }, err.message);
      throw new GwError(err.code, NOT_VALID);
    }
    ctx.key = access.key;
    ctx.workspace = ctx.table.workspaces.get(access.key.workspace);
    return next();
  };
}
