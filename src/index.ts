// The programmatic API of the `gw-ai-gateway` package (package.json main/types): start a gateway from a
// gateway.yaml, and validate manifests the way `gw validate` does. Everything else is internal.
//
//   import { startGateway, validateManifests } from 'gw-ai-gateway';
//   const gw = await startGateway({ configPath: 'gateway.yaml' });
//   // ... requests to gw.url (proxy) and gw.adminUrl (admin API) ...
//   await gw.close();
import { GwError } from './errors.js';
import { hasErrors, type Diagnostic } from './manifest/diagnostics.js';
import { validateConfig } from './manifest/validate.js';
import { startRuntime } from './runtime.js';
import type { Logger } from './telemetry/logger.js';

export { GwError, ERRORS, type ErrorCode } from './errors.js';
export type { Diagnostic } from './manifest/diagnostics.js';
export type { Logger } from './telemetry/logger.js';
export type { StartProblem } from './runtime.js';

export interface StartGatewayOptions {
  /** The gateway.yaml to read; its manifests list names the resources (as `gw serve -c`). */
  readonly configPath: string;
  /** Manifest files, folders or globs: replaces gateway.yaml's manifests (as `gw serve -f`). */
  readonly files?: readonly string[];
  /** Reload when gateway.yaml or a manifest changes (as `gw serve --watch`). */
  readonly watch?: boolean;
  /** Where the gateway logs; default JSON lines on stdout at gateway.yaml's log.level. */
  readonly logger?: Logger;
}

export interface RunningGateway {
  /** The proxy's base URL, e.g. http://127.0.0.1:8080 (the real port when gateway.yaml says 0). */
  readonly url: string;
  /** The admin API's base URL. */
  readonly adminUrl: string;
  /**
   * Rebuilds the config from the files and puts it in service (as SIGHUP does). Resolves true
   * when a new table went into service; an invalid config keeps the old one and resolves false.
   */
  reload(): Promise<boolean>;
  /** Stops accepting, drains in-flight requests (shutdown.drainTimeout), closes storage. */
  close(): Promise<void>;
}

/**
 * Starts a gateway as `gw serve` does: proxy and admin listeners, usage log, revision store.
 * Rejects with a GwError when nothing could be started (GW_ERR_CONFIG_INVALID carries the
 * diagnostics in `details.diagnostics`); a listen failure of the proxy rejects with its cause.
 */
export async function startGateway(o: StartGatewayOptions): Promise<RunningGateway> {
  const started = await startRuntime({ configPath: o.configPath, files: o.files, watch: o.watch, logger: o.logger });
  if (!started.ok) {
    const p = started.problem;
    if (p.code === undefined) throw new Error(p.message, { cause: p.cause });
    throw new GwError(p.code, p.message, { diagnostics: p.diagnostics });
  }
  const rt = started.runtime;
  return {
    url: rt.url,
    adminUrl: rt.adminUrl,
    reload: () => rt.reload('api'),
    close: () => rt.close(),
  };
}

export interface ValidateManifestsOptions {
  /** The gateway.yaml to read; default ./gateway.yaml (optional when files are given). */
  readonly configPath?: string;
  /** Manifest files, folders or globs: replaces gateway.yaml's manifests. */
  readonly files?: readonly string[];
  /** Also require every ${env:…} to be set and every ${file:…} to exist (as `--env`). */
  readonly checkEnv?: boolean;
  /** Warnings count as errors (as `--strict`). */
  readonly strict?: boolean;
}

export interface ManifestValidation {
  /** No diagnostic is an error. */
  readonly valid: boolean;
  /** Errors and warnings, sorted by file, line, column. */
  readonly diagnostics: readonly Diagnostic[];
}

/** The offline check of `gw validate`: schema, references, cross-references. Never throws on bad input. */
export async function validateManifests(o: ValidateManifestsOptions = {}): Promise<ManifestValidation> {
  const v = await validateConfig({
    ...(o.configPath !== undefined ? { configPath: o.configPath } : {}),
    ...(o.files !== undefined ? { files: o.files } : {}),
    checkEnv: o.checkEnv ?? false,
    strict: o.strict ?? false,
  });
  return { valid: !hasErrors(v.diagnostics), diagnostics: v.diagnostics };
}
