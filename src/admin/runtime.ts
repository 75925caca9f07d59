// What `gw serve` adds for the control plane, next to the proxy: the revision store, the
// metrics registry, the control plane and the admin listener. src/runtime.ts wires it; this module
// only assembles the parts and knows the admin listener's start rules.
import type { RoutingTable } from '../compile/routing-table.js';
import type { BuildResult } from '../config/build.js';
import type { GatewaySettings } from '../config/settings.js';
import type { Listener } from '../http/listener.js';
import type { RevisionStore } from '../state/revisions.js';
import type { Logger } from '../telemetry/logger.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import type { UsageLog } from '../telemetry/usage-log.js';
import type { UsageRow } from '../telemetry/usage-row.js';
import { GwError } from '../errors.js';
import { ADMIN_KEY_MIN_LENGTH, keyLength } from '../manifest/semantic/admin-key.js';
import { createAdminAuth, isLoopbackHost } from './auth.js';
import { createAdminGuard } from './guard.js';
import { ControlPlane } from './control.js';
import { adminRoutes, type AdminDeps } from './handlers.js';
import { createAdminListener } from './server.js';
import { StatusQuery } from './status.js';
import { AuthThrottle } from './throttle.js';
import { signInAnswer, uiRoutes } from './ui/routes.js';

/**
 * Why the admin listener must not start with these settings (the key as resolved from its
 * reference); undefined when it may. A key shorter than ADMIN_KEY_MIN_LENGTH is refused anywhere;
 * no key at all is allowed on loopback only.
 */
export function adminListenProblem(settings: Pick<GatewaySettings, 'admin'>): GwError | undefined {
  const { host, port, key } = settings.admin;
  if (key !== undefined && keyLength(key) < ADMIN_KEY_MIN_LENGTH) {
    return new GwError(
      'GW_ERR_ADMIN_KEY_WEAK',
      `the admin key (spec.admin.key, as resolved) has ${keyLength(key)} characters; it needs at least ${ADMIN_KEY_MIN_LENGTH}: ` +
        'set GW_ADMIN_KEY to e.g. the output of `openssl rand -base64 32`',
    );
  }
  if (key !== undefined || isLoopbackHost(host)) return undefined;
  return new GwError(
    'GW_ERR_ADMIN_LISTEN',
    `admin.listen is ${host}:${port}, but no admin key is set: without a key the admin API may listen on loopback only (127.0.0.1, ::1). Set spec.admin.key (e.g. \${env:GW_ADMIN_KEY}, at least ${ADMIN_KEY_MIN_LENGTH} characters) or listen on 127.0.0.1`,
  );
}

export interface AdminRuntimeOptions {
  readonly settings: Pick<GatewaySettings, 'admin'> & { readonly proxy?: GatewaySettings['proxy'] };
  readonly store: RevisionStore;
  readonly usageLog: UsageLog;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** The gateway's table swap. */
  readonly swap: (table: RoutingTable) => void;
  /** The table in service. */
  readonly table: () => RoutingTable | undefined;
  readonly build: (manifests: readonly unknown[], label: string) => Promise<BuildResult>;
  /** The circuit breakers with failures on record, for the status answer. */
  readonly breakers?: AdminDeps['breakers'];
  /** Rate counters and budgets, read by /admin/v1/route. */
  readonly policies?: AdminDeps['policies'];
  /** The fleet's live instances, for the status answer (set once the fleet config runs). */
  readonly fleet?: AdminDeps['fleet'];
  /** The lowest number a new revision may take (ControlPlaneOptions.revisionFloor). */
  readonly revisionFloor?: () => number;
  /** The failed admin-key throttle; tests pass one with their own clock. */
  readonly authThrottle?: AuthThrottle;
}

export interface AdminRuntime {
  readonly control: ControlPlane;
  /** Binds the admin listener; resolves with its base URL. */
  listen(): Promise<string>;
  /** Stops accepting, lets a change in progress finish, then closes the admin listener. */
  close(): Promise<void>;
}

/** The usage log as the proxy sees it, counting each row into the metrics as it is recorded. */
export function meteredUsageLog(
  usageLog: UsageLog,
  metrics: GatewayMetrics,
): { record(row: UsageRow): void; close(): void } {
  return {
    record(row: UsageRow): void {
      metrics.observe(row);
      usageLog.record(row);
    },
    close: () => usageLog.close(),
  };
}

export function createAdminRuntime(o: AdminRuntimeOptions): AdminRuntime {
  const control = new ControlPlane({
    store: o.store,
    swap: o.swap,
    build: o.build,
    logger: o.logger,
    metrics: o.metrics,
    revisionFloor: o.revisionFloor,
  });
  const startedAt = Date.now();
  const deps: AdminDeps = {
    control,
    store: o.store,
    usage: o.usageLog,
    status: new StatusQuery(),
    metrics: o.metrics,
    table: o.table,
    startedAt,
    breakers: o.breakers,
    policies: o.policies,
    fleet: o.fleet,
  };
  const { host, key } = o.settings.admin;
  const auth = createAdminAuth(key);
  const throttle = o.authThrottle ?? new AuthThrottle();
  const proxy = o.settings.proxy;
  const routes = [
    ...adminRoutes(deps),
    ...uiRoutes({
      ...deps,
      auth,
      throttle,
      proxyListen: { host: proxy?.host ?? '127.0.0.1', port: proxy?.port ?? 3000 },
    }),
  ];
  const listener: Listener = createAdminListener({
    routes,
    auth,
    guard: createAdminGuard({ bindHost: host, keyed: key !== undefined }),
    throttle,
    logger: o.logger,
    signIn: signInAnswer,
    limits: o.settings.proxy ?? {},
  });
  return {
    control,
    listen: () => listener.listen(o.settings.admin.host, o.settings.admin.port),
    async close(): Promise<void> {
      listener.stopAccepting();
      // A change in progress finishes (and answers) before the remaining sockets are cut.
      await control.exclusive(() => Promise.resolve());
      await listener.closeAll();
    },
  };
}
