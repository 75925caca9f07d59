// The one state shape both sides of a plan produce: desired (files) and live (a running
// gateway's current revision). Built from manifests as written, references unresolved.
import { deepFreeze } from '../compile/freeze.js';
import type { Diagnostic } from '../manifest/diagnostics.js';
import type { Manifest, ResourceKind } from '../manifest/types.js';
import { DEFAULT_WORKSPACE, normalizeManifest } from './normalize.js';

export interface SnapshotEntry {
  /** 'Endpoint/default/support-bot' (snapshotKey). */
  readonly key: string;
  readonly kind: ResourceKind;
  readonly workspace: string;
  readonly name: string;
  /** metadata.labels, {} when none. */
  readonly labels: Readonly<Record<string, string>>;
  /** The normalized manifest (normalizeManifest): what plans compare and show. */
  readonly manifest: Manifest;
}

export interface Snapshot {
  /** Entries by key, in key order. */
  readonly entries: ReadonlyMap<string, SnapshotEntry>;
  /** Problems met while building (a resource given twice: the first one is kept). */
  readonly diagnostics: readonly Diagnostic[];
}

/** 'kind/workspace/name', e.g. 'Endpoint/default/support-bot'. */
export function snapshotKey(kind: ResourceKind, workspace: string, name: string): string {
  return `${kind}/${workspace}/${name}`;
}

function labelsOf(m: Manifest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.metadata.labels ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * A snapshot of the manifests. Gateway documents are not planned resources and are skipped;
 * a second resource with the same kind, workspace and name is reported and skipped.
 */
export function buildSnapshot(manifests: readonly Manifest[]): Snapshot {
  const byKey = new Map<string, SnapshotEntry>();
  const diagnostics: Diagnostic[] = [];
  for (const raw of manifests) {
    if (raw.kind === 'Gateway') continue;
    const kind: ResourceKind = raw.kind;
    const manifest = normalizeManifest(raw);
    const workspace = manifest.metadata.workspace ?? DEFAULT_WORKSPACE;
    const name = manifest.metadata.name;
    const key = snapshotKey(kind, workspace, name);
    if (byKey.has(key)) {
      diagnostics.push({
        code: 'GW_ERR_DUPLICATE_NAME',
        severity: 'error',
        message: `${kind.toLowerCase()} ${displayName(workspace, name)} is given twice; the first one is used`,
        file: '',
        line: 0,
        col: 0,
        path: 'metadata.name',
      });
      continue;
    }
    byKey.set(key, { key, kind, workspace, name, labels: labelsOf(manifest), manifest });
  }
  const entries = new Map([...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return deepFreeze({ entries, diagnostics });
}

/** A snapshot with nothing in it (a gateway that has never been configured). */
export function emptySnapshot(): Snapshot {
  return buildSnapshot([]);
}

/** The normalized manifests of a snapshot, in key order. */
export function snapshotManifests(s: Snapshot): Manifest[] {
  return [...s.entries.values()].map((e) => e.manifest);
}

/** 'support-bot' in the default workspace, 'slug-demo/bot' elsewhere. */
export function displayName(workspace: string, name: string): string {
  return workspace === DEFAULT_WORKSPACE ? name : `${workspace}/${name}`;
}
