// The one path every config change takes: load -> validate -> resolve references -> compile.
// Two loaders feed it: files (buildConfig: gateway.yaml and the manifests it names) and
// manifests handed to the admin API (from-manifests.ts). Both end in finishBuild(), so a
// config is resolved and compiled one way whatever its source. A result with errors never
// yields a table, so an invalid config can never replace a valid one.
// finishBuild() is two halves: prepareBuild() (resolve: plain data in, plain data out, so it can
// run in the build worker, see build-worker.ts) and compilePrepared() (hash and RoutingTable,
// which holds RegExps and validator functions and so is made on the thread that serves it; the
// worker hashes while that thread compiles, see off-thread.ts).
import { dirname } from 'node:path';
import { compileSteps } from '../compile/compile.js';
import { manifestsHash } from '../compile/hash.js';
import type { RoutingTable } from '../compile/routing-table.js';
import { hasErrors, sortDiagnostics, type Diagnostic } from '../manifest/diagnostics.js';
import { configFolder, resolveReferences } from '../manifest/env.js';
import { defineLazyManifests, type ManifestsText } from '../manifest/text.js';
import type { Gateway, GatewayResource, Manifest, Resource, SourceDoc } from '../manifest/types.js';
import type { ValidateOptions } from '../manifest/validate.js';
import type { PlanSummary } from '../state/plan.js';
import type { PlanJson } from '../state/report.js';
import { gatewaySettings, type GatewaySettings } from './settings.js';
import { runSliced } from './sliced.js';

/** A plan against the config in service, made where the build ran (the control plane's diff). */
export interface BuiltPlan {
  readonly empty: boolean;
  readonly summary: PlanSummary;
  /** planJson() of the plan, with the build's warnings. */
  readonly report: PlanJson;
}

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
      /** Set when the builder already planned against the manifests in service (off-thread builds). */
      readonly plan?: BuiltPlan | undefined;
      /**
       * The manifests as JSON text, when the builder made it (off-thread builds make it in the
       * worker, and `manifests` is then parsed from it on first read): a revision stores it as
       * it is, so a large config's text is never made on the serving thread.
       */
      readonly manifestsText?: ManifestsText | undefined;
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
  /**
   * The Gateway (first, when there is one) and the resources with references already expanded
   * against the same environment and folder (validateAndResolve): not resolved a second time.
   */
  readonly resolved?: readonly Resource[] | undefined;
}

export interface FinishOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string | undefined;
}

/** What compile() reads of a resource: plain data (no source positions), cloneable across threads. */
export type PlainResource = Pick<Resource, 'kind' | 'name' | 'workspace' | 'manifest'>;

/** A checked and resolved config, everything but the table: plain data. */
export interface PreparedConfig {
  /** The Gateway document as written, and with its references resolved (settings come from it). */
  readonly gateway: Gateway | undefined;
  readonly resolvedGateway: Gateway | undefined;
  readonly configPath: string | undefined;
  readonly cwd: string | undefined;
  /** The non-Gateway resources, references resolved: compile()'s input. */
  readonly resolved: readonly PlainResource[];
  /** The non-Gateway manifests as written (their hash is the config's identity). */
  readonly manifests: readonly Manifest[];
  readonly diagnostics: readonly Diagnostic[];
}

export type PrepareResult =
  | { readonly ok: true; readonly config: PreparedConfig }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** The first half of finishBuild(): resolve references. No hash, no table yet. */
export async function prepareBuild(c: CheckedConfig, opts: FinishOptions): Promise<PrepareResult> {
  if (hasErrors(c.diagnostics)) return { ok: false, diagnostics: sortDiagnostics(c.diagnostics) };
  const all = c.gateway ? [c.gateway, ...c.resources] : [...c.resources];
  const resolved: { resources: readonly Resource[]; diagnostics: readonly Diagnostic[] } =
    c.resolved !== undefined
      ? { resources: c.resolved, diagnostics: [] }
      : await resolveReferences(all, opts.env, { root: configFolder(c.configPath, opts.cwd) });
  if (hasErrors(resolved.diagnostics))
    return { ok: false, diagnostics: sortDiagnostics([...c.diagnostics, ...resolved.diagnostics]) };
  const resolvedGateway = resolved.resources.find((r): r is GatewayResource => r.kind === 'Gateway');
  const resources = resolved.resources
    .filter((r) => r.kind !== 'Gateway')
    .map(({ kind, name, workspace, manifest }) => ({ kind, name, workspace, manifest }));
  const manifests = c.resources.map((r) => r.manifest);
  return {
    ok: true,
    config: {
      gateway: c.gateway?.manifest,
      resolvedGateway: resolvedGateway?.manifest,
      configPath: c.configPath,
      cwd: opts.cwd,
      resolved: resources,
      manifests,
      diagnostics: c.diagnostics,
    },
  };
}

/**
 * A Gateway resource for a document that crossed a thread (its source positions stayed behind):
 * diagnostics about it name gateway.yaml without a line; ${file:} still resolves from its folder.
 */
export function gatewayResource(manifest: Gateway, configPath: string | undefined, cwd?: string): GatewayResource {
  const source: SourceDoc = {
    file: configPath ?? 'gateway.yaml',
    index: 0,
    dir: configPath !== undefined ? dirname(configPath) : (cwd ?? process.cwd()),
    locate: () => ({ line: 0, col: 0 }),
  };
  return {
    kind: 'Gateway',
    name: manifest.metadata.name,
    workspace: manifest.metadata.workspace ?? 'default',
    manifest,
    source,
  };
}

type Built = Extract<BuildResult, { ok: true }>;

function built(p: PreparedConfig, table: RoutingTable, gateway: GatewayResource | undefined): Built {
  const settings = gatewaySettings(p.resolvedGateway, p.configPath, p.cwd);
  return { ok: true, settings, table, diagnostics: p.diagnostics, gateway, manifests: p.manifests };
}

/** The second half, in one go (start-up, CLI commands). */
export function compilePrepared(p: PreparedConfig, gateway: GatewayResource | undefined): Built {
  // The hash is of the manifests as written, so secrets never feed it and it is stable.
  const steps = compileSteps(p.resolved, { hash: manifestsHash(p.manifests) });
  for (;;) {
    const step = steps.next();
    if (step.done === true) return built(p, step.value, gateway);
  }
}

/** What the build worker sends last: made there while the serving thread compiles. */
export interface PreparedTail {
  readonly hash: string;
  readonly manifests: ManifestsText;
}

/**
 * The second half on the serving thread: compiles in slices, so requests are answered meanwhile,
 * while the worker hashes the manifests and writes their text (`tail`); the table takes the hash
 * when both are done.
 */
export async function compilePreparedSliced(
  p: Omit<PreparedConfig, 'manifests'>,
  tail: Promise<PreparedTail>,
  gateway: GatewayResource | undefined,
  plan?: BuiltPlan,
): Promise<Built> {
  const unhashed = await runSliced(compileSteps(p.resolved, { hash: '' }));
  const { hash, manifests: manifestsText } = await tail;
  const table: RoutingTable = Object.freeze({ ...unhashed, hash });
  const settings = gatewaySettings(p.resolvedGateway, p.configPath, p.cwd);
  const b = { ok: true as const, settings, table, diagnostics: p.diagnostics, gateway, manifestsText };
  return defineLazyManifests(plan !== undefined ? { ...b, plan } : b, manifestsText.json);
}

/**
 * The manifest reader and checks (YAML parsers, ajv and the compiled manifest schemas, ~25 MB)
 * are loaded where a build reads files: in the build worker or a CLI command, never by the
 * serving thread, which only compiles what the worker prepared.
 */
const loadValidator = (): Promise<typeof import('../manifest/validate.js')> => import('../manifest/validate.js');

/** The shared second half: resolve references, derive settings, compile. */
export async function finishBuild(c: CheckedConfig, opts: FinishOptions): Promise<BuildResult> {
  const prepared = await prepareBuild(c, opts);
  if (!prepared.ok) return prepared;
  return compilePrepared(prepared.config, c.gateway);
}

/** gateway.yaml (or -c) and the manifests it names (or -f), checked with the environment. */
export async function buildConfig(opts: ValidateOptions): Promise<BuildResult> {
  const env = opts.env ?? process.env;
  const { validateAndResolve } = await loadValidator();
  const { validation, resolved } = await validateAndResolve({ ...opts, env, checkEnv: true });
  return finishBuild({ ...validation, resolved }, { env, cwd: opts.cwd });
}

/** buildConfig() up to (not including) compile: what the build worker runs for a file reload. */
export async function prepareConfig(opts: ValidateOptions): Promise<PrepareResult> {
  const env = opts.env ?? process.env;
  const { validateAndResolve } = await loadValidator();
  const { validation, resolved } = await validateAndResolve({ ...opts, env, checkEnv: true });
  return prepareBuild({ ...validation, resolved }, { env, cwd: opts.cwd });
}
