// Saved plans (`gw diff --out plan.json`, then `gw apply plan.json`), as terraform's plan -out:
// the full desired set that the plan applies (manifests as written: references unresolved), the
// gateway and the revision it was made against, and the plan itself (masked) for reading. An
// apply of the file sends exactly those manifests with ifRevision = that revision, so it makes
// exactly the plan that was reviewed, or nothing when the gateway moved.
import { readFile, writeFile } from 'node:fs/promises';
import { GwError } from '../errors.js';
import type { Manifest } from '../manifest/types.js';
import type { PlanJson } from '../state/report.js';
import { isObject } from '../util/is-object.js';

export const PLAN_FILE_FORMAT = 'gw-plan/v1';

export interface PlanFile {
  readonly format: typeof PLAN_FILE_FORMAT;
  /** The admin API the plan was made against. */
  readonly server: string;
  /** The live revision it was made against; null: a gateway never configured. */
  readonly revision: number | null;
  readonly createdAt: string;
  /** What the apply sends: the files within the selector, the live config outside it. */
  readonly manifests: readonly Manifest[];
  /** The plan as `gw diff --output json` shows it (masked). */
  readonly plan: PlanJson;
}

export async function writePlanFile(path: string, file: Omit<PlanFile, 'format' | 'createdAt'>): Promise<void> {
  const body: PlanFile = { format: PLAN_FILE_FORMAT, createdAt: new Date().toISOString(), ...file };
  try {
    // 0600: the manifests may hold literal values someone should not read.
    await writeFile(path, JSON.stringify(body, null, 2) + '\n', { mode: 0o600 });
  } catch (err) {
    throw new GwError('GW_ERR_PLAN_FILE', `cannot write the plan to ${path}: ${(err as Error).message}`);
  }
}

export async function readPlanFile(path: string): Promise<PlanFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new GwError(
      'GW_ERR_PLAN_FILE',
      `cannot read the plan ${path}${code === 'ENOENT' ? ': no such file' : `: ${(err as Error).message}`}`,
    );
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new GwError('GW_ERR_PLAN_FILE', `${path} is not JSON; write a plan with gw diff --out ${path}`);
  }
  const ok =
    isObject(v) &&
    v['format'] === PLAN_FILE_FORMAT &&
    typeof v['server'] === 'string' &&
    (v['revision'] === null || (typeof v['revision'] === 'number' && Number.isSafeInteger(v['revision']))) &&
    Array.isArray(v['manifests']) &&
    isObject(v['plan']);
  if (!ok)
    throw new GwError(
      'GW_ERR_PLAN_FILE',
      `${path} is not a gw plan (${PLAN_FILE_FORMAT}); write one with gw diff --out`,
    );
  return v as unknown as PlanFile;
}
