// What `npm pack` ships: the files the installed `gw` needs (and none of src/ or test/), source maps
// that carry their own sources (src/ is not shipped), the license, and a package name that is
// not the bare command name. Reads the real `npm pack --dry-run` list and the built dist/.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  license: string;
  bin: Record<string, string>;
  main: string;
  types: string;
  engines: { node: string };
};

interface PackList {
  readonly name: string;
  readonly files: readonly { readonly path: string }[];
}

let packed: Promise<Set<string>> | undefined;
/** The file list of `npm pack --dry-run` (scripts skipped: the test reads the dist/ already built). */
function packedFiles(): Promise<Set<string>> {
  packed ??= promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  }).then(({ stdout }) => {
    const [list] = JSON.parse(stdout) as PackList[];
    assert.ok(list, 'npm pack printed no package');
    assert.equal(list.name, pkg.name);
    return new Set(list.files.map((f) => f.path));
  });
  return packed;
}

const built = existsSync(join(ROOT, 'dist', 'cli', 'main.js'));

test('the package is not named after the bare command, and still installs the gw command', () => {
  assert.notEqual(pkg.name, 'gw');
  assert.deepEqual(Object.keys(pkg.bin), ['gw']);
  // The README's install line names the package as it is published.
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  assert.match(readme, new RegExp(`npm install ${pkg.name}\\b`));
  assert.match(readme, new RegExp(`npx -p ${pkg.name} gw\\b`));
});

test('the license is the full Apache 2.0 text that package.json names', () => {
  assert.equal(pkg.license, 'Apache-2.0');
  const text = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
  assert.match(text, /Apache License\s+Version 2\.0, January 2004/);
  assert.match(text, /END OF TERMS AND CONDITIONS/);
  assert.match(text, /APPENDIX: How to apply the Apache License to your work/);
});

test('npm pack ships the binary, the build, schemas, examples, license and changelog; no src/ or test/', async () => {
  const files = await packedFiles();
  for (const f of [
    'package.json',
    'README.md',
    'LICENSE',
    'CHANGELOG.md',
    'gateway.yaml',
    pkg.bin['gw'] ?? 'bin/gw',
    'examples/quickstart/apikey.yaml',
    'examples/systemd/gw.service',
    'examples/systemd/gw.env.example',
  ]) {
    assert.ok(files.has(f), `${f} is not in the package`);
  }
  // Every schema the runtime reads from schemas/ (util/schemas.ts, gw init, gw keys).
  for (const f of readdirSync(join(ROOT, 'schemas'))) assert.ok(files.has(`schemas/${f}`), `schemas/${f} is missing`);
  const stray = [...files].filter((f) => /^(src|test|bench|scripts|docs|\.ci)\//.test(f));
  assert.deepEqual(stray, []);
});

test(
  'the build entry points are packed, and every packed source map carries the sources it names',
  { skip: !built && 'run npm run build first' },
  async () => {
    const files = await packedFiles();
    for (const f of [pkg.main, pkg.types, 'dist/cli/main.js', 'dist/config/build-worker.js']) {
      assert.ok(files.has(normalize(f)), `${f} is not in the package`);
    }
    let maps = 0;
    for (const f of files) {
      if (f.endsWith('.js')) {
        // A sourceMappingURL must name a map that is shipped too.
        const m = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(ROOT, f), 'utf8'));
        if (m?.[1] !== undefined) {
          const target = normalize(join(dirname(f), m[1]));
          assert.ok(files.has(target), `${f} points at ${target}, which is not shipped`);
        }
      }
      if (!f.endsWith('.map')) continue;
      maps++;
      const map = JSON.parse(readFileSync(join(ROOT, f), 'utf8')) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      map.sources.forEach((src, i) => {
        const target = normalize(join(dirname(f), src));
        const carried = typeof map.sourcesContent?.[i] === 'string';
        assert.ok(files.has(target) || carried, `${f} names ${src}, neither shipped nor carried in the map`);
      });
    }
    assert.ok(maps > 0, 'no source maps in the package: the test checked nothing');
  },
);

test('engines names the Node.js versions CI tests, and CI runs each of them', () => {
  const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
  const ranges = pkg.engines.node.split('||').map((r) => r.trim());
  const majors = ranges.map((r) => /^\^(\d+)\./.exec(r)?.[1]);
  assert.deepEqual(majors, ['20', '24'], `engines.node is ${pkg.engines.node}`);
  // Node 20 is the machine's node (npm test); every other major goes through test-on-node.sh.
  assert.match(ci, /^npm test$/m);
  for (const major of majors.slice(1)) assert.match(ci, new RegExp(`^scripts/test-on-node\\.sh ${major}$`, 'm'));
});

const temp: string[] = [];
after(async () => {
  for (const d of temp) await rm(d, { recursive: true, force: true });
});

test(
  'the packed tarball alone runs: gw --version and gw validate of its bundled gateway.yaml',
  { skip: !built && 'run npm run build first' },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gw-pack-'));
    temp.push(dir);
    const run = promisify(execFile);
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
    assert.equal(filename, `${pkg.name}-${pkg.version}.tgz`);
    await run('tar', ['-xzf', join(dir, filename), '-C', dir]);
    // The dependencies are this checkout's (installing them would compile better-sqlite3 again).
    await symlink(join(ROOT, 'node_modules'), join(dir, 'package', 'node_modules'));
    const bin = join(dir, 'package', 'bin', 'gw');
    const version = await run(process.execPath, [bin, '--version'], { cwd: dir });
    assert.match(version.stdout, /\d+\.\d+\.\d+/);
    const checked = await run(process.execPath, [bin, 'validate', '-c', join(dir, 'package', 'gateway.yaml')], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', GW_ADMIN_KEY: '' },
    });
    assert.match(checked.stdout, /valid/);
  },
);
