// The whole offline check that `gw validate` runs and every config load starts with:
// read gateway.yaml and the manifests, schema-check, reference-check, cross-check.
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { checkReferences, configFolder, resolveReferences } from './env.js';
import { loadManifests } from './load.js';
import { checkSemantics } from './semantic.js';
import type { BrokenResource, GatewayResource, Resource } from './types.js';

export const DEFAULT_CONFIG = 'gateway.yaml';

export interface ValidateOptions {
  /** -c: the gateway.yaml to read; default ./gateway.yaml (optional when files are given). */
  readonly configPath?: string;
  /** -f: replaces the manifests list of gateway.yaml. */
  readonly files?: readonly string[];
  readonly cwd?: string;
  /** --env: every ${env:…} must be set and every ${file:…} readable. */
  readonly checkEnv?: boolean;
  /** --strict: warnings count as errors. */
  readonly strict?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly readStdin?: () => Promise<string>;
}

export interface Validation {
  readonly gateway: GatewayResource | undefined;
  /** Absolute path of the gateway.yaml read, if any. */
  readonly configPath: string | undefined;
  readonly resources: readonly Resource[];
  /** Sorted by file, line, col. */
  readonly diagnostics: readonly Diagnostic[];
  readonly files: readonly string[];
}

export async function validateConfig(opts: ValidateOptions = {}): Promise<Validation> {
  return (await validateAndResolve(opts)).validation;
}

/**
 * validateConfig(), and with checkEnv the resources (Gateway first) with their references
 * expanded, as the check made them: a build goes on with those instead of resolving again.
 * Kept apart from Validation, which callers print or return: the expanded values are secrets.
 */
export async function validateAndResolve(
  opts: ValidateOptions = {},
): Promise<{ validation: Validation; resolved: readonly Resource[] | undefined }> {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const files = opts.files && opts.files.length > 0 ? opts.files : undefined;
  const diagnostics: Diagnostic[] = [];

  // With -f and a Gateway document among the files, that one is the config; otherwise
  // gateway.yaml (or -c) supplies the settings, and its manifests list unless -f replaces it.
  const fromFiles = files
    ? await loadManifests(files, { cwd, ...(opts.readStdin ? { readStdin: opts.readStdin } : {}) })
    : undefined;
  let gateway = fromFiles?.gateway;
  let configPath: string | undefined;
  const allFiles: string[] = [...(fromFiles?.files ?? [])];
  const resources: Resource[] = [...(fromFiles?.resources ?? [])];
  const broken: BrokenResource[] = [...(fromFiles?.broken ?? [])];
  if (fromFiles) diagnostics.push(...fromFiles.diagnostics);

  if (!gateway) {
    const wanted = resolve(cwd, opts.configPath ?? DEFAULT_CONFIG);
    const exists = await stat(wanted).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!exists && !files) {
      diagnostics.push({
        code: 'GW_ERR_MANIFEST_NOT_FOUND',
        severity: 'error',
        message: `${opts.configPath ?? DEFAULT_CONFIG} not found; run \`gw init\`, name one with -c, or pass manifests with -f`,
        file: opts.configPath ?? DEFAULT_CONFIG,
        line: 0,
        col: 0,
        path: '',
      });
    } else if (exists || opts.configPath) {
      const cfg = await loadManifests([wanted], { cwd });
      configPath = wanted;
      allFiles.push(...cfg.files);
      diagnostics.push(...cfg.diagnostics);
      broken.push(...(cfg.broken ?? []));
      gateway = cfg.gateway;
      // Resources written into gateway.yaml itself count as manifests too.
      const extra = cfg.resources;
      let listed: Resource[] = [];
      if (!files && gateway) {
        const dir = dirname(wanted);
        const list = (gateway.manifest.spec.manifests ?? []).map((p) => resolve(dir, p));
        if (list.length > 0) {
          const more = await loadManifests(list, { cwd });
          allFiles.push(...more.files);
          diagnostics.push(...more.diagnostics);
          broken.push(...(more.broken ?? []));
          listed = [...more.resources];
        }
      }
      resources.push(...(files ? [] : extra), ...listed);
    }
  } else if (gateway.source.file !== '-') {
    configPath = resolve(cwd, gateway.source.file);
  }

  const all: Resource[] = gateway ? [gateway, ...resources] : [...resources];
  // ${file:} stays inside the config folder; with --env the references are also resolved, so a
  // baseUrl that is no URL once expanded is reported here as it would be by serve.
  const root = configFolder(configPath, cwd);
  let resolved: readonly Resource[] | undefined;
  if (opts.checkEnv === true) {
    const r = await resolveReferences(all, env, { root });
    diagnostics.push(...r.diagnostics);
    resolved = r.resources;
  } else diagnostics.push(...(await checkReferences(all, { checkEnv: false, env, root })));
  diagnostics.push(...checkSemantics(all, { strict: opts.strict ?? false, broken }));
  const final = opts.strict
    ? diagnostics.map((d) => (d.severity === 'warning' ? { ...d, severity: 'error' as const } : d))
    : diagnostics;
  return {
    validation: { gateway, configPath, resources, diagnostics: sortDiagnostics(final), files: allFiles },
    resolved,
  };
}
