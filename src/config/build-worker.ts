// Entry point of the config build worker thread (started by off-thread.ts): serves build jobs.
import { parentPort } from 'node:worker_threads';
import { serveBuilds } from './build-jobs.js';

if (parentPort !== null) serveBuilds(parentPort);
