// The admin API routes: what each one reads from the request and answers. JSON everywhere,
// errors in the OpenAI envelope with a GW_ERR_* code (plus currentRevision / diagnostics where
// the contract adds them). /metrics answers Prometheus text.
import type { RoutingTable } from '../compile/routing-table.js';
import { ERRORS, GwError, type ErrorCode, type ErrorInfo } from '../errors.js';
import type { Revision, RevisionStore } from '../state/revisions.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import type { RecentQuery, SummaryBy, SummaryQuery } from '../telemetry/usage-queries.js';
import type { StoredUsageRow, UsageSummaryRow } from '../telemetry/usage-row.js';
import { parseSince } from '../ops/usage-report.js';
import { now as clockNow } from '../util/clock.js';
import { explainRoute } from '../ops/route-explain.js';
import { readLivePolicies, type LivePolicies } from '../ops/route-live.js';
import type { ControlPlane } from './control.js';
import type { BreakerStatus } from '../upstream/breaker.js';
import type { StatusQuery, StatusSource } from './status.js';
import { statusSince } from './status.js';
import { endpointsAnswer } from './endpoints.js';
import { revisionDiff } from './revision-diff.js';
import type { MinutePoint } from '../telemetry/usage-queries.js';

export interface AdminRequest {
  readonly query: URLSearchParams;
  /** True when the admin listener speaks TLS (cookies are then marked Secure). */
  readonly secure?: boolean;
  /** The remote address, for the failed-key throttle of the sign-in. */
  readonly remoteAddress?: string | undefined;
  /** The parsed JSON object body of a POST; undefined for GET. */
  readonly body: Record<string, unknown> | undefined;
}

/** Extra response headers (the status page's Content-Security-Policy, Set-Cookie). */
export type AnswerHeaders = Readonly<Record<string, string>>;

export type AdminAnswer =
  | { readonly status: number; readonly json: unknown; readonly headers?: AnswerHeaders }
  | { readonly status: number; readonly text: string; readonly contentType: string; readonly headers?: AnswerHeaders };

/**
 * Who may call a route: 'key' (the default) needs the admin key (header, or the sign-in cookie on
 * GET); 'page' the same, but an unauthenticated browser gets the sign-in page instead of JSON;
 * 'public' needs none (the page's static files and the sign-in itself, which checks the key).
 */
export type RouteAccess = 'key' | 'page' | 'public';

export interface AdminRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly access?: RouteAccess;
  readonly handle: (r: AdminRequest) => Promise<AdminAnswer> | AdminAnswer;
}

export interface AdminDeps {
  readonly control: ControlPlane;
  readonly store: RevisionStore;
  readonly usage: StatusSource & {
    recent(q: RecentQuery): StoredUsageRow[];
    summary(q: SummaryQuery): UsageSummaryRow[];
    monthSpend(workspace: string, kind: 'endpoint', subject: string): number;
    endpointSeries(workspace: string, endpoint: string, sinceMs: number): MinutePoint[];
  };
  readonly status: StatusQuery;
  readonly metrics: GatewayMetrics;
  /** The table in service right now. */
  readonly table: () => RoutingTable | undefined;
  /** Epoch ms the process started serving. */
  readonly startedAt: number;
  /** Circuit breakers with failures on record (the process's BreakerRegistry). */
  readonly breakers?: (() => readonly BreakerStatus[]) | undefined;
  /** The process's rate counters and budgets, for /admin/v1/route's live readings. */
  readonly policies?: LivePolicies | undefined;
  /** The fleet's live instances (limits.backend redis, run from `gw apply`); undefined otherwise. */
  readonly fleet?: (() => Promise<FleetView> | undefined) | undefined;
}

/** What `GET /admin/v1/status` says of the fleet: every live instance and its revision. */
export interface FleetView {
  /** false: Redis could not be read, only this instance is listed. */
  readonly shared: boolean;
  /** fleet/roster.ts fills these (its FleetInstance). */
  readonly instances: readonly {
    readonly id: string;
    readonly proxy: string;
    readonly admin: string;
    readonly revision: number | null;
    readonly hash: string | null;
    readonly seenAt: string;
    readonly self: boolean;
  }[];
}

/** The error envelope; `extra` fields sit next to `error` (currentRevision, diagnostics). */
export function errorAnswer(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): AdminAnswer {
  const info: ErrorInfo = ERRORS[code];
  return {
    status: info.status ?? 500,
    json: { error: { message, type: info.type ?? 'server_error', code }, ...extra },
  };
}

const bad = (message: string): GwError => new GwError('GW_ERR_BAD_REQUEST', message);

function intParam(q: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = q.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw bad(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

function optionalInt(body: Record<string, unknown>, name: string): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw bad(`${name} must be a whole number ≥ 0`);
  return v;
}

const SOURCE = /^[A-Za-z0-9._:-]{1,32}$/;
/** Who applied: printable text without control characters, at most 64. */
const ACTOR = /^[^\p{Cc}]{1,64}$/u;

function optionalActor(body: Record<string, unknown>): { actor?: string } {
  const v = body['actor'];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'string' || !ACTOR.test(v)) throw bad('actor must be text of 1 to 64 characters');
  return { actor: v };
}

function optionalBool(body: Record<string, unknown>, name: string): boolean {
  const v = body[name];
  if (v !== undefined && typeof v !== 'boolean') throw bad(`${name} must be true or false`);
  return v === true;
}

function configAnswer(rev: Revision | undefined): unknown {
  return {
    revision: rev?.number ?? null,
    hash: rev?.hash ?? null,
    source: rev?.source ?? null,
    appliedAt: rev === undefined ? null : new Date(rev.appliedAt).toISOString(),
    manifests: rev?.manifests ?? [],
  };
}

const KEY_HASH = /^sha256:([0-9a-fA-F]{64})$/;

/** Breaker health and this month's spend, for the endpoint views. */
export function endpointSources(d: AdminDeps): Parameters<typeof endpointsAnswer>[1] {
  return {
    breakers: d.breakers?.() ?? [],
    spend: (workspace, endpoint) => d.usage.monthSpend(workspace, 'endpoint', endpoint),
  };
}

const SUMMARY_BY: readonly SummaryBy[] = ['key', 'endpoint', 'model'];

export function adminRoutes(d: AdminDeps): AdminRoute[] {
  return [
    { method: 'GET', path: '/admin/v1/config', handle: () => ({ status: 200, json: configAnswer(d.control.current) }) },
    {
      method: 'GET',
      path: '/admin/v1/revisions',
      handle: ({ query }) => {
        const list = d.store.list(intParam(query, 'limit', 50, 1, 1000));
        return {
          status: 200,
          json: {
            revisions: list.map((r) => {
              // What it changed against the one before (the plan `gw revisions show N` prints).
              const diff = revisionDiff(d.store, r.number);
              return {
                ...r,
                appliedAt: new Date(r.appliedAt).toISOString(),
                previous: diff.previous,
                changes: diff.diff.summary,
              };
            }),
          },
        };
      },
    },
    {
      method: 'POST',
      path: '/admin/v1/apply',
      handle: async ({ body = {} }) => {
        const manifests = body['manifests'];
        if (!Array.isArray(manifests)) throw bad('manifests must be an array of manifests (the full desired set)');
        const dryRun = body['dryRun'];
        if (dryRun !== undefined && typeof dryRun !== 'boolean') throw bad('dryRun must be true or false');
        const source = body['source'];
        if (source !== undefined && (typeof source !== 'string' || !SOURCE.test(source)))
          throw bad('source must be a short label (letters, digits, . _ : -; at most 32)');
        const out = await d.control.apply({
          manifests,
          dryRun: dryRun === true,
          ifRevision: optionalInt(body, 'ifRevision'),
          ...(source !== undefined ? { source } : {}),
          ...optionalActor(body),
        });
        if (out.kind === 'conflict') {
          return errorAnswer(
            'GW_ERR_REVISION_CONFLICT',
            `the gateway is at revision ${out.currentRevision}, not the expected one; plan again and retry`,
            { currentRevision: out.currentRevision },
          );
        }
        if (out.kind === 'invalid') {
          const n = out.diagnostics.filter((x) => x.severity === 'error').length;
          return errorAnswer(
            'GW_ERR_CONFIG_INVALID',
            `the manifests have ${n} error${n === 1 ? '' : 's'}; nothing was changed`,
            { diagnostics: out.diagnostics },
          );
        }
        return {
          status: 200,
          json: { applied: out.applied, revision: out.revision, plan: out.plan, diagnostics: out.diagnostics },
        };
      },
    },
    {
      method: 'POST',
      path: '/admin/v1/rollback',
      handle: async ({ body = {} }) => {
        const out = await d.control.rollback({
          revision: optionalInt(body, 'revision'),
          dryRun: optionalBool(body, 'dryRun'),
          ifRevision: optionalInt(body, 'ifRevision'),
          ...optionalActor(body),
        });
        if (out.kind === 'not-found') return errorAnswer('GW_ERR_REVISION_NOT_FOUND', out.message);
        if (out.kind === 'conflict') {
          return errorAnswer(
            'GW_ERR_REVISION_CONFLICT',
            `the gateway is at revision ${out.currentRevision}, not the expected one; nothing was rolled back`,
            { currentRevision: out.currentRevision },
          );
        }
        if (out.kind === 'invalid') {
          return errorAnswer(
            'GW_ERR_CONFIG_INVALID',
            'that revision no longer validates here (see diagnostics); nothing was changed',
            { diagnostics: out.diagnostics },
          );
        }
        return {
          status: 200,
          json: { applied: out.applied, revision: out.revision, rolledBackTo: out.rolledBackTo, plan: out.plan },
        };
      },
    },
    {
      method: 'GET',
      path: '/admin/v1/status',
      handle: async () => {
        const rev = d.control.current;
        const endpoints = d.status.endpoints(d.table(), d.usage);
        const fleet = (await d.fleet?.()) ?? null;
        return {
          status: 200,
          json: {
            revision: rev?.number ?? null,
            hash: rev?.hash ?? null,
            uptimeS: Math.floor((Date.now() - d.startedAt) / 1000),
            endpoints,
            breakers: d.breakers?.() ?? [],
            fleet,
          },
        };
      },
    },
    {
      // `gw route --server`: the dry run against the table in service, plus what each limit and
      // budget that would apply has left now. POST so the key hash stays out of access logs.
      method: 'POST',
      path: '/admin/v1/route',
      handle: async ({ body = {} }) => {
        const m = typeof body['keyHash'] === 'string' ? KEY_HASH.exec(body['keyHash']) : null;
        if (m === null) throw bad('keyHash must be sha256: followed by 64 hex digits');
        const model = body['model'];
        if (typeof model !== 'string' || model === '' || model.length > 256)
          throw bad('model must be a non-empty string of at most 256 characters');
        const table = d.table();
        if (table === undefined) return errorAnswer('GW_ERR_NOT_READY', 'the gateway serves no configuration yet');
        // The policies' clock (util/clock.ts), so the readings match what the next request meets.
        const now = clockNow();
        const hex = (m[1] as string).toLowerCase();
        const explanation = explainRoute(table, hex, model, now);
        const live =
          d.policies === undefined
            ? { limits: [], budgets: [] }
            : await readLivePolicies(table, hex, model, now, d.policies);
        return { status: 200, json: { ...explanation, live } };
      },
    },
    {
      method: 'GET',
      path: '/admin/v1/usage',
      handle: ({ query }) => {
        const since = query.get('since') ?? '24h';
        const sinceMs = parseSince(since, Date.now());
        if (sinceMs === undefined)
          throw bad(`since must be a duration such as 30m, 24h or 7d, or an ISO time; got ${JSON.stringify(since)}`);
        const by = (query.get('by') ?? 'endpoint') as SummaryBy;
        if (!SUMMARY_BY.includes(by)) throw bad(`by must be one of ${SUMMARY_BY.join(', ')}`);
        const workspace = query.get('workspace') ?? undefined;
        const rows = d.usage.summary({ sinceMs, by, ...(workspace !== undefined ? { workspace } : {}) });
        return { status: 200, json: { rows } };
      },
    },
    {
      method: 'GET',
      path: '/admin/v1/requests',
      handle: ({ query }) => {
        const endpoint = query.get('endpoint') ?? undefined;
        const workspace = query.get('workspace') ?? undefined;
        const limit = intParam(query, 'limit', 50, 1, 1000);
        const requests = d.usage.recent({
          limit,
          ...(endpoint !== undefined ? { endpoint } : {}),
          ...(workspace !== undefined ? { workspace } : {}),
        });
        return { status: 200, json: { requests } };
      },
    },
    {
      method: 'GET',
      path: '/admin/v1/endpoints',
      handle: () => ({ status: 200, json: endpointsAnswer(d.table(), endpointSources(d)) }),
    },
    {
      // One endpoint's last hour per minute (the status page's chart); the window is /status's.
      method: 'GET',
      path: '/admin/v1/series',
      handle: ({ query }) => {
        const workspace = query.get('workspace') ?? 'default';
        const endpoint = query.get('endpoint');
        if (endpoint === null || endpoint === '') throw bad('endpoint is required');
        const sinceMs = statusSince(Date.now());
        return { status: 200, json: { sinceMs, points: d.usage.endpointSeries(workspace, endpoint, sinceMs) } };
      },
    },
    {
      method: 'GET',
      path: '/admin/v1/revisions/diff',
      handle: ({ query }) => ({ status: 200, json: revisionDiff(d.store, intParam(query, 'revision', 0, 1, 2 ** 31)) }),
    },
    {
      method: 'GET',
      path: '/metrics',
      handle: async () => ({ status: 200, text: await d.metrics.text(), contentType: d.metrics.contentType }),
    },
  ];
}
