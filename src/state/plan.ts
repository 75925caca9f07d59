// desired vs live -> a list of typed changes in dependency order. Pure: no I/O, nothing
// resolved. `gw diff`, `gw apply` (its dry run) and the admin API's apply all call plan().
// The manifests inside a Plan are NOT masked: pass it through maskPlan() (render/plan.ts and
// planJson() do) before showing it to anyone.
import type { Manifest, ResourceKind } from '../manifest/types.js';
import type { Diagnostic } from '../manifest/diagnostics.js';
import { diffFields, type FieldChange } from './diff.js';
import { orderChanges } from './order.js';
import { matchesSelector, type Selector } from './selector.js';
import type { Snapshot, SnapshotEntry } from './snapshot.js';

export type { FieldChange } from './diff.js';

export type ChangeOp = 'create' | 'update' | 'delete';

export interface Change {
  readonly op: ChangeOp;
  readonly kind: ResourceKind;
  readonly workspace: string;
  readonly name: string;
  /** The live manifest (update, delete). */
  readonly before?: Manifest;
  /** The desired manifest (create, update). */
  readonly after?: Manifest;
  /** What differs (update only), in document order. */
  readonly fields?: readonly FieldChange[];
}

export interface PlanSummary {
  readonly create: number;
  readonly update: number;
  readonly delete: number;
  readonly unchanged: number;
}

export interface Plan {
  /** Creates and updates in dependency order, then deletes in reverse dependency order. */
  readonly changes: readonly Change[];
  readonly summary: PlanSummary;
  /** Problems met building either snapshot (duplicates), desired side first. */
  readonly diagnostics: readonly Diagnostic[];
}

export interface PlanOptions {
  /** Only resources whose labels match on either side are planned; others are left alone. */
  readonly selector?: Selector;
}

function inScope(entry: SnapshotEntry | undefined, selector: Selector | undefined): boolean {
  if (entry === undefined) return false;
  return selector === undefined || matchesSelector(entry.labels, selector);
}

/** What it takes to make `live` equal `desired` (within the selector). */
export function plan(desired: Snapshot, live: Snapshot, opts: PlanOptions = {}): Plan {
  const changes: Change[] = [];
  let unchanged = 0;
  const keys = new Set([...desired.entries.keys(), ...live.entries.keys()]);
  for (const key of keys) {
    const want = desired.entries.get(key);
    const have = live.entries.get(key);
    // A resource enters the plan when it matches on either side: adding a label pulls a live
    // resource in (update), and a live resource outside the selector is never deleted.
    if (!inScope(want, opts.selector) && !inScope(have, opts.selector)) continue;
    const id = want ?? have;
    if (id === undefined) continue;
    const base = { kind: id.kind, workspace: id.workspace, name: id.name };
    if (want === undefined) {
      changes.push({ op: 'delete', ...base, before: have?.manifest });
    } else if (have === undefined) {
      changes.push({ op: 'create', ...base, after: want.manifest });
    } else {
      const fields = diffFields(have.manifest, want.manifest);
      if (fields.length === 0) unchanged++;
      else changes.push({ op: 'update', ...base, before: have.manifest, after: want.manifest, fields });
    }
  }
  const count = (op: ChangeOp): number => changes.filter((c) => c.op === op).length;
  return {
    changes: orderChanges(changes, desired, live),
    summary: { create: count('create'), update: count('update'), delete: count('delete'), unchanged },
    diagnostics: [...desired.diagnostics, ...live.diagnostics],
  };
}

/** True when applying the plan would change nothing (`gw diff` exits 0). */
export function isEmptyPlan(p: Plan): boolean {
  return p.changes.length === 0;
}
