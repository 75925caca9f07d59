// `GET /admin/v1/revisions/diff?revision=N`: what revision N changed against the one before it,
// as the same masked plan JSON `gw diff --output json` prints (state/report.ts). Revisions keep
// manifests as written, so references stay references and literal credentials become [masked].
import { GwError } from '../errors.js';
import { plan } from '../state/plan.js';
import { planJson, type PlanJson } from '../state/report.js';
import type { RevisionStore } from '../state/revisions.js';
import { buildSnapshot } from '../state/snapshot.js';

export interface RevisionDiff {
  readonly revision: number;
  /** The revision compared against; null for the first one (everything is a create). */
  readonly previous: number | null;
  readonly source: string;
  readonly appliedAt: string;
  readonly diff: PlanJson;
}

export function revisionDiff(store: Pick<RevisionStore, 'get' | 'before'>, number: number): RevisionDiff {
  const rev = store.get(number);
  if (rev === undefined) throw new GwError('GW_ERR_REVISION_NOT_FOUND', `there is no revision ${number}`);
  const prev = store.before(number);
  const p = plan(buildSnapshot(rev.manifests), buildSnapshot(prev?.manifests ?? []));
  return {
    revision: rev.number,
    previous: prev?.number ?? null,
    source: rev.source,
    appliedAt: new Date(rev.appliedAt).toISOString(),
    diff: planJson(p),
  };
}
