// A small client for a running gateway's admin API (`gw diff`, `apply`, `rollback`, `status`).
// Every failure becomes a GwError whose message says what to do: the gateway is not running,
// the key is wrong, the port is the proxy's, or the server refused (conflict, invalid config).
import { ERRORS, GwError, type ErrorCode } from '../errors.js';
import type { Diagnostic } from '../manifest/diagnostics.js';
import type { Manifest } from '../manifest/types.js';
import type { PlanJson } from '../state/report.js';
import type { RouteExplanation } from '../ops/route-explain.js';
import type { LiveReadings } from '../ops/route-live.js';
import { isObject } from '../util/is-object.js';

/** GET /admin/v1/config: the current revision's manifests as written. */
export interface AdminConfig {
  readonly revision: number | null;
  readonly hash: string | null;
  readonly source: string | null;
  readonly appliedAt: string | null;
  readonly manifests: readonly Manifest[];
}

export interface ApplyRequest {
  readonly manifests: readonly Manifest[];
  readonly dryRun?: boolean;
  readonly ifRevision?: number;
  readonly source?: string;
  /** Who applied (user@host, the CI actor): recorded with the revision. */
  readonly actor?: string;
}

export interface RollbackRequest {
  readonly revision?: number;
  readonly dryRun?: boolean;
  readonly ifRevision?: number;
  readonly actor?: string;
}

/** GET /admin/v1/revisions: one revision and what it changed against the one before. */
export interface RevisionListItem {
  readonly number: number;
  readonly hash: string;
  readonly appliedAt: string;
  readonly source: string;
  readonly actor: string | null;
  readonly resources: number;
  readonly previous: number | null;
  readonly changes: PlanJson['summary'];
}

/** GET /admin/v1/revisions/diff?revision=N. */
export interface RevisionDiffResponse {
  readonly revision: number;
  readonly previous: number | null;
  readonly source: string;
  readonly appliedAt: string;
  readonly diff: PlanJson;
}

export interface ApplyResponse {
  readonly applied: boolean;
  readonly revision: number;
  readonly plan: PlanJson;
  readonly diagnostics: readonly Diagnostic[];
}

export interface RollbackResponse {
  /** False when the revision rolled back to is what the gateway already serves. */
  readonly applied?: boolean;
  readonly revision: number;
  readonly rolledBackTo: number;
  readonly plan: PlanJson;
}

export interface EndpointStatus {
  readonly workspace: string;
  readonly name: string;
  readonly rps: number;
  readonly p95Ms: number | null;
  readonly errorRate: number;
  readonly requests: number;
  readonly errors: number;
  /** Of the errors: 429 answers (rate limits) and 422 answers (token cap, budgets, other policies). */
  readonly limited?: number;
  readonly refused?: number;
  readonly lastError: { readonly code: string; readonly at: string } | null;
}

export interface StatusResponse {
  readonly revision: number | null;
  readonly hash: string | null;
  readonly uptimeS: number;
  readonly endpoints: readonly EndpointStatus[];
  /** Circuit breakers with failures on record (absent from older gateways). */
  readonly breakers?: readonly BreakerStatus[];
  /** A fleet sharing Redis and run from `gw apply`: every live instance; null or absent otherwise. */
  readonly fleet?: {
    readonly shared: boolean;
    readonly instances: readonly FleetInstanceStatus[];
  } | null;
}

export interface FleetInstanceStatus {
  readonly id: string;
  readonly host: string;
  readonly proxy: string;
  readonly admin: string;
  readonly revision: number | null;
  readonly hash: string | null;
  readonly seenAt: string;
  readonly self: boolean;
}

export interface BreakerStatus {
  readonly provider: string;
  readonly workspace: string;
  readonly model: string;
  readonly state: 'closed' | 'open' | 'half-open';
  readonly failures: number;
  readonly reopensAt: string | null;
}

export interface AdminClientOptions {
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer`; GW_ADMIN_KEY in the CLI. */
  readonly key?: string | undefined;
  /** Per request; default 30s. */
  readonly timeoutMs?: number;
}

export interface AdminClient {
  readonly baseUrl: string;
  config(): Promise<AdminConfig>;
  apply(body: ApplyRequest): Promise<ApplyResponse>;
  rollback(req: RollbackRequest): Promise<RollbackResponse>;
  revisions(limit?: number): Promise<{ readonly revisions: readonly RevisionListItem[] }>;
  revisionDiff(revision: number): Promise<RevisionDiffResponse>;
  status(): Promise<StatusResponse>;
  /** The route dry run against the table in service, with the limits' and budgets' live readings. */
  route(keyHash: string, model: string): Promise<LiveRouteExplanation>;
}

/** POST /admin/v1/route. */
export type LiveRouteExplanation = RouteExplanation & { readonly live: LiveReadings };

/** 'http://127.0.0.1:3001' from '127.0.0.1:3001/', 'http://h:1', …: no trailing slash. */
export function normalizeBaseUrl(server: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(server) ? server : `http://${server}`;
  return withScheme.replace(/\/+$/, '');
}

/** The URL to reach an admin listener at `listen` (host:port as in gateway.yaml). */
export function adminUrlFromListen(listen: string): string {
  const i = listen.lastIndexOf(':');
  let host = i < 0 ? '127.0.0.1' : listen.slice(0, i);
  const port = i < 0 ? listen : listen.slice(i + 1);
  // A listener bound to every address is reached on loopback from the same machine.
  if (host === '' || host === '0.0.0.0') host = '127.0.0.1';
  if (host === '[::]' || host === '::') host = '[::1]';
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`;
  return `http://${host}:${port}`;
}

function causeText(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code === 'ECONNREFUSED' ? 'connection refused' : cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

interface ErrorBody {
  readonly error?: { readonly code?: unknown; readonly message?: unknown };
  readonly diagnostics?: unknown;
  readonly currentRevision?: unknown;
}

function knownCode(code: unknown): ErrorCode | undefined {
  return typeof code === 'string' && Object.hasOwn(ERRORS, code) ? (code as ErrorCode) : undefined;
}

/** A non-2xx answer as a GwError; details carry status, the server's code, diagnostics, currentRevision. */
function refusal(
  baseUrl: string,
  route: string,
  status: number,
  body: ErrorBody | undefined,
  hasKey: boolean,
): GwError {
  const serverCode = typeof body?.error?.code === 'string' ? body.error.code : undefined;
  const serverMessage = typeof body?.error?.message === 'string' ? body.error.message : undefined;
  const details: Record<string, unknown> = { status, route };
  if (serverCode !== undefined) details.serverCode = serverCode;
  if (Array.isArray(body?.diagnostics)) details.diagnostics = body.diagnostics;
  if (typeof body?.currentRevision === 'number') details.currentRevision = body.currentRevision;
  let message: string;
  if (status === 401) {
    message = hasKey
      ? `the gateway at ${baseUrl} refused the admin key in GW_ADMIN_KEY (401)`
      : `the gateway at ${baseUrl} requires an admin key (401): set GW_ADMIN_KEY`;
  } else if (status === 403 && serverCode === 'GW_ERR_ADMIN_CROSS_SITE') {
    message = `${serverMessage ?? 'cross-site request refused'} (${route} answered 403); reach a loopback admin listener as --server http://127.0.0.1:PORT`;
  } else if (body === undefined) {
    // Not our JSON at all: usually the proxy port, or another program on that port.
    message = `${baseUrl} answered ${route} with HTTP ${status} and no admin API error; is it the admin listener (admin.listen), not the proxy?`;
  } else {
    // A code we know becomes the error's own code (printed with it); an unknown one is kept here.
    const shown = serverCode !== undefined && knownCode(serverCode) === undefined ? ` ${serverCode}` : '';
    message = `${serverMessage ?? `HTTP ${status}`} (${route} answered ${status}${shown})`;
  }
  return new GwError(knownCode(serverCode) ?? 'GW_ERR_ADMIN_RESPONSE', message, details);
}

export function createAdminClient(opts: AdminClientOptions): AdminClient {
  const baseUrl = normalizeBaseUrl(opts.baseUrl);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const key = opts.key !== undefined && opts.key !== '' ? opts.key : undefined;

  async function call<T>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (key !== undefined) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(baseUrl + route, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      if (err instanceof Error && err.name === 'TimeoutError') {
        throw new GwError(
          'GW_ERR_ADMIN_UNREACHABLE',
          `the gateway at ${baseUrl} did not answer ${route} within ${timeoutMs / 1000}s`,
        );
      }
      const hint = 'is `gw serve` running there? Pass --server URL (or GW_SERVER) or set admin.listen in gateway.yaml';
      throw new GwError(
        'GW_ERR_ADMIN_UNREACHABLE',
        `cannot reach the gateway at ${baseUrl} (${causeText(err)}); ${hint}`,
      );
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const isJsonObject = isObject(parsed);
    if (!res.ok) {
      const errBody = isJsonObject && 'error' in (parsed as object) ? (parsed as ErrorBody) : undefined;
      throw refusal(baseUrl, route, res.status, errBody, key !== undefined);
    }
    if (!isJsonObject) {
      throw new GwError(
        'GW_ERR_ADMIN_RESPONSE',
        `${baseUrl} answered ${route} with something that is not admin API JSON; is it the admin listener (admin.listen)?`,
        {
          status: res.status,
          route,
        },
      );
    }
    return parsed as T;
  }

  return {
    baseUrl,
    config: () => call<AdminConfig>('GET', '/admin/v1/config'),
    apply: (body) => call<ApplyResponse>('POST', '/admin/v1/apply', body),
    rollback: (req) => call<RollbackResponse>('POST', '/admin/v1/rollback', req),
    revisions: (limit) =>
      call<{ revisions: RevisionListItem[] }>(
        'GET',
        `/admin/v1/revisions${limit !== undefined ? `?limit=${limit}` : ''}`,
      ),
    revisionDiff: (revision) => call<RevisionDiffResponse>('GET', `/admin/v1/revisions/diff?revision=${revision}`),
    status: () => call<StatusResponse>('GET', '/admin/v1/status'),
    route: (keyHash, model) => call<LiveRouteExplanation>('POST', '/admin/v1/route', { keyHash, model }),
  };
}

/**
 * Where the admin API is: --server when given, else http://{admin.listen} of gateway.yaml (as
 * written), else the default 127.0.0.1:3001.
 */
export function adminBaseUrl(server: string | undefined, adminListen: string | undefined): string {
  if (server !== undefined && server !== '') return normalizeBaseUrl(server);
  return adminUrlFromListen(adminListen ?? '127.0.0.1:3001');
}

/**
 * adminBaseUrl for commands that read no manifests (rollback, status): gateway.yaml (or -c) is
 * read only for admin.listen, and only when --server is not given.
 */
export async function locateAdmin(o: { readonly server?: string; readonly config?: string }): Promise<string> {
  if (o.server !== undefined && o.server !== '') return normalizeBaseUrl(o.server);
  const [{ stat }, { resolve }, { loadManifests }] = await Promise.all([
    import('node:fs/promises'),
    import('node:path'),
    import('../manifest/load.js'),
  ]);
  const path = resolve(o.config ?? 'gateway.yaml');
  const exists = await stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!exists) {
    if (o.config !== undefined)
      throw new GwError(
        'GW_ERR_CLI_USAGE',
        `${o.config} not found; name an existing gateway.yaml with -c, or pass --server URL`,
      );
    return adminBaseUrl(undefined, undefined);
  }
  const loaded = await loadManifests([path]);
  if (loaded.gateway === undefined) {
    throw new GwError(
      'GW_ERR_CLI_USAGE',
      `${o.config ?? 'gateway.yaml'} holds no valid Gateway document (run gw validate); or pass --server URL`,
    );
  }
  return adminBaseUrl(undefined, loaded.gateway.manifest.spec.admin?.listen);
}
