// The build worker's lower priority: only the calling thread is lowered, never the serving thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createOffThreadBuilder } from '../../src/config/off-thread.js';
import { BUILD_NICE } from '../../src/util/thread-priority.js';

const onLinux = existsSync('/proc/thread-self');

test(
  'a thread that lowers itself runs at BUILD_NICE while the process keeps its priority',
  { skip: !onLinux && 'needs Linux (/proc/thread-self)' },
  async () => {
    const before = getPriority();
    const url = new URL('../../src/util/thread-priority.ts', import.meta.url).href;
    const tsx = import.meta.resolve('tsx/esm/api');
    // The worker registers tsx itself (a worker does not inherit the loader on Node 20).
    const w = new Worker(
      `import(${JSON.stringify(tsx)}).then(async (t) => { t.register(); const m = await import(${JSON.stringify(url)});
       const { getPriority } = await import('node:os'); const { parentPort } = await import('node:worker_threads');
       const tid = m.lowerThisThread(); parentPort.postMessage({ tid, nice: tid === undefined ? null : getPriority(tid) }); });`,
      { eval: true },
    );
    try {
      const [msg] = (await Promise.race([
        new Promise((resolve) => w.once('message', (m) => resolve([m]))),
        new Promise((_, reject) => w.once('error', reject)),
      ])) as [{ tid: number | undefined; nice: number | null }];
      assert.equal(typeof msg.tid, 'number', 'the worker found its own thread id');
      assert.notEqual(msg.tid, process.pid, 'a thread of its own, not the main thread');
      assert.equal(msg.nice, BUILD_NICE);
      assert.equal(getPriority(), before, 'the serving (main) thread keeps its priority');
    } finally {
      await w.terminate();
    }
  },
);

/** Nice values of this process's threads, from /proc/self/task/<tid>/stat (field 19). */
async function threadNices(): Promise<number[]> {
  const out: number[] = [];
  for (const tid of await readdir('/proc/self/task')) {
    const stat = await readFile(`/proc/self/task/${tid}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.length > 16) out.push(Number(fields[16])); // field 19 of stat, the 17th after the name
  }
  return out;
}

test(
  'the config build worker runs at the lower priority, the serving thread at its own',
  { skip: !onLinux && 'needs Linux (/proc/thread-self)' },
  async () => {
    const before = getPriority(process.pid);
    const builder = createOffThreadBuilder();
    try {
      assert.ok(!(await threadNices()).includes(BUILD_NICE), 'no lowered thread before a build');
      const built = await builder.buildFiles({ configPath: new URL('../../gateway.yaml', import.meta.url).pathname });
      assert.equal(built.ok, true);
      // The worker stays up (idle) after its build: one thread of the process at BUILD_NICE.
      assert.equal((await threadNices()).filter((n) => n === BUILD_NICE).length, 1);
      assert.equal(getPriority(process.pid), before, 'the main (serving) thread keeps its priority');
    } finally {
      await builder.close();
    }
  },
);
