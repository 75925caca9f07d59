// A prebuild (gw serve starts the first build in the worker before its own modules load): the
// first build of the very same job may take its result; a build of any other job, and any later
// build, is made afresh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { manifestsHash } from '../../src/compile/hash.js';
import { prepareConfig } from '../../src/config/build.js';
import { serveBuilds, type FromWorker, type ToWorker } from '../../src/config/build-jobs.js';
import { filesJob } from '../../src/config/worker-spawn.js';
import { bigManifestsYaml } from './helpers.js';

/** Sends one build, takes every chunk, and returns the config's hash (from the tail). */
function hashBuilt(port: MessagePort, m: Extract<ToWorker, { type: 'build' }>): Promise<string> {
  return new Promise((resolve, reject) => {
    const on = (r: FromWorker): void => {
      if (r.id !== m.id) return;
      if (r.type === 'head' || r.type === 'chunk')
        return port.postMessage({ type: 'next', id: m.id } satisfies ToWorker);
      port.off('message', on);
      if (r.type === 'tail') resolve(r.hash);
      else reject(new Error(JSON.stringify(r)));
    };
    port.on('message', on);
    port.postMessage(m);
  });
}

async function hashOf(configPath: string, cwd: string): Promise<string> {
  const p = await prepareConfig({ configPath, cwd });
  if (!p.ok) throw new Error(JSON.stringify(p.diagnostics));
  return manifestsHash(p.config.manifests);
}

test('a prebuild answers the first build of the same job only; other jobs are built afresh', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gw-prebuild-'));
  const { port1, port2 } = new MessageChannel();
  try {
    const manifests = join(dir, 'manifests', 'all.yaml');
    await mkdir(join(dir, 'manifests'));
    await writeFile(manifests, bigManifestsYaml(5, 'one'));
    const config = (name: string): string =>
      `apiVersion: gw/v1\nkind: Gateway\nmetadata: { name: ${name} }\nspec:\n  manifests: [manifests]\n`;
    const a = join(dir, 'gateway.yaml');
    await writeFile(a, config('prebuild'));
    const want = await hashOf(a, dir);
    serveBuilds(port2);

    const jobA = filesJob({ configPath: a, cwd: dir });
    port1.postMessage({ type: 'prebuild', job: jobA } satisfies ToWorker);
    assert.equal(await hashBuilt(port1, { type: 'build', id: 1, job: jobA }), want);

    // Consumed: the next build of the same job reads the files again.
    await writeFile(manifests, bigManifestsYaml(7, 'two'));
    const changed = await hashOf(a, dir);
    assert.notEqual(changed, want);
    assert.equal(await hashBuilt(port1, { type: 'build', id: 2, job: jobA }), changed);

    // Another job (here: another environment) never takes a prebuild's result.
    port1.postMessage({ type: 'prebuild', job: jobA } satisfies ToWorker);
    await writeFile(manifests, bigManifestsYaml(9, 'three'));
    const other = await hashBuilt(port1, {
      type: 'build',
      id: 3,
      job: { ...jobA, env: { ...jobA.env, GW_PREBUILD_TEST: '1' } },
    });
    assert.equal(other, await hashOf(a, dir));
  } finally {
    port1.close();
    await rm(dir, { recursive: true, force: true });
  }
});
