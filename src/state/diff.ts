// Field-by-field differences between two normalized manifests. Objects are compared key by
// key, arrays element by element (an added or removed element is one change at its index);
// set-like arrays (roles, scopes, ...) are compared as one value, since after sorting their
// indexes mean nothing.
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

function change(path: Segment[], before: unknown, after: unknown): FieldChange {
  const c: { path: string; before?: unknown; after?: unknown } = { path: formatFieldPath(path) };
  if (before !== undefined) c.before = before;
  if (after !== undefined) c.after = after;
  return c;
}

function walk(before: unknown, after: unknown, path: Segment[], out: FieldChange[]): void {
  if (jsonEqual(before, after)) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const k of keys) walk(before[k], after[k], [...path, k], out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && !isSetPath(path)) {
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
