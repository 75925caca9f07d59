// The status page's routes on the admin listener. Pages ('page' access: the admin key, or the
// sign-in cookie on GET; without either, the sign-in page) are built from the same functions
// that answer the JSON routes, so the page and `gw status` show the same numbers. The two static
// files and the sign-in are public; the sign-in checks the key itself and counts a wrong one in
// the failed-key throttle like any other.
import type { RoutingTable } from '../../compile/routing-table.js';
import type { ListenAddress } from '../../config/settings.js';
import { curlCommand, type CurlCommand } from '../../ops/curl-command.js';
import { GwError } from '../../errors.js';
import type { AdminAuth } from '../auth.js';
import { endpointsAnswer } from '../endpoints.js';
import { endpointSources, errorAnswer, type AdminAnswer, type AdminDeps, type AdminRoute } from '../handlers.js';
import { revisionDiff } from '../revision-diff.js';
import { statusSince } from '../status.js';
import type { AuthThrottle } from '../throttle.js';
import { APP_CSS, APP_JS } from './assets.js';
import { sessionCookie, clearedCookie } from './cookie.js';
import { detailPage } from './detail.js';
import type { SafeHtml } from './html.js';
import { listPage } from './list.js';
import { revisionsPage } from './revisions.js';
import { signInPage } from './signin.js';

export interface UiDeps extends AdminDeps {
  readonly auth: AdminAuth;
  readonly throttle: AuthThrottle;
  /** The proxy listener's address, for the examples on the detail page. */
  readonly proxyListen: ListenAddress;
}

/** No inline script or style, nothing from elsewhere, never framed. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const PAGE_HEADERS = {
  'content-security-policy': PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

const MASK = '[masked]';

/**
 * Every credential the table knows (providers' auth and secret headers, resolved) replaced in
 * the page: nothing the pages show should hold one, and this keeps it so if a prompt or a
 * description ever quotes one.
 */
export function scrubSecrets(text: string, table: RoutingTable | undefined): string {
  let out = text;
  for (const p of table?.providers.values() ?? []) {
    for (const s of p.secrets ?? []) if (s.length >= 8) out = out.split(s).join(MASK);
  }
  return out;
}

function callsOf(table: RoutingTable, listen: ListenAddress, workspace: string, endpoint: string): CurlCommand | null {
  const r = curlCommand(table, listen, { endpoint, workspace });
  return r.ok ? r.curl : null;
}

export function pageAnswer(status: number, page: SafeHtml, table: RoutingTable | undefined): AdminAnswer {
  return {
    status,
    text: scrubSecrets(page.value, table),
    contentType: 'text/html; charset=utf-8',
    headers: PAGE_HEADERS,
  };
}

/** What an unauthenticated browser gets for a page: 401 with the sign-in form. */
export function signInAnswer(refused: boolean): AdminAnswer {
  return pageAnswer(401, signInPage(refused), undefined);
}

const staticFile = (text: string, contentType: string): AdminAnswer => ({
  status: 200,
  text,
  contentType,
  headers: { 'x-content-type-options': 'nosniff' },
});

export function uiRoutes(d: UiDeps): AdminRoute[] {
  const page = (path: string, handle: AdminRoute['handle']): AdminRoute => ({
    method: 'GET',
    path,
    access: 'page',
    handle,
  });
  const list = page('/', () => {
    const table = d.table();
    return pageAnswer(
      200,
      listPage({
        revision: d.control.current?.number ?? null,
        answer: endpointsAnswer(table, endpointSources(d)),
        status: d.status.endpoints(table, d.usage),
      }),
      table,
    );
  });
  return [
    list,
    { ...list, path: '/ui' },
    page('/ui/endpoint', ({ query }) => {
      const table = d.table();
      const workspace = query.get('workspace') ?? 'default';
      const name = query.get('name') ?? '';
      const endpoint = table?.workspaces.get(workspace)?.endpoints.get(name);
      if (table === undefined || endpoint === undefined) {
        throw new GwError('GW_ERR_ROUTE_NOT_FOUND', `no endpoint ${workspace}/${name} in the config in service`);
      }
      const answer = endpointsAnswer(table, endpointSources(d));
      const view = answer.endpoints.find((e) => e.workspace === workspace && e.name === name)!;
      const sinceMs = statusSince(Date.now());
      return pageAnswer(
        200,
        detailPage({
          view,
          status: d.status.endpoints(table, d.usage).find((s) => s.workspace === workspace && s.name === name),
          series: { sinceMs, points: d.usage.endpointSeries(workspace, name, sinceMs) },
          recent: d.usage.recent({ workspace, endpoint: name, limit: 20 }),
          calls: callsOf(table, d.proxyListen, workspace, name),
        }),
        table,
      );
    }),
    page('/ui/revisions', () => {
      const diffs = d.store.list(20).map((r) => revisionDiff(d.store, r.number));
      return pageAnswer(200, revisionsPage(diffs), d.table());
    }),
    {
      method: 'GET',
      path: '/ui/app.js',
      access: 'public',
      handle: () => staticFile(APP_JS, 'text/javascript; charset=utf-8'),
    },
    {
      method: 'GET',
      path: '/ui/app.css',
      access: 'public',
      handle: () => staticFile(APP_CSS, 'text/css; charset=utf-8'),
    },
    {
      // The sign-in: JSON {key}, so only a same-origin script can send it (the guard's rules).
      method: 'POST',
      path: '/ui/session',
      access: 'public',
      handle: ({ body = {}, secure = false, remoteAddress }) => {
        const key = body['key'];
        if (typeof key !== 'string' || key === '' || key.length > 4096 || /[\s;,]/.test(key.trim())) {
          d.throttle.fail(remoteAddress);
          return errorAnswer('GW_ERR_ADMIN_AUTH', 'that is not the admin key');
        }
        if (!d.auth(`Bearer ${key.trim()}`)) {
          d.throttle.fail(remoteAddress);
          return errorAnswer('GW_ERR_ADMIN_AUTH', 'that is not the admin key');
        }
        return { status: 200, json: { signedIn: true }, headers: { 'set-cookie': sessionCookie(key.trim(), secure) } };
      },
    },
    {
      method: 'POST',
      path: '/ui/session/end',
      access: 'public',
      handle: ({ secure = false }) => ({
        status: 200,
        json: { signedIn: false },
        headers: { 'set-cookie': clearedCookie(secure) },
      }),
    },
  ];
}
