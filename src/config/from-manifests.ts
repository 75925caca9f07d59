// A config from manifests held in memory (an admin API apply, a rollback, a stored revision)
// instead of files. Each manifest is written out as YAML and parsed back, so it goes through
// the same parser, schema check and diagnostics (with positions, file label `apply[3]`) as a
// file would; then the semantic and reference checks, and finishBuild() like buildConfig.
// ${file:...} references resolve against the server's config folder (where gateway.yaml is).
import { stringify } from 'yaml';
import type { Diagnostic } from '../manifest/diagnostics.js';
import { MAX_YAML_DEPTH, valueTooDeep } from '../manifest/depth.js';
import { checkReferences, configFolder } from '../manifest/env.js';
import { parseYaml } from '../manifest/parse.js';
import { validateDocument } from '../manifest/schema.js';
import { checkSemantics } from '../manifest/semantic.js';
import type { GatewayResource, Manifest, Resource } from '../manifest/types.js';
import { finishBuild, prepareBuild, type BuildResult, type CheckedConfig, type PrepareResult } from './build.js';

export interface ServerBase {
  /** The server's own Gateway document as written (from gateway.yaml); settings come from it. */
  readonly gateway: GatewayResource | undefined;
  /** Absolute path of the server's gateway.yaml; its folder is where ${file:} paths start. */
  readonly configPath: string | undefined;
  readonly cwd?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
}

export interface FromManifestsOptions {
  /** The label diagnostics carry, as `${label}[index]`; default 'apply'. */
  readonly label?: string;
}

function problem(code: Diagnostic['code'], file: string, message: string, path = ''): Diagnostic {
  return { code, severity: 'error', message, file, line: 0, col: 0, path };
}

/** Turns each manifest into a schema-checked Resource; everything else into diagnostics. */
function readManifests(
  manifests: readonly unknown[],
  base: ServerBase,
  label: string,
): { resources: Resource[]; diagnostics: Diagnostic[] } {
  const folder = configFolder(base.configPath, base.cwd);
  const resources: Resource[] = [];
  const diagnostics: Diagnostic[] = [];
  manifests.forEach((m, i) => {
    const name = `${label}[${i}]`;
    if (m === null || typeof m !== 'object' || Array.isArray(m)) {
      diagnostics.push(
        problem(
          'GW_ERR_MANIFEST_NOT_OBJECT',
          name,
          'a manifest must be an object with apiVersion, kind, metadata and spec',
        ),
      );
      return;
    }
    // Written out as YAML, which recurses per level: bound the depth first, as the parser does.
    if (valueTooDeep(m)) {
      diagnostics.push(
        problem(
          'GW_ERR_MANIFEST_TOO_DEEP',
          name,
          `the manifest nests deeper than ${MAX_YAML_DEPTH} levels; manifests need a dozen at most`,
        ),
      );
      return;
    }
    const parsed = parseYaml(stringify(m), name, folder);
    diagnostics.push(...parsed.diagnostics);
    const doc = parsed.docs[0];
    if (doc === undefined) return;
    const problems = validateDocument(doc.value, doc.source);
    if (problems.length > 0) return void diagnostics.push(...problems);
    const manifest = doc.value as Manifest;
    if (manifest.kind === 'Gateway') {
      const at = doc.source.locate(['kind']);
      diagnostics.push({
        ...problem(
          'GW_ERR_SCHEMA',
          name,
          'a Gateway document cannot be applied: the gateway reads its settings from gateway.yaml; leave it out',
          'kind',
        ),
        ...at,
      });
      return;
    }
    resources.push({
      kind: manifest.kind,
      name: manifest.metadata.name,
      workspace: manifest.metadata.workspace ?? 'default',
      manifest,
      source: doc.source,
    });
  });
  return { resources, diagnostics };
}

/** Loads and checks `manifests` against the server base: the CheckedConfig finishBuild() takes. */
async function checkManifests(
  manifests: readonly unknown[],
  base: ServerBase,
  label: string,
  env: NodeJS.ProcessEnv,
): Promise<CheckedConfig> {
  const { resources, diagnostics } = readManifests(manifests, base, label);
  const all: Resource[] = base.gateway ? [base.gateway, ...resources] : [...resources];
  diagnostics.push(
    ...(await checkReferences(all, { checkEnv: true, env, root: configFolder(base.configPath, base.cwd) })),
  );
  diagnostics.push(...checkSemantics(all, { strict: false }));
  return { gateway: base.gateway, configPath: base.configPath, resources, diagnostics };
}

/** Validates and compiles `manifests` (the full desired set) with the server's gateway settings. */
export async function buildFromManifests(
  manifests: readonly unknown[],
  base: ServerBase,
  opts: FromManifestsOptions = {},
): Promise<BuildResult> {
  const env = base.env ?? process.env;
  return finishBuild(await checkManifests(manifests, base, opts.label ?? 'apply', env), { env, cwd: base.cwd });
}

/** buildFromManifests() up to (not including) compile: what the build worker runs for an apply. */
export async function prepareFromManifests(
  manifests: readonly unknown[],
  base: ServerBase,
  opts: FromManifestsOptions = {},
): Promise<PrepareResult> {
  const env = base.env ?? process.env;
  return prepareBuild(await checkManifests(manifests, base, opts.label ?? 'apply', env), { env, cwd: base.cwd });
}
