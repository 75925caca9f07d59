// Manifests held as their JSON text and parsed on first read. At 10k resources the manifests as
// objects cost the serving thread ~10 MB of heap and about a tenth of a second to cross from the
// build worker; the text is what a revision stores anyway, and only plans, exports, rollbacks
// and the fleet read the objects, so a gateway that just serves never parses them.
import type { Manifest } from './types.js';

export interface ManifestsText {
  /** JSON.stringify(manifests). */
  readonly json: string;
  /** How many manifests the text holds (counted where it was written). */
  readonly count: number;
}

/** Defines `target.manifests` as a getter that parses `text` once, on first read. */
export function defineLazyManifests<T extends object>(
  target: T,
  json: string,
): T & { readonly manifests: readonly Manifest[] } {
  let parsed: readonly Manifest[] | undefined;
  return Object.defineProperty(target, 'manifests', {
    enumerable: true,
    get: () => (parsed ??= JSON.parse(json) as Manifest[]),
  }) as T & { readonly manifests: readonly Manifest[] };
}
