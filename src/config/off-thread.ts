// Config builds while gw serves: the heavy half runs in one worker thread (build-jobs.ts), the
// RoutingTable is compiled here in slices (compilePreparedSliced), so no config input, however
// large, keeps the serving thread busy for long. One worker, started on the first build, reused,
// stopped when idle (idleMs) and by close(). Builds run one at a time. A worker that crashes,
// runs out of memory or overruns the time limit fails that build with a diagnostic (the config
// in service stays) and is replaced by a fresh one on the next build. CLI commands build in-process (build.ts).
import type { ResourceLimits, Worker } from 'node:worker_threads';
import type { Diagnostic } from '../manifest/diagnostics.js';
import type { Manifest } from '../manifest/types.js';
import type { Change } from '../state/plan.js';
import {
  compilePreparedSliced,
  gatewayResource,
  type BuildResult,
  type BuiltPlan,
  type PlainResource,
  type PreparedTail,
} from './build.js';
import type { BuildJob, FromWorker, PlanHead, PreparedHead, ToWorker } from './build-jobs.js';
import type { ServerBase } from './from-manifests.js';
import { BUILD_HEAP_MB, filesJob, spawnBuildWorker, takePrestartedWorker } from './worker-spawn.js';

export { BUILD_HEAP_MB };
/** An unused build worker is stopped after this long (OffThreadOptions.idleMs). */
export const WORKER_IDLE_MS = 30_000;
/** A build's worker half that takes longer than this is stopped and fails. */
export const BUILD_TIMEOUT_MS = 120_000;

export interface OffThreadOptions {
  /** The worker script (tests start one that crashes); default build-worker next to this module. */
  readonly workerUrl?: URL;
  readonly timeoutMs?: number;
  readonly resourceLimits?: ResourceLimits;
  /**
   * The worker is stopped once no build has asked for it this long, so its heap (the YAML
   * parsers, ajv, the build's garbage) goes back to the system between reloads. Default 30 s.
   */
  readonly idleMs?: number;
  /** Told when the idle worker was stopped (tests). */
  readonly onIdleStop?: () => void;
}

export interface FilesJob {
  readonly configPath?: string | undefined;
  readonly files?: readonly string[] | undefined;
  readonly cwd?: string | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
}

export interface ManifestsJob {
  /** Diagnostics name manifests `${label}[i]`; default 'apply'. */
  readonly label?: string;
  /** The manifests in service: when given, the result carries the plan against them. */
  readonly live?: readonly Manifest[] | undefined;
}

export interface OffThreadBuilder {
  /** buildConfig() off the serving thread (a --watch or SIGHUP reload). */
  buildFiles(job: FilesJob): Promise<BuildResult>;
  /** buildFromManifests() off the serving thread (an admin apply or rollback). */
  buildManifests(manifests: readonly unknown[], base: ServerBase, job?: ManifestsJob): Promise<BuildResult>;
  /** Terminates the worker; a build in progress fails. */
  close(): Promise<void>;
}

function failure(file: string, message: string): BuildResult {
  const d: Diagnostic = {
    code: 'GW_ERR_INTERNAL',
    severity: 'error',
    message: `the config build failed: ${message}; nothing was changed`,
    file,
    line: 0,
    col: 0,
    path: '',
  };
  return { ok: false, diagnostics: [d] };
}

interface Running {
  readonly id: number;
  readonly worker: Worker;
  onMessage(m: FromWorker): void;
  fail(message: string): void;
}

export function createOffThreadBuilder(opts: OffThreadOptions = {}): OffThreadBuilder {
  const timeoutMs = opts.timeoutMs ?? BUILD_TIMEOUT_MS;
  let worker: Worker | undefined;
  let running: Running | undefined;
  let seq = 0;
  let tail: Promise<unknown> = Promise.resolve();
  let closed = false;
  let pending = 0;
  const idleMs = opts.idleMs ?? WORKER_IDLE_MS;
  const idle = setTimeout(() => {
    const w = worker;
    if (w === undefined || pending > 0) return;
    worker = undefined;
    void w.terminate().then(() => opts.onIdleStop?.());
  }, idleMs);
  idle.unref();

  const start = (): Worker => {
    // The default worker may already be running (gw serve starts it first thing); never what
    // keeps the process alive: the listeners do that while gw serves.
    const w =
      (opts.workerUrl === undefined && opts.resourceLimits === undefined ? takePrestartedWorker() : undefined) ??
      spawnBuildWorker(opts.workerUrl, opts.resourceLimits);
    let lastError: Error | undefined;
    const mine = (): Running | undefined => (running?.worker === w ? running : undefined);
    w.on('message', (m: FromWorker) => {
      const r = mine();
      if (r !== undefined && m.id === r.id) r.onMessage(m);
    });
    w.on('messageerror', (err) => mine()?.fail(`a message from the build worker could not be read (${err.message})`));
    w.on('error', (err) => {
      lastError = err;
    });
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      mine()?.fail(`the build worker stopped (${lastError !== undefined ? lastError.message : `exit code ${code}`})`);
    });
    return w;
  };

  /** One job through the worker, then the table compiled here. */
  const run = (job: BuildJob, label: string): Promise<BuildResult> => {
    if (closed) return Promise.resolve(failure(label, 'the gateway is shutting down'));
    const w = (worker ??= start());
    const id = ++seq;
    return new Promise<BuildResult>((resolve) => {
      let head: { config: PreparedHead; plan?: PlanHead | undefined } | undefined;
      const resolved: PlainResource[] = [];
      const changes: Change[] = [];
      let tail: ((t: PreparedTail) => void) | undefined;
      const done = (): void => {
        clearTimeout(timer);
        running = undefined;
      };
      const timer = setTimeout(() => {
        // The next build gets a fresh worker; this one is stopped wherever it is.
        if (worker === w) worker = undefined;
        running?.fail(`it took longer than ${timeoutMs} ms`);
        void w.terminate();
      }, timeoutMs);
      timer.unref();
      running = {
        id,
        worker: w,
        fail: (message) => {
          done();
          resolve(failure(label, message));
        },
        onMessage: (m) => {
          if (m.type === 'invalid') {
            done();
            return resolve({ ok: false, diagnostics: m.diagnostics });
          }
          if (m.type === 'error') return running?.fail(m.message);
          if (m.type === 'head') {
            head = m;
            return w.postMessage({ type: 'next', id } satisfies ToWorker);
          }
          if (m.type === 'tail') {
            // The worker's part is over (a crash from here on is no longer this build's).
            done();
            return tail?.(m);
          }
          for (const r of m.resolved) resolved.push(r);
          for (const c of m.changes) changes.push(c);
          // One chunk per turn of the event loop: requests are served between two.
          if (!m.last) return void setImmediate(() => w.postMessage({ type: 'next', id } satisfies ToWorker));
          // The last chunk: compile here while the worker hashes and sends the tail.
          const h = head!;
          const plan: BuiltPlan | undefined =
            h.plan !== undefined ? { ...h.plan, report: { ...h.plan.report, changes } } : undefined;
          const gateway =
            h.config.gateway !== undefined
              ? gatewayResource(h.config.gateway, h.config.configPath, h.config.cwd)
              : undefined;
          const tailed = new Promise<PreparedTail>((r) => (tail = r));
          compilePreparedSliced({ ...h.config, resolved }, tailed, gateway, plan).then(resolve, (err: unknown) =>
            resolve(failure(label, `compiling the routing table: ${err instanceof Error ? err.message : String(err)}`)),
          );
        },
      };
      w.postMessage({ type: 'build', id, job } satisfies ToWorker);
    });
  };

  /** Builds run one after another, whoever asks. */
  const serial = (fn: () => Promise<BuildResult>): Promise<BuildResult> => {
    pending++;
    const next = tail.then(fn, fn).finally(() => {
      if (--pending === 0) idle.refresh();
    });
    // The chain keeps nothing of the result: a settled promise holds its value, and the last
    // build's (with the manifests' text: ~5 MB at 10k resources) would stay alive until the next.
    const settled = (): void => undefined;
    tail = next.then(settled, settled);
    return next;
  };

  return {
    buildFiles(job) {
      return serial(() => run(filesJob(job), job.configPath ?? 'gateway.yaml'));
    },
    buildManifests(manifests, base, job = {}) {
      const label = job.label ?? 'apply';
      return serial(() => {
        let manifestsJson: string;
        let liveJson: string | undefined;
        try {
          manifestsJson = JSON.stringify(manifests);
          liveJson = job.live !== undefined ? JSON.stringify(job.live) : undefined;
        } catch (err) {
          return Promise.resolve(failure(label, err instanceof Error ? err.message : String(err)));
        }
        const cwd = base.cwd ?? process.cwd();
        return run(
          {
            kind: 'manifests',
            manifestsJson,
            base: { gateway: base.gateway?.manifest, configPath: base.configPath, cwd },
            label,
            env: { ...(base.env ?? process.env) },
            ...(liveJson !== undefined ? { liveJson } : {}),
          },
          label,
        );
      });
    },
    async close() {
      closed = true;
      clearTimeout(idle);
      const w = worker;
      worker = undefined;
      if (w !== undefined) await w.terminate();
    },
  };
}
