// What `gw serve` adds for the control plane, next to the proxy: the revision store, the
// metrics registry, the control plane and the admin listener. The CLI wires it; this module
// only assembles the parts and knows the admin listener's start rules.
import type { RoutingTable } from '../compile/routing-table.js';
import type { BuildResult } from '../config/build.js';
import type { GatewaySettings } from '../config/settings.js';
import type { Listener } from '../serve/listener.js';
import type { RevisionStore } from '../state/revisions.js';
import type { Logger } from '../telemetry/logger.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import type { UsageLog } from '../telemetry/usage-log.js';
import type { UsageRow } from '../telemetry/usage-row.js';
import { createAdminAuth, isLoopbackHost } from './auth.js';
import { ControlPlane } from './control.js';
import { adminRoutes, type AdminDeps } from './handlers.js';
import { createAdminListener } from './server.js';
import { StatusQuery } from './status.js';

/** Why the admin listener must not start with these settings; undefined when it may. */
export function adminListenProblem(settings: Pick<GatewaySettings, 'admin'>): string | undefined {
  const { host, port, key } = settings.admin;
  if (key !== undefined || isLoopbackHost(host)) return undefined;
  return `admin.listen is ${host}:${port}, but no admin key is set: without a key the admin API may listen on loopback only (127.0.0.1, ::1). Set spec.admin.key (e.g. \${env:GW_ADMIN_KEY}) or listen on 127.0.0.1`;
}

export interface AdminRuntimeOptions {
  readonly settings: Pick<GatewaySettings, 'admin'>;
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
}

export interface AdminRuntime {
  readonly control: ControlPlane;
  /** Binds the admin listener; resolves with its base URL. */
  listen(): Promise<string>;
  /** Stops accepting, lets a change in progress finish, then closes the admin listener. */
  close(): Promise<void>;
}

/** The usage log as the proxy sees it, counting each row into the metrics as it is recorded. */
export function meteredUsageLog(usageLog: UsageLog, metrics: GatewayMetrics): { record(row: UsageRow): void; close(): void } {
  return {
    record(row: UsageRow): void {
      metrics.observe(row);
      usageLog.record(row);
    },
    close: () => usageLog.close(),
  };
}

export function createAdminRuntime(o: AdminRuntimeOptions): AdminRuntime {
  const control = new ControlPlane({ store: o.store, swap: o.swap, build: o.build, logger: o.logger, metrics: o.metrics });
  const startedAt = Date.now();
  const routes = adminRoutes({ control, store: o.store, usage: o.usageLog, status: new StatusQuery(), metrics: o.metrics, table: o.table, startedAt, breakers: o.breakers });
  const listener: Listener = createAdminListener({ routes, auth: createAdminAuth(o.settings.admin.key), logger: o.logger });
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
