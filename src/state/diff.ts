// Field-by-field differences between two normalized manifests. Objects are compared key by
// key. Lists whose elements have an identity are matched by it (routing targets by provider or
// endpoint, guardrail rules by their content), so removing the first target is one removal and
// not every later target shifted one place; an element present on both sides is compared field
// by field at its new index. When such a list only changed order (the fallback order of
// targets), the whole list is one change. Plain lists (no identity, or duplicate identities)
// are compared element by element at their indexes. Set-like arrays (roles, scopes, ...) are
// compared as one value, since after sorting their indexes mean nothing.
import { isSetPath } from './normalize.js';
import { formatFieldPath, type Segment } from './path.js';

export interface FieldChange {
  /** 'spec.routing.targets[0].models.fast'; keys that are not plain words as ["gpt-4.1"]. */
  readonly path: string;
  /** Absent when the field is added. */
  readonly before?: unknown;
  /** Absent when the field is removed. */
  readonly after?: unknown;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep equality of JSON values (normalized manifests hold nothing else). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

type Identity = (element: unknown) => string | undefined;

function targetIdentity(t: unknown): string | undefined {
  if (!isPlainObject(t)) return undefined;
  if (typeof t['provider'] === 'string') return `provider:${t['provider']}`;
  if (typeof t['endpoint'] === 'string') return `endpoint:${t['endpoint']}`;
  return undefined;
}

/** Normalized values have sorted keys, so JSON text is a stable content key. */
const contentIdentity: Identity = (v) => JSON.stringify(v);

/** Lists keyed by identity, as paths from the document root. */
const KEYED_LISTS: readonly { readonly path: readonly string[]; readonly identity: Identity }[] = [
  { path: ['spec', 'routing', 'targets'], identity: targetIdentity },
  { path: ['spec', 'rules'], identity: contentIdentity },
];

function identityAt(path: readonly Segment[]): Identity | undefined {
  return KEYED_LISTS.find((l) => l.path.length === path.length && l.path.every((s, i) => s === path[i]))?.identity;
}

/** Identities of every element, or undefined when one has none or two share one. */
function keysOf(list: readonly unknown[], identity: Identity): string[] | undefined {
  const keys = list.map(identity);
  if (keys.some((k) => k === undefined)) return undefined;
  return new Set(keys).size === keys.length ? (keys as string[]) : undefined;
}

function change(path: Segment[], before: unknown, after: unknown): FieldChange {
  const c: { path: string; before?: unknown; after?: unknown } = { path: formatFieldPath(path) };
  if (before !== undefined) c.before = before;
  if (after !== undefined) c.after = after;
  return c;
}

/** A keyed list: true when handled, false to fall back to indexes. */
function walkKeyed(
  before: unknown[],
  after: unknown[],
  identity: Identity,
  path: Segment[],
  out: FieldChange[],
): boolean {
  const kb = keysOf(before, identity);
  const ka = keysOf(after, identity);
  if (kb === undefined || ka === undefined) return false;
  const common = new Set(kb.filter((k) => ka.includes(k)));
  const orderBefore = kb.filter((k) => common.has(k));
  const orderAfter = ka.filter((k) => common.has(k));
  if (orderBefore.some((k, i) => k !== orderAfter[i])) {
    // The order itself changed (fallback order): show the list as one change.
    out.push(change(path, before, after));
    return true;
  }
  // Removals at their old index, then each element at its new index (added, or compared).
  kb.forEach((k, i) => {
    if (!common.has(k)) out.push(change([...path, i], before[i], undefined));
  });
  ka.forEach((k, i) => {
    if (common.has(k)) walk(before[kb.indexOf(k)], after[i], [...path, i], out);
    else out.push(change([...path, i], undefined, after[i]));
  });
  return true;
}

function walk(before: unknown, after: unknown, path: Segment[], out: FieldChange[]): void {
  if (jsonEqual(before, after)) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const k of keys) walk(before[k], after[k], [...path, k], out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && !isSetPath(path)) {
    const identity = identityAt(path);
    if (identity !== undefined && walkKeyed(before, after, identity, path, out)) return;
    const n = Math.max(before.length, after.length);
    for (let i = 0; i < n; i++) walk(before[i], after[i], [...path, i], out);
    return;
  }
  out.push(change(path, before, after));
}

/** Every leaf that differs, in document order (keys sorted); [] when equal. */
export function diffFields(before: unknown, after: unknown, basePath: readonly Segment[] = []): FieldChange[] {
  const out: FieldChange[] = [];
  walk(before, after, [...basePath], out);
  return out;
}
