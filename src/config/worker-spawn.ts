// Starting the config build worker (build-worker.ts), kept apart from off-thread.ts so that
// `gw serve` can start it first thing, before it loads the server's own modules: the worker
// then loads its modules and compiles the manifest checks while the serving thread loads its
// own, and the first build no longer waits for both in turn. Loads nothing but worker_threads.
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { BuildJob, ToWorker } from './build-jobs.js';

/**
 * The worker's heap. With an explicit limit, a build that runs out of memory ends the worker
 * (ERR_WORKER_OUT_OF_MEMORY: a failed build), not the whole process.
 */
export const BUILD_HEAP_MB = 2048;

/** The worker script next to this module: .ts when run from source (tsx), .js when built. */
export const DEFAULT_WORKER = new URL(
  import.meta.url.endsWith('.ts') ? './build-worker.ts' : './build-worker.js',
  import.meta.url,
);

/**
 * Run from source (tsx: tests, benchmarks), a worker does not get tsx's loader on Node 20 even
 * with --import tsx inherited: the entry registers it, then imports the .ts worker script.
 */
function fromSource(url: URL): string {
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
}

/** A new build worker, unref'd: never what keeps the process alive. */
export function spawnBuildWorker(url: URL = DEFAULT_WORKER, resourceLimits?: ResourceLimits): Worker {
  const limits = { resourceLimits: resourceLimits ?? { maxOldGenerationSizeMb: BUILD_HEAP_MB } };
  const w = url.pathname.endsWith('.ts')
    ? new Worker(fromSource(url), { eval: true, ...limits })
    : new Worker(url, limits);
  w.unref();
  return w;
}

/** The job a files build sends (the off-thread builder's buildFiles, and a prebuild). */
export function filesJob(job: {
  readonly configPath?: string | undefined;
  readonly files?: readonly string[] | undefined;
  readonly cwd?: string | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
}): BuildJob {
  return {
    kind: 'files',
    ...(job.configPath !== undefined ? { configPath: job.configPath } : {}),
    ...(job.files !== undefined ? { files: job.files } : {}),
    cwd: job.cwd ?? process.cwd(),
    env: { ...(job.env ?? process.env) },
  };
}

let early: { readonly worker: Worker; gone: boolean } | undefined;

/**
 * Starts the default build worker now, for the first builder that asks (takePrestartedWorker).
 * With `job`, the worker starts preparing it at once: when the first build it is asked for is
 * the same job (same files, folder and environment), it answers with that result (build-jobs.ts).
 */
export function prestartBuildWorker(job?: BuildJob): void {
  if (early !== undefined) return;
  const e = { worker: spawnBuildWorker(), gone: false };
  // Until it is taken, a failure only marks it unusable (the builder then starts another).
  e.worker.on('error', () => void (e.gone = true));
  e.worker.on('exit', () => void (e.gone = true));
  if (job !== undefined) e.worker.postMessage({ type: 'prebuild', job } satisfies ToWorker);
  early = e;
}

/** The worker prestartBuildWorker() started, once, if it is still alive. */
export function takePrestartedWorker(): Worker | undefined {
  const e = early;
  early = undefined;
  return e === undefined || e.gone ? undefined : e.worker;
}
