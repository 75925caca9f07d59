// --watch keeps following a watched root (a manifests folder) that is deleted and put back
// (src/serve/reload.ts, watchConfig), however fast it comes back: before, a folder back before gw
// watched its parent for it, or deleted and made again at once, was never followed again, and
// later edits inside it reloaded nothing.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchConfig, type ConfigWatcher } from '../../src/serve/reload.js';
import { createLogger } from '../../src/telemetry/logger.js';

const dirs: string[] = [];
const watchers: ConfigWatcher[] = [];
after(async () => {
  for (const w of watchers) await w.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A folder with gateway.yaml and manifests/m.yaml, both watched roots (as `gw serve --watch`). */
function site(): { dir: string; config: string; manifests: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gw-review-'));
  dirs.push(dir);
  const config = join(dir, 'gateway.yaml');
  const manifests = join(dir, 'manifests');
  writeFileSync(config, 'kind: Gateway\n');
  mkdirSync(manifests);
  writeFileSync(join(manifests, 'm.yaml'), 'v: 1\n');
  return { dir, config, manifests };
}

/** Resolves true once `count()` goes past `from`, false after `ms`. */
async function grows(count: () => number, from: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (count() > from) return true;
    await tick(20);
  }
  return count() > from;
}

describe('watchConfig: a watched root deleted and put back (review)', { skip: process.platform !== 'linux' }, () => {
  // The window is between chokidar noticing the folder is gone and watchConfig's fs.watch on its
  // parent: a deploy's `rm -rf manifests && cp -r new manifests` lands in it in a few ms (seen in
  // about one run in four with a 5 ms gap between the rm and the mkdir). Here the folder is put
  // back in that window deterministically: from inside the debug log line of the unlinkDir event,
  // which watchConfig writes just before it calls awaitReturn().
  test('a manifests folder back before its parent is watched is still followed', async () => {
    const s = site();
    let recreated = false;
    const sink = {
      write(line: string): void {
        if (!recreated && line.includes('"event":"unlinkDir"') && line.includes(JSON.stringify(s.manifests))) {
          recreated = true;
          mkdirSync(s.manifests);
          writeFileSync(join(s.manifests, 'm.yaml'), 'v: 2\n');
        }
      },
    };
    let changes = 0;
    const w = await watchConfig(
      [s.config, s.manifests],
      () => void changes++,
      createLogger({ level: 'debug', destination: sink }),
      50,
    );
    watchers.push(w);
    await w.ready;
    await tick(200);
    rmSync(s.manifests, { recursive: true });
    const deadline = Date.now() + 5_000;
    while (!recreated && Date.now() < deadline) await tick(20);
    assert.ok(recreated, 'chokidar never reported the manifests folder as removed');
    await tick(1_000); // the reload for the removal, and anything the return sets off
    const before = changes;
    writeFileSync(join(s.manifests, 'm.yaml'), 'v: 3\n');
    assert.ok(
      await grows(() => changes, before, 3_000),
      'manifests/m.yaml was edited after the folder came back, and --watch never reloaded',
    );
  });

  // The same with no gap at all (a script's rmSync + mkdirSync, a fast `rm -rf && mv new`):
  // chokidar then reports no unlinkDir for the root, only a change of the file inside, and
  // watchConfig never starts waiting for the return.
  test('a manifests folder deleted and made again at once is still followed', async () => {
    const s = site();
    let changes = 0;
    const w = await watchConfig([s.config, s.manifests], () => void changes++, createLogger({ level: 'silent' }), 50);
    watchers.push(w);
    await w.ready;
    await tick(200);
    rmSync(s.manifests, { recursive: true });
    mkdirSync(s.manifests);
    writeFileSync(join(s.manifests, 'm.yaml'), 'v: 2\n');
    await tick(1_000);
    const before = changes;
    writeFileSync(join(s.manifests, 'm.yaml'), 'v: 3\n');
    assert.ok(
      await grows(() => changes, before, 3_000),
      'manifests/m.yaml was edited after the folder was made again, and --watch never reloaded',
    );
  });
});
