// The transparent proxy surface (/proxy/{provider}/{endpoint}/{path…}): which proxy endpoint a
// request reaches and whether this key may (404 / 403), whether its path stays below the
// endpoint's baseUrl (400, before anything goes upstream: http/proxy-path.ts), then the one
// upstream call (upstream/proxy.ts) whose answer the respond stage passes on as raw bytes.
import type { IncomingMessage } from 'node:http';
import type { CompiledKey, CompiledProxyEndpoint, CompiledWorkspace } from '../../compile/routing-table.js';
import { GwError, isGwError } from '../../errors.js';
import { continueBody } from '../../http/continue.js';
import { proxyPath } from '../../http/proxy-path.js';
import { endpointDenied } from '../../policy/access.js';
import type { Attempt } from '../../upstream/execute.js';
import { forwardProxy, type ProxyTry } from '../../upstream/proxy.js';
import type { ProxyRequest, RequestContext } from '../context.js';
import { streamedBytes } from '../../util/gc-nudge.js';
import type { Next, Stage, StageDeps } from '../stage.js';

/** The 404 message lists at most this many endpoints. */
const MAX_LISTED = 20;

/** provider/endpoint pairs this key may reach through the proxy surface, for the 404 message. */
function usableProxies(key: CompiledKey, ws: CompiledWorkspace | undefined): string[] {
  const out: string[] = [];
  for (const ep of ws?.endpoints.values() ?? []) {
    if (ep.type === 'proxy' && ep.enabled && endpointDenied(key, ep) === undefined)
      out.push(`${ep.provider.name}/${ep.name}`);
  }
  return out.sort();
}

function notFound(key: CompiledKey, ws: CompiledWorkspace | undefined, provider: string, name: string): GwError {
  const names = usableProxies(key, ws);
  const hint =
    names.length === 0
      ? 'this key may use no proxy endpoint'
      : `this key may use: ${names.slice(0, MAX_LISTED).join(', ')}${names.length > MAX_LISTED ? ', …' : ''}`;
  return new GwError(
    'GW_ERR_PROXY_NOT_FOUND',
    `no proxy endpoint '${name.slice(0, 64)}' under provider '${provider.slice(0, 64)}', or it is disabled; ${hint}`,
    { available: names },
  );
}

/** Finds the proxy endpoint, checks the key's access to it and the path; sets ctx.proxy. */
export function proxyRouteStage(): Stage {
  return function proxyRoute(ctx: RequestContext, next: Next): Promise<void> {
    const key = ctx.key;
    if (key === undefined) return Promise.reject(new GwError('GW_ERR_INTERNAL', 'proxy route reached without a key'));
    const provider = ctx.route.params['provider'] ?? '';
    const name = ctx.route.params['endpoint'] ?? '';
    const ep = ctx.workspace?.endpoints.get(name);
    if (ep === undefined || ep.type !== 'proxy' || !ep.enabled || ep.provider.name !== provider)
      return Promise.reject(notFound(key, ctx.workspace, provider, name));
    const denied = endpointDenied(key, ep);
    if (denied !== undefined) return Promise.reject(denied);
    const checked = proxyPath(ctx.route.rest);
    if (!checked.ok) {
      return Promise.reject(
        new GwError('GW_ERR_PROXY_PATH', `the path may not leave endpoint ${ep.name}'s base URL: ${checked.reason}`),
      );
    }
    const url = ctx.req.url ?? '';
    const q = url.indexOf('?');
    const p: ProxyRequest = {
      endpoint: ep,
      path: checked.path,
      query: q === -1 ? '' : url.slice(q),
      bytesIn: 0,
      bytesOut: 0,
    };
    ctx.proxy = p;
    return next();
  };
}

/** The request has a body to pass on (RFC 9112 §6.3: Transfer-Encoding, or a non-zero Content-Length). */
function hasBody(headers: RequestContext['req']['headers']): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Passes chunks through as they are pulled, counting them into the usage row's bytes. */
async function* counted(
  src: AsyncIterable<Uint8Array>,
  p: ProxyRequest,
  field: 'bytesIn' | 'bytesOut',
): AsyncGenerator<Uint8Array> {
  for await (const chunk of src) {
    p[field] += chunk.byteLength;
    streamedBytes(chunk.byteLength);
    yield chunk;
  }
}

/** The caller's body, pulled by undici once the upstream takes it: only then is `100 Continue` sent. */
async function* callerBody(req: IncomingMessage, p: ProxyRequest): AsyncGenerator<Uint8Array> {
  continueBody(req);
  yield* counted(req, p, 'bytesIn');
}

function attempt(ep: CompiledProxyEndpoint, t: ProxyTry): Attempt {
  const a: Attempt = { provider: ep.provider.name, model: '', ms: t.ms };
  if (t.status !== undefined) a.status = t.status;
  // The failure class ('timeout', 'connect'), as chat attempts record it; the row's code says more.
  if (t.error !== undefined)
    a.error = isGwError(t.error) ? String(t.error.details?.['failure'] ?? 'error') : 'caller went away';
  return a;
}

/** The one upstream call of a proxied request; the answer is left in ctx.outcome.raw for the respond stage. */
export function proxyUpstreamStage(deps: StageDeps): Stage {
  const pools = deps.pools;
  return async function proxyUpstream(ctx: RequestContext, next: Next): Promise<void> {
    const p = ctx.proxy;
    if (p === undefined) throw new GwError('GW_ERR_INTERNAL', 'proxy upstream reached without a proxy endpoint');
    const ep = p.endpoint;
    const req = ctx.req;
    const tries: ProxyTry[] = [];
    let answer;
    try {
      answer = await forwardProxy(
        pools,
        {
          endpoint: ep,
          method: req.method ?? 'GET',
          path: p.path,
          query: p.query,
          headers: req.headers,
          body: hasBody(req.headers) ? callerBody(req, p) : undefined,
          requestId: ctx.id,
          signal: ctx.signal,
        },
        tries,
      );
    } finally {
      ctx.attempts = tries.map((t) => attempt(ep, t));
    }
    ctx.outcome = {
      provider: ep.provider,
      upstreamModel: undefined,
      attempts: ctx.attempts,
      ttfbMs: answer.headersMs,
      raw: { status: answer.status, headers: answer.headers, body: counted(answer.body, p, 'bytesOut') },
      usage: () => undefined,
    };
    return next();
  };
}
