// The identity of a config: sha256 over a canonical JSON of the manifests (keys sorted,
// documents sorted), so file order and key order do not change it.
import { createHash } from 'node:crypto';
import type { Manifest } from '../manifest/types.js';

/** JSON with object keys sorted at every level; otherwise exactly what JSON.stringify writes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, sortKeys) ?? 'null';
}

// A replacer that re-creates each plain object whose keys are out of order with its keys
// sorted; native JSON.stringify then does the writing. Objects already in order are reused.
function sortKeys(_key: string, v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  const src = v as Record<string, unknown>;
  const keys = Object.keys(src);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = (keys[i - 1] as string) < (keys[i] as string);
  if (sorted) return v;
  const out: Record<string, unknown> = {};
  for (const k of keys.sort()) out[k] = src[k];
  return out;
}

/** Hex sha256 of the manifests, independent of their order. */
export function manifestsHash(manifests: readonly Manifest[]): string {
  const docs = manifests.map(canonicalJson).sort();
  const h = createHash('sha256');
  for (const d of docs) h.update(d).update('\n');
  return h.digest('hex');
}
