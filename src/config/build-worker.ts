// Entry point of the config build worker thread (started by worker-spawn.ts): serves build jobs.
import { parentPort } from 'node:worker_threads';
import { lowerThisThread } from '../util/thread-priority.js';
import { serveBuilds } from './build-jobs.js';

if (parentPort !== null) {
  lowerThisThread(); // the serving thread keeps the CPU it needs while a build runs (util/thread-priority.ts)
  serveBuilds(parentPort);
}
