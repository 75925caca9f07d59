// The one path every config change takes: load -> validate -> resolve references -> compile.
// Two loaders feed it: files (buildConfig: gateway.yaml and the manifests it names) and
// manifests handed to the admin API (from-manifests.ts). Both end in finishBuild(), so a
// config is resolved and compiled one way whatever its source. A result with errors never
// yields a table, so an invalid config can never replace a valid one.
import { compile } from '../compile/compile.js';
import { manifestsHash } from '../compile/hash.js';
import type { RoutingTable } from '../compile/routing-table.js';
import { hasErrors, sortDiagnostics, type Diagnostic } from '../manifest/diagnostics.js';
import { configFolder, resolveReferences } from '../manifest/env.js';
import type { GatewayResource, Manifest, Resource } from '../manifest/types.js';
import { validateConfig, type ValidateOptions } from '../manifest/validate.js';
import { gatewaySettings, type GatewaySettings } from './settings.js';

export type BuildResult =
  | {
      readonly ok: true;
      readonly settings: GatewaySettings;
      readonly table: RoutingTable;
      readonly diagnostics: readonly Diagnostic[];
      /** The Gateway document as written (references unresolved), when there was one. */
      readonly gateway: GatewayResource | undefined;
      /** The non-Gateway manifests as written: what a revision keeps. Their hash is table.hash. */
      readonly manifests: readonly Manifest[];
    }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** A loaded and checked (schema, references, semantics) config, references still unresolved. */
export interface CheckedConfig {
  readonly gateway: GatewayResource | undefined;
  /** Absolute path of the gateway.yaml read, if any: the base of relative settings paths. */
  readonly configPath: string | undefined;
  readonly resources: readonly Resource[];
  /** Every problem found so far; any error stops the build. */
  readonly diagnostics: readonly Diagnostic[];
}

export interface FinishOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string | undefined;
}

/** The shared second half: resolve references, derive settings, compile. */
export async function finishBuild(c: CheckedConfig, opts: FinishOptions): Promise<BuildResult> {
  if (hasErrors(c.diagnostics)) return { ok: false, diagnostics: sortDiagnostics(c.diagnostics) };
  const all = c.gateway ? [c.gateway, ...c.resources] : [...c.resources];
  const resolved = await resolveReferences(all, opts.env, { root: configFolder(c.configPath, opts.cwd) });
  if (hasErrors(resolved.diagnostics)) return { ok: false, diagnostics: sortDiagnostics([...c.diagnostics, ...resolved.diagnostics]) };
  const gateway = resolved.resources.find((r): r is GatewayResource => r.kind === 'Gateway');
  const resources = resolved.resources.filter((r) => r.kind !== 'Gateway');
  const settings = gatewaySettings(gateway?.manifest, c.configPath, opts.cwd);
  // The hash is of the manifests as written, so secrets never feed it and it is stable.
  const manifests = c.resources.map((r) => r.manifest);
  const table = compile(resources, { hash: manifestsHash(manifests) });
  return { ok: true, settings, table, diagnostics: c.diagnostics, gateway: c.gateway, manifests };
}

/** gateway.yaml (or -c) and the manifests it names (or -f), checked with the environment. */
export async function buildConfig(opts: ValidateOptions): Promise<BuildResult> {
  const env = opts.env ?? process.env;
  const v = await validateConfig({ ...opts, env, checkEnv: true });
  return finishBuild(v, { env, cwd: opts.cwd });
}
