// The one state shape both sides of a plan produce: desired (files) and live (a running
// gateway's current revision). Built from manifests as written, references unresolved.
import { deepFreeze } from '../util/freeze.js';
import type { Diagnostic } from '../manifest/diagnostics.js';
import { RESOURCE_KINDS, type Manifest, type ResourceKind } from '../manifest/types.js';
import { DEFAULT_WORKSPACE, normalizeManifest } from './normalize.js';
import { compareText } from '../util/compare-text.js';

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
  /** The manifest as given (references unresolved): what an apply installs and a revision keeps. */
  readonly original: Manifest;
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

const KINDS: ReadonlySet<unknown> = new Set<Manifest['kind']>(['Gateway', ...RESOURCE_KINDS]);

/** Schema-valid input is the contract; this only keeps a malformed live document from crashing a plan. */
function isResourceShaped(m: Manifest): boolean {
  const v = m as unknown as { kind?: unknown; metadata?: { name?: unknown } | null } | null;
  return typeof v === 'object' && v !== null && KINDS.has(v.kind) && typeof v.metadata?.name === 'string';
}

function problem(code: Diagnostic['code'], message: string, path: string): Diagnostic {
  return { code, severity: 'error', message, file: '', line: 0, col: 0, path };
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
    if (!isResourceShaped(raw)) {
      diagnostics.push(problem('GW_ERR_SCHEMA', 'a document without a known kind and metadata.name was skipped', ''));
      continue;
    }
    if (raw.kind === 'Gateway') continue;
    const kind: ResourceKind = raw.kind;
    const manifest = normalizeManifest(raw);
    const workspace = manifest.metadata.workspace ?? DEFAULT_WORKSPACE;
    const name = manifest.metadata.name;
    const key = snapshotKey(kind, workspace, name);
    if (byKey.has(key)) {
      const msg = `${kind.toLowerCase()} ${displayName(workspace, name)} is given twice; the first one is used`;
      diagnostics.push(problem('GW_ERR_DUPLICATE_NAME', msg, 'metadata.name'));
      continue;
    }
    byKey.set(key, {
      key,
      kind,
      workspace,
      name,
      labels: labelsOf(manifest),
      manifest,
      original: structuredClone(raw),
    });
  }
  const entries = new Map([...byKey].sort(([a], [b]) => compareText(a, b)));
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
