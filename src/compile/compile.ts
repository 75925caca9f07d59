// Resolved manifests → RoutingTable: pure, synchronous, no I/O. Input is schema-valid and
// semantically checked, with ${env:..}/${file:..} already expanded; anything odd that slipped
// through (an unknown reference, a bad URL) is skipped rather than crashing a reload.
// Order matters: providers and guardrails first, so endpoints share them by reference.
import type { ApiKey, Endpoint, Guardrail, Provider, Resource } from '../manifest/types.js';
import { withDefaults } from './defaults.js';
import { compileChatEndpoint, compileProxyEndpoint, type EndpointContext } from './endpoints.js';
import { deepFreezeSteps, lockCollection } from '../util/freeze.js';
import { compileGuardrail } from './guardrails.js';
import { manifestsHash } from './hash.js';
import { createSchemaCompiler } from '../util/json-validator.js';
import { compileKey } from './keys.js';
import { compileProvider, type ProviderParts } from './providers.js';
import type {
  CompiledChatEndpoint,
  CompiledEndpoint,
  CompiledGuardrail,
  CompiledKey,
  CompiledProvider,
  CompiledWorkspace,
  RoutingTable,
} from './routing-table.js';

export interface CompileOptions {
  /** The table's hash; default: sha256 of the canonical input manifests. */
  readonly hash?: string;
}

interface MutableWorkspace {
  readonly name: string;
  readonly endpoints: Map<string, CompiledEndpoint>;
  readonly models: Map<string, CompiledChatEndpoint>;
}

/** Lazily, one resource at a time (defaults are not cheap: compileSteps yields between two). */
function* byKind<M>(
  resources: readonly Pick<Resource, 'kind' | 'name' | 'workspace' | 'manifest'>[],
  kind: string,
): Generator<{ workspace: string; name: string; manifest: M }> {
  for (const r of resources) {
    if (r.kind !== kind || typeof r.manifest !== 'object' || r.manifest === null) continue;
    yield { workspace: r.workspace, name: r.name, manifest: withDefaults(r.manifest) as M };
  }
}

/** Builds the deep-frozen routing table for `resources`. */
export function compile(resources: readonly Resource[], options: CompileOptions = {}): RoutingTable {
  const steps = compileSteps(resources, options);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/**
 * compile() in small steps: it yields after each resource (and every few hundred objects frozen),
 * so a caller on the serving thread can pause between slices (config/sliced.ts). Nothing is
 * visible before the end: the table is returned whole, already frozen.
 */
export function* compileSteps(
  resources: readonly Pick<Resource, 'kind' | 'name' | 'workspace' | 'manifest'>[],
  options: CompileOptions = {},
): Generator<void, RoutingTable> {
  const workspaces = new Map<string, MutableWorkspace>();
  const workspace = (name: string): MutableWorkspace => {
    let ws = workspaces.get(name);
    if (ws === undefined) {
      ws = { name, endpoints: new Map(), models: new Map() };
      workspaces.set(name, ws);
    }
    return ws;
  };
  for (const r of resources) workspace(r.workspace);

  const providerParts = new Map<string, { provider: CompiledProvider; parts: ProviderParts }>();
  const providers = new Map<string, CompiledProvider>();
  for (const { workspace: ws, name, manifest } of byKind<Provider>(resources, 'Provider')) {
    const id = `${ws}/${name}`;
    if (providers.has(id)) continue; // duplicates are a validation error; first wins
    const compiled = compileProvider(ws, name, manifest);
    if (compiled === undefined) continue;
    providerParts.set(id, compiled);
    providers.set(id, compiled.provider);
    yield;
  }

  const guardrails = new Map<string, CompiledGuardrail>();
  for (const { workspace: ws, name, manifest } of byKind<Guardrail>(resources, 'Guardrail')) {
    const id = `${ws}/${name}`;
    if (!guardrails.has(id)) guardrails.set(id, compileGuardrail(name, manifest.spec));
    yield;
  }

  const ctx: EndpointContext = { providers: providerParts, guardrails, compileSchema: createSchemaCompiler() };
  let endpointCount = 0;
  for (const { workspace: ws, name, manifest } of byKind<Endpoint>(resources, 'Endpoint')) {
    const target = workspace(ws);
    if (target.endpoints.has(name)) continue;
    const spec = manifest.spec;
    const endpoint =
      spec.type === 'chat'
        ? compileChatEndpoint(ctx, ws, name, spec)
        : spec.type === 'proxy'
          ? compileProxyEndpoint(ctx, ws, name, spec)
          : undefined;
    yield;
    if (endpoint === undefined) continue;
    target.endpoints.set(name, endpoint);
    endpointCount++;
    if (endpoint.type !== 'chat') continue;
    // A collision is a validation error; if one slipped through, the first endpoint keeps the name.
    for (const model of endpoint.models) if (!target.models.has(model)) target.models.set(model, endpoint);
  }

  const keys = new Map<string, CompiledKey>();
  for (const { workspace: ws, name, manifest } of byKind<ApiKey>(resources, 'ApiKey')) {
    const key = compileKey(ws, name, manifest.spec);
    if (key !== undefined && !keys.has(key.hash)) keys.set(key.hash, key);
    yield;
  }

  const table: RoutingTable = {
    hash: options.hash ?? manifestsHash(resources.map((r) => r.manifest)),
    workspaces: new Map<string, CompiledWorkspace>(workspaces),
    providers,
    keys,
    counts: { providers: providers.size, endpoints: endpointCount, keys: keys.size, guardrails: guardrails.size },
  };
  for (const ws of workspaces.values()) {
    lockCollection(ws.endpoints);
    lockCollection(ws.models);
  }
  for (const index of [table.workspaces, providers, keys]) lockCollection(index);
  return yield* deepFreezeSteps(table);
}
