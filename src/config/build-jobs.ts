// The config build worker (worker_threads): the heavy, plain-data half of a build (read, parse,
// schema and semantic checks, reference resolution, hash, and for the admin API the plan against
// the config in service) runs here, off the thread that serves requests. What comes back is
// plain data, streamed in chunks the serving thread asks for one at a time, so taking it in never
// blocks that thread for long either; the RoutingTable itself is compiled there (off-thread.ts).
// The worker's entry point is build-worker.ts; serveBuilds() lives here so a test can wrap it.
import type { MessagePort } from 'node:worker_threads';
import type { Diagnostic } from '../manifest/diagnostics.js';
import type { Gateway, Manifest } from '../manifest/types.js';
import { manifestsHash } from '../compile/hash.js';
import { isEmptyPlan, plan } from '../state/plan.js';
import type { Change } from '../state/plan.js';
import { planJson } from '../state/report.js';
import { buildSnapshot } from '../state/snapshot.js';
import {
  gatewayResource,
  prepareConfig,
  type BuiltPlan,
  type PlainResource,
  type PreparedConfig,
  type PreparedTail,
  type PrepareResult,
} from './build.js';
import { prepareFromManifests } from './from-manifests.js';

/** Resources (and plan changes) per message back to the serving thread. */
export const CHUNK = 250;

export type BuildJob =
  | {
      readonly kind: 'files';
      readonly configPath?: string | undefined;
      readonly files?: readonly string[] | undefined;
      readonly cwd: string;
      readonly env: NodeJS.ProcessEnv;
    }
  | {
      readonly kind: 'manifests';
      /** The manifests as JSON text: one cheap string to hand over instead of a deep clone. */
      readonly manifestsJson: string;
      readonly base: {
        readonly gateway: Gateway | undefined;
        readonly configPath: string | undefined;
        readonly cwd: string;
      };
      readonly label: string;
      readonly env: NodeJS.ProcessEnv;
      /** The manifests in service, as JSON text: when given, the plan against them is made here too. */
      readonly liveJson?: string | undefined;
    };

export type ToWorker =
  | { readonly type: 'build'; readonly id: number; readonly job: BuildJob }
  /** Start preparing `job` now; the first 'build' of the very same job takes that result. */
  | { readonly type: 'prebuild'; readonly job: BuildJob }
  | { readonly type: 'next'; readonly id: number };

/** The prepared config without its bulk (that follows in chunks). */
export type PreparedHead = Omit<PreparedConfig, 'resolved' | 'manifests'>;
export type PlanHead = Omit<BuiltPlan, 'report'> & { readonly report: Omit<BuiltPlan['report'], 'changes'> };

export type FromWorker =
  | { readonly type: 'invalid'; readonly id: number; readonly diagnostics: readonly Diagnostic[] }
  | { readonly type: 'error'; readonly id: number; readonly message: string }
  | {
      readonly type: 'head';
      readonly id: number;
      readonly config: PreparedHead;
      readonly plan?: PlanHead | undefined;
    }
  | {
      readonly type: 'chunk';
      readonly id: number;
      readonly resolved: readonly PlainResource[];
      readonly changes: readonly Change[];
      readonly last: boolean;
    }
  /**
   * After the last chunk: the config's hash and the manifests as written, as JSON text (what a
   * revision stores; the objects never cross, the serving thread parses the text only if
   * something reads them, manifest/text.ts). Made while the serving thread compiles.
   */
  | ({ readonly type: 'tail'; readonly id: number } & PreparedTail);

export interface WorkerHooks {
  /** Called with each job before it runs (a test makes it throw to crash the worker). */
  readonly beforeBuild?: (job: BuildJob) => void;
}

async function prepare(job: BuildJob): Promise<{ result: PrepareResult; plan?: BuiltPlan | undefined }> {
  if (job.kind === 'files') {
    const result = await prepareConfig({
      ...(job.configPath !== undefined ? { configPath: job.configPath } : {}),
      ...(job.files !== undefined ? { files: job.files } : {}),
      cwd: job.cwd,
      env: job.env,
    });
    return { result };
  }
  const { base } = job;
  const gateway = base.gateway !== undefined ? gatewayResource(base.gateway, base.configPath, base.cwd) : undefined;
  const manifests = JSON.parse(job.manifestsJson) as unknown[];
  const result = await prepareFromManifests(
    manifests,
    { gateway, configPath: base.configPath, cwd: base.cwd, env: job.env },
    { label: job.label },
  );
  if (!result.ok || job.liveJson === undefined) return { result };
  const p = plan(buildSnapshot(result.config.manifests), buildSnapshot(JSON.parse(job.liveJson) as Manifest[]));
  return {
    result,
    plan: {
      empty: isEmptyPlan(p),
      summary: p.summary,
      report: planJson(p, { diagnostics: result.config.diagnostics }),
    },
  };
}

/** Answers build jobs on `port` until the thread ends. */
export function serveBuilds(port: MessagePort, hooks: WorkerHooks = {}): void {
  let pending: { id: number; config: PreparedConfig; changes: readonly Change[]; offset: number } | undefined;
  /** A prebuild: the job as JSON (what a build must match exactly) and its preparation. */
  let early: { key: string; out: ReturnType<typeof prepare> } | undefined;
  const post = (m: FromWorker): void => port.postMessage(m);

  const run = async (id: number, job: BuildJob): Promise<void> => {
    let out: Awaited<ReturnType<typeof prepare>>;
    const pre = early;
    early = undefined;
    try {
      out = await (pre !== undefined && pre.key === JSON.stringify(job) ? pre.out : prepare(job));
    } catch (err) {
      post({ type: 'error', id, message: err instanceof Error ? err.message : String(err) });
      return;
    }
    if (!out.result.ok) return post({ type: 'invalid', id, diagnostics: out.result.diagnostics });
    const { resolved: _r, manifests: _m, ...head } = out.result.config;
    const { changes, ...report } = out.plan?.report ?? { changes: [] as readonly Change[] };
    pending = { id, config: out.result.config, changes, offset: 0 };
    post({
      type: 'head',
      id,
      config: head,
      ...(out.plan !== undefined ? { plan: { ...out.plan, report: report as PlanHead['report'] } } : {}),
    });
  };

  const next = (id: number): void => {
    if (pending === undefined || pending.id !== id) return;
    const { config, changes, offset } = pending;
    const end = offset + CHUNK;
    const last = end >= Math.max(config.resolved.length, changes.length);
    post({
      type: 'chunk',
      id,
      resolved: config.resolved.slice(offset, end),
      changes: changes.slice(offset, end),
      last,
    });
    if (!last) {
      pending = { ...pending, offset: end };
      return;
    }
    pending = undefined;
    const { manifests } = config;
    post({
      type: 'tail',
      id,
      hash: manifestsHash(manifests),
      manifests: { json: JSON.stringify(manifests), count: manifests.length },
    });
  };

  port.on('message', (m: ToWorker) => {
    if (m.type === 'next') return next(m.id);
    if (m.type === 'prebuild') {
      const out = prepare(m.job);
      // Its failure is met (and reported) by the build that takes it.
      out.catch(() => undefined);
      early = { key: JSON.stringify(m.job), out };
      return;
    }
    pending = undefined;
    // Outside run()'s try on purpose: a hook that throws is a crash of the worker, as in tests.
    hooks.beforeBuild?.(m.job);
    void run(m.id, m.job);
  });
}
