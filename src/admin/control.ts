// The config in service and the one way it changes. Start-up, file watch, SIGHUP, apply and
// rollback all end in commit(): record a revision (when the content hash differs from the one
// in service), then swap the table in one step. Changes run one at a time (exclusive()), so an
// apply never interleaves with a reload, and `ifRevision` is checked under the same lock.
import type { RoutingTable } from '../compile/routing-table.js';
import type { BuildResult } from '../config/build.js';
import type { Diagnostic } from '../manifest/diagnostics.js';
import type { Manifest } from '../manifest/types.js';
import { plan, isEmptyPlan } from '../state/plan.js';
import { planJson, type PlanJson } from '../state/report.js';
import type { Revision, RevisionStore } from '../state/revisions.js';
import { buildSnapshot } from '../state/snapshot.js';
import type { Logger } from '../telemetry/logger.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';

type Built = Extract<BuildResult, { ok: true }>;

/** The plan from `live` to what was built: the builder's when it made one, else made here. */
function planOf(
  built: Built,
  live: readonly Manifest[],
): { empty: boolean; summary: PlanJson['summary']; report: PlanJson } {
  if (built.plan !== undefined) return built.plan;
  const p = plan(buildSnapshot(built.manifests), buildSnapshot(live));
  return { empty: isEmptyPlan(p), summary: p.summary, report: planJson(p, { diagnostics: built.diagnostics }) };
}

export interface ControlPlaneOptions {
  readonly store: RevisionStore;
  /** Puts a table in service for requests that arrive from now on. */
  readonly swap: (table: RoutingTable) => void;
  /**
   * Validates and compiles manifests (as written) with the server's gateway settings. `live` is
   * the set in service: a builder may plan against it (off the serving thread) and return the
   * plan with the result; otherwise the control plane plans itself.
   */
  readonly build: (manifests: readonly unknown[], label: string, live: readonly Manifest[]) => Promise<BuildResult>;
  readonly logger: Logger;
  readonly metrics?: GatewayMetrics | undefined;
  /**
   * The lowest number a new revision may take (a fleet's: one above the newest revision any
   * instance published, so an apply gets the same number on every instance). Default 1.
   */
  readonly revisionFloor?: (() => number) | undefined;
}

export interface ApplyRequest {
  /** The full desired set of manifests, as written. */
  readonly manifests: readonly unknown[];
  readonly dryRun?: boolean;
  /** The revision the caller planned against; 0 means "none yet". */
  readonly ifRevision?: number | undefined;
  readonly source?: string;
  /** Who asked (user@host, a CI actor), recorded with the revision. */
  readonly actor?: string | undefined;
  /** The number to record it under when free here (a fleet apply carries the applying instance's). */
  readonly revision?: number | undefined;
}

export interface RollbackRequest {
  /** The revision to go back to; default the one before the current. */
  readonly revision?: number | undefined;
  /** Plan only: report what the rollback would change, change nothing. */
  readonly dryRun?: boolean;
  /** Roll back only when the gateway is still at this revision (0: none yet). */
  readonly ifRevision?: number | undefined;
  readonly actor?: string | undefined;
}

export type ApplyOutcome =
  | { readonly kind: 'conflict'; readonly currentRevision: number }
  | { readonly kind: 'invalid'; readonly diagnostics: readonly Diagnostic[] }
  | {
      readonly kind: 'done';
      readonly applied: boolean;
      readonly revision: number;
      readonly plan: PlanJson;
      readonly diagnostics: readonly Diagnostic[];
    };

export type RollbackOutcome =
  | { readonly kind: 'not-found'; readonly message: string }
  | { readonly kind: 'conflict'; readonly currentRevision: number }
  | { readonly kind: 'invalid'; readonly diagnostics: readonly Diagnostic[] }
  | {
      readonly kind: 'done';
      readonly applied: boolean;
      readonly revision: number;
      readonly rolledBackTo: number;
      readonly plan: PlanJson;
    };

export interface CommitOptions {
  /** true (apply, rollback): a revision that cannot be recorded fails the change, nothing swaps. */
  readonly strict?: boolean;
  /** The number to record it under when free (default: the revision floor). */
  readonly revision?: number | undefined;
  readonly actor?: string | undefined;
}

/** Config changes made from the admin API, which a file reload may silently replace. */
const API_SOURCES: ReadonlySet<string> = new Set(['apply', 'rollback']);
/** Config changes that come from the files. */
const FILE_SOURCES: ReadonlySet<string> = new Set(['watch', 'sighup']);

export class ControlPlane {
  readonly #opts: ControlPlaneOptions;
  #current: Revision | undefined;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(opts: ControlPlaneOptions) {
    this.#opts = opts;
    // The last recorded revision: a start-up from unchanged files records nothing new.
    this.#current = opts.store.latest();
  }

  /** The revision in service (before the first commit or adopt: the last one recorded). */
  get current(): Revision | undefined {
    return this.#current;
  }

  /** Runs `fn` after every change queued before it has finished. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Serves a stored revision as it is (start-up from the last revision): nothing new recorded. */
  adopt(revision: Revision, table: RoutingTable): void {
    this.#opts.swap(table);
    this.#current = revision;
    this.#opts.metrics?.setRevision(revision.number);
  }

  /**
   * Records a revision when the config differs from the one in service, then swaps. Call it
   * inside exclusive(). Returns the revision in service afterwards.
   */
  commit(built: Built, source: string, opts: CommitOptions = {}): Revision | undefined {
    const { store, logger, metrics } = this.#opts;
    // A fleet apply names its revision's number. When this instance holds that very revision
    // already (it applied it while Redis was down, and the fleet hands it back), that row goes
    // back into service: recorded anew it would take another number here than on the others.
    const known = opts.revision !== undefined ? store.get(opts.revision) : undefined;
    if (known !== undefined && known.hash === built.table.hash && this.#current?.hash !== known.hash) {
      this.#current = known;
    } else if (this.#current === undefined || this.#current.hash !== built.table.hash) {
      const replaced = this.#current;
      try {
        const atLeast = opts.revision ?? this.#opts.revisionFloor?.() ?? 1;
        this.#current = store.record({
          hash: built.table.hash,
          // The text when the builder made it: the objects are then never parsed here.
          ...(built.manifestsText !== undefined ? { text: built.manifestsText } : { manifests: built.manifests }),
          source,
          atLeast,
          ...(opts.actor !== undefined ? { actor: opts.actor } : {}),
        });
        if (replaced !== undefined && API_SOURCES.has(replaced.source) && FILE_SOURCES.has(source)) {
          // The files win over what someone applied: say so, naming both revisions.
          logger.warn(
            { revision: this.#current.number, replaced: replaced.number, replacedSource: replaced.source, source },
            `a file reload (${source}) replaced revision ${replaced.number}, made by gw ${replaced.source}${replaced.actor ? ` (${replaced.actor})` : ''}, with revision ${this.#current.number} from the files; put that change in the manifests or it is lost`,
          );
        }
      } catch (err) {
        if (opts.strict === true) throw err;
        // A file change still goes into service: serving what the files say matters more
        // than the history row.
        logger.error({ err, source }, 'could not record the config revision');
      }
    }
    this.#opts.swap(built.table);
    metrics?.setRevision(this.#current?.number ?? 0);
    return this.#current;
  }

  /** A failed load or an invalid config from `source` (counted in gw_config_reload_failures_total). */
  failed(source: string): void {
    this.#opts.metrics?.reloadFailed(source);
  }

  apply(req: ApplyRequest): Promise<ApplyOutcome> {
    return this.exclusive(async () => {
      const currentNumber = this.#current?.number ?? 0;
      if (req.ifRevision !== undefined && req.ifRevision !== currentNumber)
        return { kind: 'conflict', currentRevision: currentNumber };
      const source = req.source ?? 'apply';
      const live = this.#current?.manifests ?? [];
      const built = await this.#opts.build(req.manifests, 'apply', live);
      if (!built.ok) {
        this.failed(source);
        return { kind: 'invalid', diagnostics: built.diagnostics };
      }
      const p = planOf(built, live);
      const report = p.report;
      if (req.dryRun === true || p.empty)
        return { kind: 'done', applied: false, revision: currentNumber, plan: report, diagnostics: built.diagnostics };
      const rev = this.commit(built, source, { strict: true, revision: req.revision, actor: req.actor });
      this.#opts.logger.info(
        { source, revision: rev?.number, config: built.table.hash, ...p.summary },
        'configuration applied',
      );
      return {
        kind: 'done',
        applied: true,
        revision: rev?.number ?? currentNumber,
        plan: report,
        diagnostics: built.diagnostics,
      };
    });
  }

  /** Re-applies revision `number` (default: the one before the current) as a new revision. */
  rollback(req: RollbackRequest = {}): Promise<RollbackOutcome> {
    return this.exclusive(async () => {
      const { store } = this.#opts;
      const current = this.#current;
      const number = req.revision;
      if (req.ifRevision !== undefined && req.ifRevision !== (current?.number ?? 0))
        return { kind: 'conflict', currentRevision: current?.number ?? 0 };
      const target =
        number !== undefined ? store.get(number) : current !== undefined ? store.before(current.number) : undefined;
      if (target === undefined) {
        const message =
          number !== undefined ? `there is no revision ${number}` : 'there is no revision before the current one';
        return { kind: 'not-found', message };
      }
      const live = current?.manifests ?? [];
      const built = await this.#opts.build(target.manifests, `revision-${target.number}`, live);
      if (!built.ok) {
        this.failed('rollback');
        return { kind: 'invalid', diagnostics: built.diagnostics };
      }
      const report = planOf(built, live).report;
      if ((current !== undefined && current.hash === built.table.hash) || req.dryRun === true) {
        const revision = current?.number ?? 0;
        return { kind: 'done', applied: false, revision, rolledBackTo: target.number, plan: report };
      }
      const rev = this.commit(built, 'rollback', { strict: true, actor: req.actor });
      this.#opts.logger.info(
        { revision: rev?.number, rolledBackTo: target.number, config: built.table.hash },
        'configuration rolled back',
      );
      return { kind: 'done', applied: true, revision: rev?.number ?? 0, rolledBackTo: target.number, plan: report };
    });
  }
}
