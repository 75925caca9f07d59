// Cross-site refusals for the admin listener, checked before the key and before routing. A web
// page the operator visits can reach 127.0.0.1 too: as a "simple" request (text/plain POST, no
// CORS preflight), through DNS rebinding (its own name resolving to 127.0.0.1, so `Host` is its
// name), or as a no-cors GET (an <img>). Browsers always send `Host` and cannot forge it; they
// send `Origin` on every non-GET and `Sec-Fetch-Site` on everything. The gw CLI and curl send
// neither Origin nor Sec-Fetch-Site and a Host of the address they dialled, so they pass.
import type { IncomingMessage } from 'node:http';
import { isLoopbackHost } from './auth.js';
import { errorAnswer, type AdminAnswer } from './handlers.js';

export interface AdminGuardOptions {
  /** The host the admin listener binds (spec.admin.listen). */
  readonly bindHost: string;
  /** True when an admin key is configured. */
  readonly keyed: boolean;
}

/** A refusal for this request, or undefined when it may go on to the key check. */
export type AdminGuard = (req: IncomingMessage) => AdminAnswer | undefined;

/** `application/json`, optionally with parameters (charset); nothing a form or text/plain sends. */
const JSON_TYPE = /^application\/json[ \t]*(?:;|$)/i;
/** host[:port] with an optional [IPv6] literal; the port part is checked separately. */
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/;

const crossSite = (message: string): AdminAnswer => errorAnswer('GW_ERR_ADMIN_CROSS_SITE', message);

/**
 * Host: checked whenever the listener is on loopback or has no key. There a foreign name is
 * DNS rebinding and only the loopback names (127.0.0.1, localhost, [::1]) or the bound address
 * with the listener's own port pass. A keyed listener on another address (0.0.0.0, a LAN
 * address) may sit behind a DNS name or a load balancer: any Host passes, the key protects it
 * (a browser never attaches a bearer key on its own).
 * Origin: when present it must be the origin named by Host itself; the only pages the admin
 * listener serves are its own status pages (same origin), so any other origin (or "null") is a
 * page elsewhere. Sec-Fetch-Site: only same-origin
 * or none (typed into the address bar) pass.
 * Content-Type: every method but GET and HEAD must send application/json, which a page can only
 * send after a CORS preflight that the admin listener never grants.
 */
export function createAdminGuard(o: AdminGuardOptions): AdminGuard {
  const bound = o.bindHost.toLowerCase();
  const checkHost = isLoopbackHost(bound) || !o.keyed;
  const names = new Set([
    '127.0.0.1',
    'localhost',
    '[::1]',
    bound.includes(':') && !bound.startsWith('[') ? `[${bound}]` : bound,
  ]);

  return (req) => {
    const host = (req.headers.host ?? '').toLowerCase();
    if (checkHost) {
      const m = HOST_HEADER.exec(host);
      const port = req.socket.localPort;
      const portOk = m !== null && (m[2] === undefined ? port === 80 : Number(m[2]) === port);
      if (m === null || !names.has(m[1]!) || !portOk) {
        return crossSite(
          `the admin API answers only requests addressed to it (Host 127.0.0.1:${port ?? ''}, localhost:${port ?? ''} or [::1]:${port ?? ''}); ` +
            `Host ${JSON.stringify(req.headers.host ?? '')} looks like DNS rebinding from a web page`,
        );
      }
    }
    const origin = req.headers.origin;
    if (
      origin !== undefined &&
      origin.toLowerCase() !== `http://${host}` &&
      origin.toLowerCase() !== `https://${host}`
    ) {
      return crossSite(
        `the admin API refuses requests from web pages (Origin ${JSON.stringify(origin)}); use the gw CLI or curl`,
      );
    }
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      return crossSite(
        `the admin API refuses requests from web pages (Sec-Fetch-Site: ${site}); use the gw CLI or curl`,
      );
    }
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD' && !JSON_TYPE.test(req.headers['content-type'] ?? '')) {
      return errorAnswer(
        'GW_ERR_UNSUPPORTED_MEDIA_TYPE',
        `${method} to the admin API needs Content-Type: application/json (got ${JSON.stringify(req.headers['content-type'] ?? '')})`,
      );
    }
    return undefined;
  };
}
