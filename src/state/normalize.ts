// One canonical form per resource, so two manifests that mean the same thing compare equal:
// schema defaults filled in (from the schemas, via compile/defaults), object keys sorted,
// set-like arrays sorted, metadata.workspace 'default' treated as absent, empty labels dropped.
// References (${env:X}) are text here and stay text: nothing is resolved.
import { ALL_ROLES } from '../compile/endpoints.js';
import { withDefaults } from '../compile/defaults.js';
import { deepFreeze } from '../compile/freeze.js';
import type { Manifest } from '../manifest/types.js';
import type { Segment } from './path.js';

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

/** Code-unit order, not locale order: the same result on every machine. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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

/** Defaults the schemas describe only in words, filled from the same constants compile uses. */
function impliedDefaults(m: Manifest): Manifest {
  if (m.kind === 'Endpoint' && m.spec.allowedRoles === undefined) {
    return { ...m, spec: { ...m.spec, allowedRoles: [...ALL_ROLES] } };
  }
  return m;
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
