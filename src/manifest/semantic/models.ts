// Exposed model names: the keys of every target's `models` map. Inside one workspace a model name
// (or an endpoint name, which callers may send as the model) must pick exactly one endpoint.
// The same name in several targets of one endpoint is fallback, not a collision.
import type { ChatEndpointSpec, EndpointResource } from '../types.js';
import { isKind, type SemanticContext, type WorkspaceIndex } from './context.js';
import { didYouMean, listNames } from './names.js';

/** Where a model name is first exposed: the endpoint and the index of the target mapping it. */
interface Exposure {
  readonly endpoint: EndpointResource;
  readonly target: number;
}

function chatSpec(r: EndpointResource): ChatEndpointSpec | undefined {
  return r.manifest.spec.type === 'chat' ? r.manifest.spec : undefined;
}

/** Exposed name -> index of the first target that maps it, in target order. */
export function exposedModels(r: EndpointResource): Map<string, number> {
  const out = new Map<string, number>();
  (chatSpec(r)?.routing?.targets ?? []).forEach((t, i) => {
    for (const name of Object.keys(t.models ?? {})) if (!out.has(name)) out.set(name, i);
  });
  return out;
}

function modelPath(target: number, name: string): (string | number)[] {
  return ['spec', 'routing', 'targets', target, 'models', name];
}

/** Collisions per workspace; returns each workspace's model index for the later checks. */
type Exposed = (r: EndpointResource) => Map<string, number>;

/** exposedModels, computed once per endpoint within one pass. */
function memoExposed(): Exposed {
  const cache = new Map<EndpointResource, Map<string, number>>();
  return (r) => {
    let m = cache.get(r);
    if (m === undefined) cache.set(r, (m = exposedModels(r)));
    return m;
  };
}

function checkCollisions(ctx: SemanticContext, ws: WorkspaceIndex, exposed: Exposed): Map<string, Exposure> {
  const index = new Map<string, Exposure>();
  // ws.endpoints holds the first of each name, in input order; later duplicates are reported already.
  for (const r of ws.endpoints.values()) {
    for (const [name, target] of exposed(r)) {
      const first = index.get(name);
      const sameName = ws.endpoints.get(name);
      if (first !== undefined) {
        const msg =
          `model ${name} is exposed by endpoint ${first.endpoint.name} (${ctx.where(first.endpoint, modelPath(first.target, name), { key: true })}) ` +
          `and again by endpoint ${r.name} in workspace ${ws.name}; a model name must pick one endpoint, so rename one ` +
          `(for fallback, list both targets in one endpoint)`;
        ctx.report(r, modelPath(target, name), 'GW_ERR_MODEL_COLLISION', msg, { key: true });
      } else {
        index.set(name, { endpoint: r, target });
      }
      if (sameName !== undefined && sameName !== r && sameName.manifest.spec.type === 'chat') {
        const msg =
          `endpoint ${r.name} exposes model ${name}, which is also the name of endpoint ${name} ` +
          `(${ctx.where(sameName, ['metadata', 'name'])}); callers send either as the model, so rename the model or the endpoint`;
        ctx.report(r, modelPath(target, name), 'GW_ERR_MODEL_COLLISION', msg, { key: true });
      }
    }
  }
  return index;
}

function checkEndpoint(ctx: SemanticContext, ws: WorkspaceIndex, r: EndpointResource, exposed: Exposed): void {
  const spec = chatSpec(r);
  if (spec === undefined) return;
  const own = exposed(r);
  if (spec.defaultModel !== undefined && !own.has(spec.defaultModel)) {
    const msg =
      `endpoint ${r.name} has defaultModel ${spec.defaultModel}, which none of its targets exposes; ` +
      `${didYouMean(spec.defaultModel, own.keys())}exposed models: ${listNames(own.keys())}; ` +
      `set defaultModel to one of them or map ${spec.defaultModel} in a target's models`;
    ctx.report(r, ['spec', 'defaultModel'], 'GW_ERR_REF_UNKNOWN_MODEL', msg);
  }
  (spec.routing?.targets ?? []).forEach((t, i) => {
    if (t.endpoint === undefined || t.provider !== undefined) return;
    const ref = ws.endpoints.get(t.endpoint);
    if (ref === undefined || ref.manifest.spec.type !== 'chat') return; // reported as a reference error
    const theirs = exposed(ref);
    for (const [exposed, upstream] of Object.entries(t.models ?? {})) {
      if (upstream === undefined || theirs.has(upstream)) continue;
      const msg =
        `endpoint ${r.name} maps model ${exposed} to ${upstream} on endpoint ${ref.name}, which does not expose ${upstream}; ` +
        `${didYouMean(upstream, theirs.keys())}endpoint ${ref.name} exposes: ${listNames(theirs.keys())}`;
      ctx.report(r, ['spec', 'routing', 'targets', i, 'models', exposed], 'GW_ERR_REF_UNKNOWN_MODEL', msg);
    }
  });
}

export function checkModels(ctx: SemanticContext): void {
  const exposed = memoExposed();
  const indexes = new Map<string, Map<string, Exposure>>();
  const knownByWorkspace = new Map<string, { names: string[]; listing: string }>(); // for messages only, built on first need
  for (const ws of ctx.workspaces.values()) indexes.set(ws.name, checkCollisions(ctx, ws, exposed));
  for (const r of ctx.resources) {
    const ws = ctx.workspace(r.workspace);
    if (isKind(r, 'Endpoint')) checkEndpoint(ctx, ws, r, exposed);
    if (!isKind(r, 'ApiKey')) continue;
    const models = indexes.get(ws.name) ?? new Map<string, Exposure>();
    const isChatEndpoint = (n: string): boolean => ws.endpoints.get(n)?.manifest.spec.type === 'chat';
    (r.manifest.spec.allow?.models ?? []).forEach((name, i) => {
      if (models.has(name) || isChatEndpoint(name)) return;
      let known = knownByWorkspace.get(ws.name);
      if (known === undefined) {
        const names = [...models.keys(), ...[...ws.endpoints.keys()].filter(isChatEndpoint)];
        knownByWorkspace.set(ws.name, (known = { names, listing: listNames(names) }));
      }
      const msg =
        `api key ${r.name} allows model ${name}, which is neither an exposed model nor a chat endpoint in workspace ${ws.name}; ` +
        `${didYouMean(name, known.names)}models and endpoints there: ${known.listing}`;
      ctx.report(r, ['spec', 'allow', 'models', i], 'GW_ERR_REF_UNKNOWN_MODEL', msg);
    });
  }
}
