// The identity of a config: sha256 over a canonical JSON of the manifests (keys sorted,
// documents sorted), so file order and key order do not change it.
import { createHash } from 'node:crypto';
import type { Manifest } from '../manifest/types.js';

/** JSON with object keys sorted at every level; undefined properties dropped as JSON does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const parts: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined || typeof v === 'function') continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** Hex sha256 of the manifests, independent of their order. */
export function manifestsHash(manifests: readonly Manifest[]): string {
  const docs = manifests.map(canonicalJson).sort();
  const h = createHash('sha256');
  for (const d of docs) h.update(d).update('\n');
  return h.digest('hex');
}
