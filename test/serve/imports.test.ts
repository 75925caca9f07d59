// serve/ sees compiled tables only: it never imports the manifest loader, the config builder
// or the CLI (the CLI wires them together), so the request path cannot grow a dependency on
// YAML parsing or file reading.
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

test('src/serve imports nothing from manifest/, config/ or cli/', async () => {
  const offenders: string[] = [];
  for (const file of await tsFiles('src/serve')) {
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/from\s+'([^']+)'/g)) {
      if (/\/(manifest|config|cli)\//.test(m[1] ?? '')) offenders.push(`${file}: ${m[1]}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('providers are leaves: they import only their own folder, errors, util and routing-table types', async () => {
  const offenders: string[] = [];
  for (const file of await tsFiles('src/providers')) {
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/from\s+'(\.[^']+)'/g)) {
      const spec = m[1] ?? '';
      if (/\/(serve|manifest|config|cli|state|admin|upstream|telemetry|ops)\//.test(spec)) offenders.push(`${file}: ${spec}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('nothing outside src/cli imports the CLI', async () => {
  const offenders: string[] = [];
  for (const file of await tsFiles('src')) {
    if (file.startsWith(join('src', 'cli'))) continue;
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/from\s+'([^']+)'/g)) if (/\/cli\//.test(m[1] ?? '')) offenders.push(`${file}: ${m[1]}`);
  }
  assert.deepEqual(offenders, []);
});

/** Every relative import of the .ts files under dir, as a path inside src/ ('wire/types.js'). */
async function importsOf(dir: string): Promise<{ file: string; target: string }[]> {
  const out: { file: string; target: string }[] = [];
  for (const file of await tsFiles(dir)) {
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/from\s+'(\.[^']+)'/g)) {
      out.push({ file, target: relative('src', resolve(dirname(file), m[1] ?? '')).split('\\').join('/') });
    }
  }
  return out;
}

test('src/wire (the codecs) imports only its own folder, util/, errors.ts and providers/types', async () => {
  const offenders = (await importsOf('src/wire'))
    .filter(({ target }) => !/^(wire\/|util\/|errors\.js$|providers\/types\.js$)/.test(target))
    .map(({ file, target }) => `${file}: ${target}`);
  assert.deepEqual(offenders, []);
});

test('src/serve imports only serve/, wire/, providers/, upstream/, policy/, http/, telemetry/, util/, errors.ts and routing-table types', async () => {
  const offenders = (await importsOf('src/serve'))
    .filter(({ target }) => !/^((serve|wire|providers|upstream|policy|http|telemetry|util)\/|errors\.js$|compile\/routing-table\.js$)/.test(target))
    .map(({ file, target }) => `${file}: ${target}`);
  assert.deepEqual(offenders, []);
});

test('no stage imports the pipeline list (stage types live in serve/stage.ts)', async () => {
  const offenders = (await importsOf('src/serve/stages')).filter(({ target }) => target === 'serve/pipeline.js').map(({ file }) => file);
  assert.deepEqual(offenders, []);
});
