// Dependency order of a plan. Providers and guardrails come first (nothing they need), then
// endpoints (an endpoint that others target before the ones that target it), then api keys
// (their allow lists name endpoints). Deletes run the same order backwards, after every
// create and update: an endpoint stops referencing a provider before the provider goes.
import type { ResourceKind } from '../manifest/types.js';
import { snapshotKey, type Snapshot } from './snapshot.js';
import { compareText } from '../util/compare-text.js';

/** What ordering reads of a change (plan.ts's Change; named here so plan.ts and order.ts form no cycle). */
interface Ordered {
  readonly op: 'create' | 'update' | 'delete';
  readonly kind: ResourceKind;
  readonly workspace: string;
  readonly name: string;
}

/** Creates and updates go in ascending rank (deletes descending); ties by workspace, then name. */
export const KIND_RANK: Readonly<Record<ResourceKind, number>> = Object.freeze({
  Provider: 0,
  Guardrail: 1,
  Endpoint: 2,
  ApiKey: 3,
});

/** Keys of the endpoints that an endpoint's routing targets (same workspace). */
function endpointTargets(s: Snapshot, key: string): string[] {
  const e = s.entries.get(key);
  if (e === undefined || e.manifest.kind !== 'Endpoint' || e.manifest.spec.type !== 'chat') return [];
  const out: string[] = [];
  for (const t of e.manifest.spec.routing.targets) {
    if (t.endpoint !== undefined) out.push(snapshotKey('Endpoint', e.workspace, t.endpoint));
  }
  return out;
}

/**
 * Depth of every endpoint of the snapshot: 0 when it targets no endpoint, else one more than
 * the deepest endpoint it targets. A cycle (validation reports it) is cut where it is met.
 */
export function endpointDepths(s: Snapshot): Map<string, number> {
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (key: string): number => {
    const known = depth.get(key);
    if (known !== undefined) return known;
    if (visiting.has(key) || !s.entries.has(key)) return -1;
    visiting.add(key);
    let d = 0;
    for (const dep of endpointTargets(s, key)) d = Math.max(d, visit(dep) + 1);
    visiting.delete(key);
    depth.set(key, d);
    return d;
  };
  for (const [key, e] of s.entries) if (e.kind === 'Endpoint') visit(key);
  return depth;
}

/** Dependency level: kind first, endpoints by depth. dir -1 reverses levels (deletes), not names. */
function comparator(s: Snapshot, dir: 1 | -1): (a: Ordered, b: Ordered) => number {
  const depths = endpointDepths(s);
  const depth = (c: Ordered): number => depths.get(snapshotKey(c.kind, c.workspace, c.name)) ?? 0;
  return (a, b) =>
    dir * (KIND_RANK[a.kind] - KIND_RANK[b.kind]) ||
    (a.kind === 'Endpoint' ? dir * (depth(a) - depth(b)) : 0) ||
    compareText(a.workspace, b.workspace) ||
    compareText(a.name, b.name);
}

/**
 * Creates and updates ordered by the desired graph, then deletes in the reverse of the order
 * the live graph gives (what a deleted endpoint referenced is deleted after it).
 */
export function orderChanges<C extends Ordered>(changes: readonly C[], desired: Snapshot, live: Snapshot): C[] {
  const forward = changes.filter((c) => c.op !== 'delete').sort(comparator(desired, 1));
  const deletes = changes.filter((c) => c.op === 'delete').sort(comparator(live, -1));
  return [...forward, ...deletes];
}
