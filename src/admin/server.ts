// The admin listener: its own node:http server (spec.admin.listen), the cross-site checks
// (guard.ts), the failed-key throttle, the admin key check, JSON bodies and the route table of
// handlers.ts. Listener, router, body reader and sender are the proxy's (src/http/), so shutdown
// closes it the same two-step way and 404/405 (with Allow) are decided the same way.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { isGwError } from '../errors.js';
import { parseJsonObject, readBody } from '../http/body.js';
import { createListener, type Listener, type ListenerLimits } from '../http/listener.js';
import { Router } from '../http/router.js';
import { sendJson } from '../http/send.js';
import type { Logger } from '../telemetry/logger.js';
import type { AdminAuth } from './auth.js';
import type { AdminGuard } from './guard.js';
import type { AuthThrottle } from './throttle.js';
import { errorAnswer, type AdminAnswer, type AdminRoute } from './handlers.js';
import { adminCredential } from './ui/cookie.js';

/** Manifest sets are small, but a large fleet's full set is sent in one apply. */
export const ADMIN_MAX_BODY_BYTES = 32 * 1024 * 1024; // 32 MiB
/** The largest body of a route anyone may call (the sign-in page's key and little else). */
export const PUBLIC_MAX_BODY_BYTES = 16 * 1024;

export interface AdminServerOptions {
  readonly routes: readonly AdminRoute[];
  readonly auth: AdminAuth;
  /** Cross-site refusals (Host, Origin, Sec-Fetch-Site, Content-Type). */
  readonly guard: AdminGuard;
  /** Failed admin-key attempts per remote address. */
  readonly throttle: AuthThrottle;
  readonly logger: Logger;
  /** The answer to a browser that asks for a page without the key: the status page's sign-in. */
  readonly signIn?: (refused: boolean) => AdminAnswer;
  /** The caller bounds of proxy.* (headers, connections, keep-alive, send and body timeouts). */
  readonly limits?: Partial<ListenerLimits> & { readonly bodyTimeoutMs?: number };
}

function send(res: ServerResponse, a: AdminAnswer): void {
  if ('json' in a) return sendJson(res, a.status, a.json, { 'cache-control': 'no-store', ...a.headers });
  res.writeHead(a.status, {
    ...a.headers,
    'content-type': a.contentType,
    'content-length': Buffer.byteLength(a.text),
    'cache-control': 'no-store',
  });
  res.end(a.text);
}

function fromError(err: unknown, logger: Logger): AdminAnswer {
  if (isGwError(err)) return errorAnswer(err.code, err.message);
  logger.error({ err }, 'admin request failed');
  return errorAnswer('GW_ERR_INTERNAL', 'the admin request failed; the gateway log has the details');
}

export function createAdminListener(opts: AdminServerOptions): Listener {
  const { logger, auth, guard, throttle } = opts;
  const router = new Router<AdminRoute>();
  for (const r of opts.routes) router.add(r.method, r.path, r);

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<AdminAnswer> => {
    // Cross-site first: a hostile page's request never reaches the key check or the throttle.
    const refused = guard(req);
    if (refused !== undefined) {
      req.resume();
      return refused;
    }
    const addr = req.socket.remoteAddress;
    const wait = throttle.blockedFor(addr);
    if (wait > 0) {
      req.resume();
      res.setHeader('retry-after', String(Math.ceil(wait / 1000)));
      return errorAnswer(
        'GW_ERR_ADMIN_AUTH_THROTTLED',
        `too many failed admin-key attempts from ${addr ?? 'this address'}; retry in ${Math.ceil(wait / 1000)}s`,
      );
    }
    // An origin-form target only (as the proxy listener): an absolute-form one names no route,
    // and some would not even parse.
    if (req.url === undefined || req.url[0] !== '/') {
      req.resume();
      return errorAnswer('GW_ERR_BAD_REQUEST_TARGET', 'the request target must be a path starting with /');
    }
    // The path as URL normalises it (dot segments, encoding), as the admin API always matched it.
    const url = new URL(req.url, 'http://admin.invalid');
    const method = req.method ?? 'GET';
    const m = router.match(method, url.pathname);
    const access = m.kind === 'found' ? (m.value.access ?? 'key') : 'key';
    if (access !== 'public') {
      // The sign-in cookie stands in for the header on GET and HEAD only (ui/cookie.ts).
      const credential = adminCredential(method, req.headers.authorization, req.headers.cookie);
      if (!auth(credential)) {
        req.resume();
        if (credential !== undefined) throttle.fail(addr);
        if (access === 'page' && opts.signIn !== undefined) return opts.signIn(credential !== undefined);
        return errorAnswer(
          'GW_ERR_ADMIN_AUTH',
          'the admin API needs the admin key: Authorization: Bearer <key> (GW_ADMIN_KEY)',
        );
      }
    }
    // Checked after the key, so an unauthenticated caller learns nothing about the routes.
    if (m.kind === 'not-found')
      return errorAnswer('GW_ERR_ROUTE_NOT_FOUND', `no admin route ${method} ${url.pathname}`);
    if (m.kind === 'method-not-allowed') {
      const allow = m.allow.join(', ');
      res.setHeader('allow', allow);
      return errorAnswer('GW_ERR_METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.pathname}; use ${allow}`);
    }
    const route = m.value;
    let body: Record<string, unknown> | undefined;
    if (route.method === 'POST') {
      // A public route's body is read before anyone is known: it gets a small cap, not an apply's.
      const max = access === 'public' ? PUBLIC_MAX_BODY_BYTES : ADMIN_MAX_BODY_BYTES;
      const buf = await readBody(req, max, { idleMs: opts.limits?.bodyTimeoutMs });
      body = buf.length === 0 ? {} : parseJsonObject(buf);
    }
    const secure = 'encrypted' in req.socket && req.socket.encrypted === true;
    return route.handle({ query: url.searchParams, body, secure, remoteAddress: addr });
  };

  return createListener(
    'admin',
    (req, res) => {
      const t0 = performance.now();
      serve(req, res)
        .catch((err: unknown) => fromError(err, logger))
        .then((answer) => {
          if (res.headersSent) return;
          // The rest of a refused body (oversized, not JSON, cross-site, no key) is not worth
          // reading: close rather than reuse the socket.
          if (answer.status === 413 || !req.complete) res.setHeader('connection', 'close');
          send(res, answer);
          const ms = Math.round((performance.now() - t0) * 100) / 100;
          logger.info(
            { admin: true, method: req.method, path: (req.url ?? '/').split('?')[0], status: answer.status, ms },
            'admin request',
          );
        })
        .catch((err: unknown) => logger.error({ err }, 'admin answer failed'));
    },
    opts.limits,
  );
}
