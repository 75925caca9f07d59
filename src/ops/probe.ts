// `gw test-connection`: one GET per provider against its model list, built and read by the
// provider's adapter (providers without one, type http, get a GET of their probe path and a
// status; chat providers whose API lists no models, a one-token chat call with --chat), with
// the provider's own headers and TLS settings, through a connection pool made for that probe
// alone. Every failure becomes a value with a class an operator can act on.
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { CompiledProvider, CompiledProxyEndpoint, RoutingTable } from '../compile/routing-table.js';
import { getAdapter } from '../providers/registry.js';
import type { HttpAdapter, HttpRequestSpec, Parsed } from '../providers/types.js';
import { codesOf } from '../upstream/failure.js';
import { providerHeaders } from '../upstream/headers.js';
import { PoolRegistry } from '../upstream/pool.js';
import { placeholderFor } from './offline-config.js';
import { probeChatModel, type ChatProbe } from './chat-probe.js';

/** Why a probe failed before an HTTP answer arrived. */
export type ProbeErrorClass =
  'secret unset' | 'connect refused' | 'timeout' | 'TLS' | 'DNS' | 'connection reset' | 'network error';

export interface ProbeResult {
  /** A provider, or a proxy endpoint probed with its own baseUrl, auth, headers and TLS. */
  readonly kind: 'provider' | 'proxy endpoint';
  /** "workspace/name" */
  readonly id: string;
  readonly name: string;
  readonly workspace: string;
  readonly type: CompiledProvider['type'];
  /** What was requested; null for mock providers (no I/O). */
  readonly url: string | null;
  readonly ok: boolean;
  /** 'ok', 'HTTP 401', or the error class. */
  readonly status: string;
  readonly httpStatus: number | null;
  readonly errorClass: ProbeErrorClass | null;
  /** Short reason for failures; never contains headers or secrets. */
  readonly message: string | null;
  readonly latencyMs: number;
  /** Models the upstream listed; null when it answered no model list (http providers). */
  readonly models: number | null;
  /** Upstream models endpoints map to on this provider, sorted. */
  readonly mapped: readonly string[];
  /** Mapped models the upstream does not list (only known when it listed models). */
  readonly missing: readonly string[];
  /** With --chat: one completion of at most one token per mapped model; ok needs all of them to pass. */
  readonly chat?: readonly ChatProbe[];
}

export interface ProbeOptions {
  /** Whole probe: connect, headers and body. */
  readonly timeoutMs: number;
  /** Variables the config was built without (offline-config.ts); a provider using one is not probed. */
  readonly unsetEnv?: readonly string[];
  /**
   * A one-token chat completion per mapped model (billed by the upstream). A chat provider whose
   * API has no model list (bedrock) is checked with one chat call instead of the list; without
   * this it is skipped.
   */
  readonly chat?: boolean;
}

/** The unset variables a provider's URL, headers or CA would carry as placeholders. */
function unsetIn(p: CompiledProvider, unset: readonly string[]): string[] {
  if (unset.length === 0) return [];
  const c = p.aws?.credentials;
  const values = [p.baseUrl, p.tls.ca ?? '', ...Object.values(p.headers)];
  if (c !== undefined) values.push(c.accessKeyId, c.secretAccessKey, c.sessionToken ?? '');
  return unset.filter((name) => values.some((v) => v.includes(placeholderFor(name))));
}

/** Bigger model lists are not read to the end; none known comes close. */
const MAX_LIST_BYTES = 16 * 1024 * 1024;
/** Enough of an error answer for its message. */
const MAX_ERROR_BYTES = 64 * 1024;

/** Upstream model names each provider (by id) is mapped to by chat endpoint targets. */
export function mappedModels(table: RoutingTable): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const ws of table.workspaces.values()) {
    for (const ep of ws.endpoints.values()) {
      if (ep.type !== 'chat') continue;
      for (const t of ep.targets) {
        if (t.kind !== 'provider') continue;
        let set = out.get(t.provider.id);
        if (set === undefined) out.set(t.provider.id, (set = new Set()));
        for (const upstream of t.models.values()) set.add(upstream);
      }
    }
  }
  return out;
}

/** Providers without a model-list request (no adapter: type http) are probed on their probe path. */
const STATUS_ONLY_HEADERS = Object.freeze({ accept: 'application/json' });

/** What a probe sends: the model list, a one-token chat call, or a GET of the probe path. */
type ProbePlan =
  | { readonly kind: 'list' | 'status'; readonly spec: HttpRequestSpec }
  | { readonly kind: 'chat'; readonly spec: HttpRequestSpec; readonly model: string }
  | { readonly kind: 'skip'; readonly why: string };

function probePlan(
  p: CompiledProvider,
  adapter: HttpAdapter | undefined,
  mapped: readonly string[],
  chat: boolean,
): ProbePlan {
  const built = adapter?.buildModelsRequest?.(p);
  if (built !== undefined) return { kind: 'list', spec: built };
  if (adapter === undefined || !adapter.capabilities.chat)
    return {
      kind: 'status',
      spec: { method: 'GET', path: p.basePath + p.probePath, headers: STATUS_ONLY_HEADERS, body: undefined },
    };
  const model = mapped[0];
  if (!chat)
    return { kind: 'skip', why: `type ${p.type} has no model list to read; --chat sends a one-token chat call` };
  if (model === undefined) return { kind: 'skip', why: 'no endpoint maps a model to this provider: nothing to call' };
  const body = { model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 };
  return { kind: 'chat', spec: adapter.buildChatRequest(p, body, false), model };
}

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_OSSL_)/;

export function classifyProbeError(err: unknown, timedOut: boolean): ProbeErrorClass {
  if (timedOut) return 'timeout';
  const codes = codesOf(err);
  if (err instanceof Error) codes.push(err.name);
  const has = (...c: string[]): boolean => codes.some((x) => c.includes(x));
  if (has('UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'TimeoutError'))
    return 'timeout';
  if (has('ECONNREFUSED')) return 'connect refused';
  if (has('ENOTFOUND', 'EAI_AGAIN')) return 'DNS';
  if (codes.some((c) => TLS_CODE.test(c))) return 'TLS';
  if (has('ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET')) return 'connection reset';
  return 'network error';
}

/** The body as text, or undefined (and the rest dropped) when it is larger than limit. */
async function readCapped(
  body: Dispatcher.ResponseData['body'],
  declared: number,
  limit: number,
): Promise<string | undefined> {
  if (declared > limit) {
    await body.dump().catch(() => undefined); // the rest is not wanted, nor how it ends
    return undefined;
  }
  const parts: Buffer[] = [];
  let size = 0;
  for await (const piece of body as AsyncIterable<Buffer>) {
    size += piece.length;
    if (size > limit) return undefined; // leaving the loop destroys the body
    parts.push(piece);
  }
  return Buffer.concat(parts).toString('utf8');
}

function parseList(text: string | undefined, parse: (json: unknown) => Parsed<string[]>): Parsed<string[]> {
  if (text === undefined)
    return { ok: false, message: `the model list is larger than ${MAX_LIST_BYTES / 1024 / 1024} MiB; not read` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined; // not JSON: the adapter says what shape it expected
  }
  return parse(json);
}

function messageOf(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg === '' ? 'no detail' : msg;
}

export async function probeProvider(
  p: CompiledProvider,
  mapped: ReadonlySet<string>,
  o: ProbeOptions,
): Promise<ProbeResult> {
  const listed = await probeList(p, mapped, o);
  const adapter = getAdapter(p.type);
  if (o.chat !== true || !listed.ok || adapter?.kind !== 'http' || !adapter.capabilities.chat || PROXY_VIEWS.has(p))
    return listed;
  const pools = new PoolRegistry({ connectTimeoutMs: o.timeoutMs });
  const chat: ChatProbe[] = [];
  try {
    // One model after another: a probe run should not look like a burst to the upstream.
    for (const model of listed.mapped) chat.push(await probeChatModel(p, adapter, model, pools, o.timeoutMs));
  } finally {
    await pools.close();
  }
  return { ...listed, ok: chat.every((c) => c.ok), chat };
}

async function probeList(p: CompiledProvider, mapped: ReadonlySet<string>, o: ProbeOptions): Promise<ProbeResult> {
  const base = {
    kind: PROXY_VIEWS.has(p) ? ('proxy endpoint' as const) : ('provider' as const),
    id: p.id,
    name: p.name,
    workspace: p.workspace,
    type: p.type,
    mapped: [...mapped].sort(),
  };
  const adapter = getAdapter(p.type);
  if (adapter?.kind === 'in-process') {
    return {
      ...base,
      url: null,
      ok: true,
      status: 'ok',
      httpStatus: null,
      errorClass: null,
      message: null,
      latencyMs: 0,
      models: null,
      missing: [],
    };
  }
  const plan = probePlan(p, adapter, base.mapped, o.chat === true);
  if (plan.kind === 'skip') {
    return {
      ...base,
      url: p.baseUrl,
      ok: true,
      status: 'skipped',
      httpStatus: null,
      errorClass: null,
      message: plan.why,
      latencyMs: 0,
      models: null,
      missing: [],
    };
  }
  const spec = plan.spec;
  const parse = plan.kind === 'list' ? adapter?.parseModels : undefined;
  const url = p.origin + spec.path;
  const unset = unsetIn(p, o.unsetEnv ?? []);
  if (unset.length > 0) {
    const message = `GW_ERR_ENV_UNSET: ${unset.join(', ')} ${unset.length === 1 ? 'is' : 'are'} not set; nothing was sent`;
    return {
      ...base,
      url,
      ok: false,
      status: 'secret unset',
      httpStatus: null,
      errorClass: 'secret unset',
      message,
      latencyMs: 0,
      models: null,
      missing: [],
    };
  }
  const pools = new PoolRegistry({ connectTimeoutMs: o.timeoutMs });
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort();
  }, o.timeoutMs);
  const t0 = performance.now();
  const elapsed = (): number => Math.round(performance.now() - t0);
  try {
    const headers: Record<string, string> = { ...spec.headers, ...providerHeaders(p.headers) };
    if (adapter?.authorize !== undefined) {
      const request = { method: spec.method, origin: p.origin, path: spec.path, headers, body: spec.body };
      Object.assign(headers, await adapter.authorize(p, request, ac.signal));
    }
    const res = await pools
      .get(p)
      .request({ origin: p.origin, path: spec.path, method: spec.method, headers, body: spec.body, signal: ac.signal });
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    if (!ok && plan.kind === 'chat' && adapter !== undefined) {
      // The upstream's own words (an unknown model, a refused signature) say what to fix.
      const text = await readCapped(res.body, Number(res.headers['content-length'] ?? 0), MAX_ERROR_BYTES);
      return {
        ...base,
        url,
        ok: false,
        status: `HTTP ${res.statusCode}`,
        httpStatus: res.statusCode,
        errorClass: null,
        message: `chat call to ${plan.model}: ${adapter.parseError(res.statusCode, text ?? '').message}`,
        latencyMs: elapsed(),
        models: null,
        missing: [],
      };
    }
    if (!ok || parse === undefined) {
      await res.body.dump();
      if (ok)
        return {
          ...base,
          url,
          ok: true,
          status: 'ok',
          httpStatus: res.statusCode,
          errorClass: null,
          message: null,
          latencyMs: elapsed(),
          models: null,
          missing: [],
        };
      return {
        ...base,
        url,
        ok: false,
        status: `HTTP ${res.statusCode}`,
        httpStatus: res.statusCode,
        errorClass: null,
        message: null,
        latencyMs: elapsed(),
        models: null,
        missing: [],
      };
    }
    const text = await readCapped(res.body, Number(res.headers['content-length'] ?? 0), MAX_LIST_BYTES);
    const listed = parseList(text, parse);
    const ids = listed.ok ? new Set(listed.value) : undefined;
    const missing = ids === undefined ? [] : base.mapped.filter((m) => !ids.has(m));
    const note = listed.ok ? null : listed.message;
    return {
      ...base,
      url,
      ok: true,
      status: 'ok',
      httpStatus: res.statusCode,
      errorClass: null,
      message: note,
      latencyMs: elapsed(),
      models: listed.ok ? listed.value.length : null,
      missing,
    };
  } catch (err) {
    const cls = classifyProbeError(err, timedOut);
    const message = cls === 'timeout' ? `no complete answer within ${o.timeoutMs} ms` : messageOf(err);
    return {
      ...base,
      url,
      ok: false,
      status: cls,
      httpStatus: null,
      errorClass: cls,
      message,
      latencyMs: elapsed(),
      models: null,
      missing: [],
    };
  } finally {
    clearTimeout(timer);
    await pools.close();
  }
}

/** Provider-shaped views of proxy endpoints (proxyProbeTarget), told apart in the results. */
const PROXY_VIEWS = new WeakSet<CompiledProvider>();

/**
 * A proxy endpoint as the probe sees it: its provider with the endpoint's effective baseUrl,
 * headers (auth included) and TLS, so the probe is a GET of {baseUrl}{probe.path} as the proxy
 * would send it.
 */
export function proxyProbeTarget(ep: CompiledProxyEndpoint): CompiledProvider {
  const view: CompiledProvider = {
    ...ep.provider,
    id: ep.id,
    name: ep.name,
    workspace: ep.workspace,
    baseUrl: ep.baseUrl,
    origin: ep.origin,
    basePath: ep.basePath,
    headers: ep.headers,
    tls: ep.tls,
  };
  PROXY_VIEWS.add(view);
  return view;
}

/** Probes every given provider at once; results in the order given. */
export function probeProviders(
  table: RoutingTable,
  providers: readonly CompiledProvider[],
  o: ProbeOptions,
): Promise<ProbeResult[]> {
  const mapped = mappedModels(table);
  return Promise.all(providers.map((p) => probeProvider(p, mapped.get(p.id) ?? new Set(), o)));
}
