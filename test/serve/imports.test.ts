// Inside serve/: the stages never import the pipeline lists (stage types live in serve/stage.ts),
// so adding a surface or a stage cannot make a cycle. Which folder may import which, serve/
// included, is written down once in test/imports.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';

async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await tsFiles(p)));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

test('no stage imports the pipeline lists (stage types live in serve/stage.ts)', async () => {
  const offenders: string[] = [];
  for (const file of await tsFiles('src/serve/stages')) {
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/from\s+'(\.[^']+)'/g)) {
      const target = relative('src', resolve(dirname(file), m[1] ?? ''))
        .split('\\')
        .join('/');
      if (target === 'serve/pipeline.js') offenders.push(file);
    }
  }
  assert.deepEqual(offenders, []);
});
