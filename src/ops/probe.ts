// `gw test-connection`: one GET per provider against its model list (http providers: their
// probe path) with the provider's own headers and TLS settings, through a connection pool made
// for that probe alone. Every failure becomes a value with a class an operator can act on.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { CompiledProvider, RoutingTable } from '../compile/routing-table.js';
import { placeholderFor } from './offline-config.js';

/** Why a probe failed before an HTTP answer arrived. */
export type ProbeErrorClass = 'secret unset' | 'connect refused' | 'timeout' | 'TLS' | 'DNS' | 'connection reset' | 'network error';

export interface ProbeResult {
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
}

export interface ProbeOptions {
  /** Whole probe: connect, headers and body. */
  readonly timeoutMs: number;
  /** Variables the config was built without (offline-config.ts); a provider using one is not probed. */
  readonly unsetEnv?: readonly string[];
}

/** The unset variables a provider's URL, headers or CA would carry as placeholders. */
function unsetIn(p: CompiledProvider, unset: readonly string[]): string[] {
  if (unset.length === 0) return [];
  const values = [p.baseUrl, p.tls.ca ?? '', ...Object.values(p.headers)];
  return unset.filter((name) => values.some((v) => v.includes(placeholderFor(name))));
}

/** The Anthropic API refuses requests without a version header. */
const ANTHROPIC_VERSION = '2023-06-01';
/** Bigger model lists are not read to the end; none known comes close. */
const MAX_LIST_BYTES = 16 * 1024 * 1024;

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

function probeUrl(p: CompiledProvider): string {
  const url = p.baseUrl + p.probePath;
  // Anthropic pages its model list (20 by default); one page of 1000 holds all of them.
  return p.type === 'anthropic' ? `${url}${url.includes('?') ? '&' : '?'}limit=1000` : url;
}

function probeHeaders(p: CompiledProvider): Record<string, string> {
  const h: Record<string, string> = { accept: 'application/json', ...p.headers };
  if (p.type === 'anthropic' && h['anthropic-version'] === undefined) h['anthropic-version'] = ANTHROPIC_VERSION;
  return h;
}

function codesOf(err: unknown, out: string[] = [], depth = 0): string[] {
  if (typeof err !== 'object' || err === null || depth > 4) return out;
  const e = err as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string') out.push(e.code);
  if (typeof e.name === 'string') out.push(e.name);
  if (e.cause !== undefined) codesOf(e.cause, out, depth + 1);
  if (Array.isArray(e.errors)) for (const x of e.errors) codesOf(x, out, depth + 1);
  return out;
}

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_OSSL_)/;

export function classifyProbeError(err: unknown, timedOut: boolean): ProbeErrorClass {
  if (timedOut) return 'timeout';
  const codes = codesOf(err);
  const has = (...c: string[]): boolean => codes.some((x) => c.includes(x));
  if (has('UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'TimeoutError')) return 'timeout';
  if (has('ECONNREFUSED')) return 'connect refused';
  if (has('ENOTFOUND', 'EAI_AGAIN')) return 'DNS';
  if (codes.some((c) => TLS_CODE.test(c))) return 'TLS';
  if (has('ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET')) return 'connection reset';
  return 'network error';
}

/** Model ids of an OpenAI / Anthropic list answer (`{data: [{id}]}`); undefined for another shape. */
export function listedModels(body: string): string[] | undefined {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return undefined;
  }
  const data = typeof v === 'object' && v !== null ? (v as { data?: unknown }).data : undefined;
  if (!Array.isArray(data)) return undefined;
  const ids: string[] = [];
  for (const m of data) {
    const id = typeof m === 'object' && m !== null ? (m as { id?: unknown }).id : undefined;
    if (typeof id === 'string') ids.push(id);
  }
  return ids;
}

function messageOf(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg === '' ? 'no detail' : msg;
}

export async function probeProvider(p: CompiledProvider, mapped: ReadonlySet<string>, o: ProbeOptions): Promise<ProbeResult> {
  const base = { id: p.id, name: p.name, workspace: p.workspace, type: p.type, mapped: [...mapped].sort() };
  if (p.type === 'mock') {
    return { ...base, url: null, ok: true, status: 'ok', httpStatus: null, errorClass: null, message: null, latencyMs: 0, models: null, missing: [] };
  }
  const url = probeUrl(p);
  const unset = unsetIn(p, o.unsetEnv ?? []);
  if (unset.length > 0) {
    const message = `GW_ERR_ENV_UNSET: ${unset.join(', ')} ${unset.length === 1 ? 'is' : 'are'} not set; nothing was sent`;
    return { ...base, url, ok: false, status: 'secret unset', httpStatus: null, errorClass: 'secret unset', message, latencyMs: 0, models: null, missing: [] };
  }
  const connect: Record<string, unknown> = { rejectUnauthorized: p.tls.rejectUnauthorized, timeout: o.timeoutMs };
  if (p.tls.ca !== undefined) connect.ca = p.tls.ca;
  const pool = new Pool(p.origin, { connect, connections: 1, headersTimeout: o.timeoutMs, bodyTimeout: o.timeoutMs });
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort();
  }, o.timeoutMs);
  const t0 = performance.now();
  const elapsed = (): number => Math.round(performance.now() - t0);
  try {
    const res = await pool.request({ origin: p.origin, path: url.slice(p.origin.length), method: 'GET', headers: probeHeaders(p), signal: ac.signal });
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    if (!ok) {
      await res.body.dump();
      return { ...base, url, ok: false, status: `HTTP ${res.statusCode}`, httpStatus: res.statusCode, errorClass: null, message: null, latencyMs: elapsed(), models: null, missing: [] };
    }
    const length = Number(res.headers['content-length'] ?? 0);
    const body = p.type === 'http' || length > MAX_LIST_BYTES ? (await res.body.dump(), '') : await res.body.text();
    const ids = p.type === 'http' ? undefined : listedModels(body);
    const listed = new Set(ids ?? []);
    const missing = ids === undefined ? [] : base.mapped.filter((m) => !listed.has(m));
    const note = p.type !== 'http' && ids === undefined ? 'the answer is not a model list ({"data": [{"id": …}]})' : null;
    return { ...base, url, ok: true, status: 'ok', httpStatus: res.statusCode, errorClass: null, message: note, latencyMs: elapsed(), models: ids?.length ?? null, missing };
  } catch (err) {
    const cls = classifyProbeError(err, timedOut);
    const message = cls === 'timeout' ? `no complete answer within ${o.timeoutMs} ms` : messageOf(err);
    return { ...base, url, ok: false, status: cls, httpStatus: null, errorClass: cls, message, latencyMs: elapsed(), models: null, missing: [] };
  } finally {
    clearTimeout(timer);
    await pool.destroy().catch(() => undefined);
  }
}

/** Probes every given provider at once; results in the order given. */
export function probeProviders(table: RoutingTable, providers: readonly CompiledProvider[], o: ProbeOptions): Promise<ProbeResult[]> {
  const mapped = mappedModels(table);
  return Promise.all(providers.map((p) => probeProvider(p, mapped.get(p.id) ?? new Set(), o)));
}
