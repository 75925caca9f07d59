// The identity of a config: sha256 over a canonical JSON of the manifests (keys sorted,
// documents sorted), so file order and key order do not change it.
import { createHash } from 'node:crypto';
import type { Manifest } from '../manifest/types.js';

/** JSON with object keys sorted at every level; otherwise exactly what JSON.stringify writes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortedKeys(value)) ?? 'null';
}

// The value with every plain object whose keys are out of order re-created with its keys
// sorted; native JSON.stringify (without a replacer, so on its fast path) then does the
// writing. Objects and arrays with nothing to re-order below them are reused, not copied.
function sortedKeys(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      const s = sortedKeys(x);
      if (s !== x && out === undefined) out = v.slice(0, i);
      if (out !== undefined) out.push(s);
    }
    return out ?? v;
  }
  const src = v as Record<string, unknown>;
  const keys = Object.keys(src);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = (keys[i - 1] as string) < (keys[i] as string);
  if (!sorted) {
    const out: Record<string, unknown> = {};
    for (const k of keys.sort()) out[k] = sortedKeys(src[k]);
    return out;
  }
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    const x = src[k];
    const s = sortedKeys(x);
    if (s !== x && out === undefined) {
      out = {};
      for (let j = 0; j < i; j++) keep(out, keys[j] as string, src[keys[j] as string]);
    }
    if (out !== undefined) keep(out, k, s);
  }
  return out ?? v;
}

/** Sets an own property, "__proto__" too (written as the key it is, as for an object reused). */
function keep(out: Record<string, unknown>, k: string, value: unknown): void {
  if (k === '__proto__') Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  else out[k] = value;
}

/** Hex sha256 of the manifests, independent of their order. */
export function manifestsHash(manifests: readonly Manifest[]): string {
  const docs = manifests.map(canonicalJson).sort();
  const h = createHash('sha256');
  for (const d of docs) h.update(d).update('\n');
  return h.digest('hex');
}
