// One canonical form per resource, so two manifests that mean the same thing compare equal:
// schema defaults filled in (from the schemas, via compile/defaults), object keys sorted,
// set-like arrays sorted, metadata.workspace 'default' treated as absent, empty labels dropped.
// References (${env:X}) are text here and stay text: nothing is resolved.
import { allRoles } from '../compile/endpoints.js';
import { defaultsOf, withDefaults } from '../compile/defaults.js';
import { deepFreeze } from '../util/freeze.js';
import type { Manifest } from '../manifest/types.js';
import type { Segment } from './path.js';
import { compareText } from '../util/compare-text.js';

export const DEFAULT_WORKSPACE = 'default';

/**
 * Arrays whose order means nothing, as paths from the document root ('*' = any array index).
 * Routing targets are not here: their order is the fallback order.
 */
const SET_PATHS: readonly (readonly string[])[] = [
  ['spec', 'allowedRoles'],
  ['spec', 'guardrails'],
  ['spec', 'routing', 'fallbackOn'],
  ['spec', 'roles'],
  ['spec', 'scopes'],
  ['spec', 'allow', 'endpoints'],
  ['spec', 'allow', 'models'],
  ['spec', 'rules', '*', 'pii'],
  ['spec', 'rules', '*', 'keywords'],
];

/** True when the array at `path` is a set (sorted when normalized, diffed as one value). */
export function isSetPath(path: readonly Segment[]): boolean {
  return SET_PATHS.some(
    (p) => p.length === path.length && p.every((s, i) => (s === '*' ? typeof path[i] === 'number' : s === path[i])),
  );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function setKey(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Sorted keys, undefined dropped, set-like arrays sorted; a fresh copy. */
function canonical(value: unknown, path: Segment[]): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v, i) => canonical(v, [...path, i]));
    return isSetPath(path) ? items.sort((a, b) => compareText(setKey(a), setKey(b))) : items;
  }
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(compareText)) {
    const v = value[key];
    if (v !== undefined) out[key] = canonical(v, [...path, key]);
  }
  return out;
}

const PROVIDER_SPEC = 'provider.schema.json#/properties/spec/properties';
const CHAT_SPEC = 'endpoint.schema.json#/$defs/chatSpec/properties';

/**
 * Optional objects that mean their schema defaults when absent (compile reads them so), filled
 * in so that `retries: { attempts: 0, backoff: 200ms }` written out equals no retries at all.
 * Not here: objects whose absence means something else (sessions: none; a proxy endpoint's
 * tls: the provider's).
 */
const IMPLIED_OBJECTS: readonly {
  readonly applies: (m: Manifest) => boolean;
  readonly path: readonly string[];
  readonly ref: string;
}[] = [
  { applies: (m) => m.kind === 'Provider', path: ['tls'], ref: 'common.schema.json#/$defs/tls' },
  { applies: (m) => m.kind === 'Provider' && m.spec.type === 'mock', path: ['mock'], ref: `${PROVIDER_SPEC}/mock` },
  { applies: (m) => m.kind === 'Provider' && m.spec.type === 'http', path: ['probe'], ref: `${PROVIDER_SPEC}/probe` },
  {
    applies: (m) => m.kind === 'Provider' && m.spec.type === 'azure-openai',
    path: ['azure'],
    ref: `${PROVIDER_SPEC}/azure`,
  },
  {
    applies: (m) => m.kind === 'Endpoint' && m.spec.type === 'chat',
    path: ['routing', 'retries'],
    ref: 'endpoint.schema.json#/$defs/routing/properties/retries',
  },
  { applies: (m) => m.kind === 'Endpoint' && m.spec.type === 'chat', path: ['mcp'], ref: `${CHAT_SPEC}/mcp` },
];

/** Sets spec.<path> to value() when absent and its parent exists; copies the parents it walks. */
function fillAbsent(spec: Record<string, unknown>, path: readonly string[], value: () => unknown): void {
  let node = spec;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) return;
    const copy = { ...(next as Record<string, unknown>) }; // the caller's manifest stays untouched
    node[key] = copy;
    node = copy;
  }
  const last = path[path.length - 1];
  if (last !== undefined && node[last] === undefined) node[last] = value();
}

/** Defaults that are not `default` keywords on a property: implied objects and allowedRoles. */
function impliedDefaults(m: Manifest): Manifest {
  const spec: Record<string, unknown> = { ...m.spec };
  for (const o of IMPLIED_OBJECTS) if (o.applies(m)) fillAbsent(spec, o.path, () => defaultsOf(o.ref));
  // allowedRoles absent means every role (compile's allRoles(), read from the schema's enum)
  if (m.kind === 'Endpoint') fillAbsent(spec, ['allowedRoles'], () => [...allRoles()]);
  return { ...m, spec } as Manifest;
}

function normalizeMetadata(m: Manifest): Manifest {
  const { workspace, labels, ...rest } = m.metadata;
  const metadata: Manifest['metadata'] = { ...rest };
  if (workspace !== undefined && workspace !== DEFAULT_WORKSPACE) metadata.workspace = workspace;
  if (labels !== undefined && Object.keys(labels).length > 0) metadata.labels = labels;
  return { ...m, metadata } as Manifest;
}

/** The canonical, deep-frozen form of one manifest. The input is not changed. */
export function normalizeManifest<M extends Manifest>(manifest: M): M {
  const filled = normalizeMetadata(impliedDefaults(withDefaults(manifest)));
  return deepFreeze(canonical(filled, []) as M);
}
