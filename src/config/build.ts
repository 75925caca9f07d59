// The one path every config change takes: load -> validate -> resolve references -> compile.
// `gw serve` (start, --watch, SIGHUP) and the control plane call it; a result with errors never
// yields a table, so an invalid config can never replace a valid one.
import { compile } from '../compile/compile.js';
import { manifestsHash } from '../compile/hash.js';
import type { RoutingTable } from '../compile/routing-table.js';
import { hasErrors, sortDiagnostics, type Diagnostic } from '../manifest/diagnostics.js';
import { resolveReferences } from '../manifest/env.js';
import type { GatewayResource } from '../manifest/types.js';
import { validateConfig, type ValidateOptions } from '../manifest/validate.js';
import { gatewaySettings, type GatewaySettings } from './settings.js';

export type BuildResult =
  | { readonly ok: true; readonly settings: GatewaySettings; readonly table: RoutingTable; readonly diagnostics: readonly Diagnostic[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

export async function buildConfig(opts: ValidateOptions): Promise<BuildResult> {
  const env = opts.env ?? process.env;
  const v = await validateConfig({ ...opts, env, checkEnv: true });
  if (hasErrors(v.diagnostics)) return { ok: false, diagnostics: v.diagnostics };
  const all = v.gateway ? [v.gateway, ...v.resources] : [...v.resources];
  const resolved = await resolveReferences(all, env);
  if (hasErrors(resolved.diagnostics)) return { ok: false, diagnostics: sortDiagnostics([...v.diagnostics, ...resolved.diagnostics]) };
  const gateway = resolved.resources.find((r): r is GatewayResource => r.kind === 'Gateway');
  const resources = resolved.resources.filter((r) => r.kind !== 'Gateway');
  const settings = gatewaySettings(gateway?.manifest, v.configPath, opts.cwd);
  // The hash is of the manifests as written, so secrets never feed it and it is stable.
  const table = compile(resources, { hash: manifestsHash(v.resources.map((r) => r.manifest)) });
  return { ok: true, settings, table, diagnostics: v.diagnostics };
}
