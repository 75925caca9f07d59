// Semantic checks: what a JSON Schema cannot see on one document alone. Names must be unique per
// kind and workspace, references must resolve inside their workspace, endpoint refs must not
// loop, exposed model names must pick one endpoint, and some values must be well-formed
// (baseUrl, regex, JSON Schema, duration ranges, key hashes, no literal credentials).
// Every problem is collected; nothing stops at the first. Pure: no I/O.
import type { Diagnostic } from './diagnostics.js';
import { checkAdminKey } from './semantic/admin-key.js';
import { checkBudgets } from './semantic/budgets.js';
import { createContext, type DuplicateFound, type SemanticContext } from './semantic/context.js';
import { checkCycles } from './semantic/cycles.js';
import { checkDurations } from './semantic/durations.js';
import { checkLimits } from './semantic/limits.js';
import { checkModels } from './semantic/models.js';
import { checkNameReferences } from './semantic/references.js';
import { checkSecrets } from './semantic/secrets.js';
import { checkTlsSettings } from './semantic/tls.js';
import { checkValues } from './semantic/values.js';
import type { BrokenResource, Resource } from './types.js';

export interface SemanticOptions {
  /** --strict: literal secrets and TLS checks turned off are errors instead of warnings. */
  readonly strict: boolean;
  /** Documents with schema errors (reported already) whose names still count as defined. */
  readonly broken?: readonly BrokenResource[];
}

function reportDuplicates(ctx: SemanticContext, duplicates: readonly DuplicateFound[]): void {
  for (const { resource: r, first } of duplicates) {
    const msg =
      `${r.kind} ${r.name} is already defined in workspace ${r.workspace} at ${ctx.where(first, ['metadata', 'name'])}; ` +
      `names are unique per kind and workspace, so rename or remove one`;
    ctx.report(r, ['metadata', 'name'], 'GW_ERR_DUPLICATE_NAME', msg);
  }
}

/**
 * Cross-document checks over schema-valid resources (references unresolved, as written).
 * A Gateway resource among them gets its own value checks (admin key, durations).
 * Diagnostics come in check order; callers sort them (sortDiagnostics).
 */
export function checkSemantics(resources: readonly Resource[], opts: SemanticOptions): Diagnostic[] {
  const { ctx, duplicates } = createContext(resources, opts.strict, opts.broken ?? []);
  reportDuplicates(ctx, duplicates);
  checkNameReferences(ctx);
  checkModels(ctx);
  checkCycles(ctx);
  checkBudgets(ctx);
  checkSecrets(ctx);
  checkTlsSettings(ctx);
  checkValues(ctx);
  checkDurations(ctx);
  checkLimits(ctx);
  checkAdminKey(ctx);
  return ctx.diagnostics;
}
