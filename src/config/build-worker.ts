// Entry point of the config build worker thread (started by worker-spawn.ts): serves build jobs.
import { parentPort } from 'node:worker_threads';
import { lowerThisThread } from '../util/thread-priority.js';
import { serveBuilds } from './build-jobs.js';

if (parentPort !== null) {
  lowerThisThread(); // the serving thread keeps the CPU it needs while a build runs (util/thread-priority.ts)
  serveBuilds(parentPort);
  // The manifest checks (ajv and the compiled schemas) are readied now, while the first job is
  // on its way, not when it arrives. A failure here is left for that job to meet and report.
  void import('../manifest/schema.js').then((m) => m.prepareValidators()).catch(() => undefined);
}
