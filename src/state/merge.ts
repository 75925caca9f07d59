// What the live config becomes when a plan is applied: every resource inside the selector as the
// files have it (or gone), every resource outside it as it is live. The manifests are the ones
// given (references unresolved), so an apply installs, and a revision keeps, what was written.
import type { Manifest } from '../manifest/types.js';
import type { PlanOptions } from './plan.js';
import { matchesSelector } from './selector.js';
import type { Snapshot, SnapshotEntry } from './snapshot.js';

function selected(entry: SnapshotEntry | undefined, opts: PlanOptions): boolean {
  return entry !== undefined && (opts.selector === undefined || matchesSelector(entry.labels, opts.selector));
}

/** The full set of manifests after applying plan(desired, live, opts), in key order. */
export function mergeSelected(desired: Snapshot, live: Snapshot, opts: PlanOptions = {}): Manifest[] {
  const keys = [...new Set([...desired.entries.keys(), ...live.entries.keys()])].sort();
  const out: Manifest[] = [];
  for (const key of keys) {
    const want = desired.entries.get(key);
    const have = live.entries.get(key);
    // the same rule as plan(): in scope when it matches on either side
    const inScope = selected(want, opts) || selected(have, opts);
    const keep = inScope ? want : have;
    if (keep !== undefined) out.push(structuredClone(keep.original));
  }
  return out;
}
