// The Dockerfile, linted (no Docker engine runs here or in CI): two stages on one Node image, a
// non-root user, gw serve as the entrypoint on the image's own gateway.yaml, SQLite on the
// volume, a health check on the port the config listens on, and nothing copied that the build
// context (.dockerignore) or the repository does not have. Then the image's config and its
// commands run for real: `gw serve` with the CMD's flags on docker/gateway.yaml (ports and the
// SQLite path moved into a temp folder), and the HEALTHCHECK command against it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { GW_BIN, freePort, runGw, waitForLine } from '../helpers/gw.js';
import { dockerignore, execForm, parseCopy, parseDockerfile, type Instruction } from './dockerfile.js';

const ROOT = join(import.meta.dirname, '..', '..');
const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const final = stages.at(-1);
const ignored = dockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
const CONFIG = 'docker/gateway.yaml';
const config = parse(readFileSync(join(ROOT, CONFIG), 'utf8')) as {
  spec: { proxy: { listen: string }; manifests: string[]; storage: { sqlite: string } };
};
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };

function all(keyword: string): Instruction[] {
  return (final?.instructions ?? []).filter((i) => i.keyword === keyword);
}
function one(keyword: string): string {
  const found = all(keyword);
  assert.equal(found.length, 1, `the final stage has ${found.length} ${keyword}`);
  return (found[0] as Instruction).args;
}

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('two stages on the same Node image: the native build stays in the first', () => {
  assert.equal(stages.length, 2);
  const [build] = stages;
  assert.ok(build?.name, 'the build stage has a name for COPY --from');
  assert.equal(final?.from, build.from, 'better-sqlite3 is built for the Node that runs it');
  assert.match(final?.from ?? '', /^node:24[-.]/, 'the image runs Node 24, as the README recommends');
  const buildRuns = build.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
  assert.ok(buildRuns.some((r) => /npm ci\b/.test(r) && /npm prune --omit=dev/.test(r)));
  assert.ok(!all('RUN').some((r) => /\b(g\+\+|make|python3)\b/.test(r.args)), 'no toolchain in the final image');
  for (const c of all('COPY').map((i) => parseCopy(i.args))) {
    if (c.from === undefined) continue;
    assert.equal(c.from, build.name);
    // Copied from what the build stage made: its WORKDIR's node_modules and tsc's outDir.
    const workdir = build.instructions.find((i) => i.keyword === 'WORKDIR')?.args ?? '/';
    for (const s of c.sources) assert.ok(['node_modules', 'dist'].includes(posix.relative(workdir, s)), s);
  }
});

test('runs as a non-root user, with the SQLite folder a volume that user owns', () => {
  const user = all('USER').at(-1)?.args ?? 'root';
  assert.ok(!/^(root|0)(:|$)/.test(user), `USER ${user}`);
  const volumes = execForm(one('VOLUME')) ?? one('VOLUME').split(/\s+/);
  const dbDir = posix.dirname(config.spec.storage.sqlite);
  assert.ok(volumes.includes(dbDir), `${CONFIG} writes SQLite to ${dbDir}, not a volume (${volumes.join(', ')})`);
  assert.ok(all('RUN').some((r) => r.args.includes(`chown ${user}:${user} ${dbDir}`)));
});

test('the entrypoint is gw serve, on the gateway.yaml the image copies in', () => {
  assert.deepEqual(execForm(one('ENTRYPOINT')), ['gw', 'serve']);
  assert.ok(
    all('RUN').some((r) => /ln -s \/app\/bin\/gw \/usr\/local\/bin\/gw/.test(r.args)),
    'gw is on PATH',
  );
  const cmd = execForm(one('CMD'));
  const copied = all('COPY')
    .map((i) => parseCopy(i.args))
    .find((c) => c.sources.includes(CONFIG));
  assert.deepEqual(cmd, ['-c', copied?.dest]);
  // The manifests folder the config names exists in the image.
  const manifestsDir = posix.join(posix.dirname(copied?.dest ?? ''), config.spec.manifests[0] ?? '');
  assert.ok(all('RUN').some((r) => r.args.includes(`mkdir -p ${manifestsDir}`)));
});

test('the health check asks /healthz on the port the image listens on and exposes', () => {
  const port = config.spec.proxy.listen.split(':').at(-1);
  assert.match(config.spec.proxy.listen, /^0\.0\.0\.0:/, 'reachable from outside the container');
  assert.equal(one('EXPOSE'), port);
  const check = one('HEALTHCHECK');
  assert.match(check, new RegExp(`CMD .*http://127\\.0\\.0\\.1:${port}/healthz`));
});

test('every COPY source is in the build context, and the final image holds only what the package ships', () => {
  const shipped = new Set([...pkg.files, 'package.json', 'LICENSE', 'README.md']);
  for (const stage of stages) {
    for (const c of stage.instructions.filter((i) => i.keyword === 'COPY').map((i) => parseCopy(i.args))) {
      if (c.from !== undefined) continue;
      for (const src of c.sources) {
        assert.ok(existsSync(join(ROOT, src)), `COPY ${src}: not in the repository`);
        assert.ok(!ignored(src), `COPY ${src}: left out by .dockerignore`);
        if (stage === final && src !== CONFIG) assert.ok(shipped.has(src), `${src} is not in package.json files`);
      }
    }
  }
  // The context leaves out host builds, local databases and secrets.
  for (const p of ['node_modules/x', 'dist/index.js', '.gw/gw.db', 'src/x.db', 'test/x.test.ts', '.env', '.git/HEAD']) {
    assert.ok(ignored(p), `${p} would be sent to the Docker build`);
  }
  for (const p of ['src/index.ts', 'package-lock.json', 'schemas/gw.schema.json', CONFIG]) assert.ok(!ignored(p), p);
  assert.ok(statSync(join(ROOT, 'src')).isDirectory());
});

test(
  "the image's gateway.yaml validates, and gw serve with the CMD's flags passes the HEALTHCHECK command",
  { skip: !existsSync(join(ROOT, 'dist', 'cli', 'main.js')) && 'run npm run build first' },
  async () => {
    // /etc/gw of the image: the config, the quickstart manifests mounted at manifests/.
    const etc = await mkdtemp(join(tmpdir(), 'gw-docker-'));
    dirs.push(etc);
    await cp(join(ROOT, 'examples', 'quickstart'), join(etc, 'manifests'), { recursive: true });
    const port = await freePort();
    const text = readFileSync(join(ROOT, CONFIG), 'utf8')
      .replace(config.spec.proxy.listen, `127.0.0.1:${port}`)
      .replace('127.0.0.1:3001', `127.0.0.1:${await freePort()}`)
      .replace(config.spec.storage.sqlite, join(etc, 'var', 'gw.db'));
    await writeFile(join(etc, 'gateway.yaml'), text);

    const checked = await runGw(['validate', '-c', join(etc, 'gateway.yaml')], { env: { GW_ADMIN_KEY: undefined } });
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);

    const cmd = (execForm(one('CMD')) ?? []).map((a) => (a.endsWith('/gateway.yaml') ? join(etc, 'gateway.yaml') : a));
    const child = spawn(process.execPath, [GW_BIN, ...(execForm(one('ENTRYPOINT')) ?? []).slice(1), ...cmd], {
      cwd: '/',
      env: { ...process.env, NODE_ENV: 'production', GW_ADMIN_KEY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      await waitForLine(child, /listening on http/);
      // The HEALTHCHECK's own command (exec form after CMD), pointed at this port.
      const check = one('HEALTHCHECK');
      const probe = execForm(check.slice(check.indexOf('CMD ') + 4)) ?? [];
      assert.equal(probe[0], 'node');
      const args = probe.slice(1).map((a) => a.replace(':3000/', `:${port}/`));
      await promisify(execFile)(process.execPath, args, { timeout: 10_000 });
      // The SQLite file is where the volume would be.
      assert.ok(existsSync(join(etc, 'var', 'gw.db')));
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
    // And the probe fails once nothing answers (exit 1, not a hang).
    const probe = execForm(one('HEALTHCHECK').replace(/^.*?CMD /, '')) ?? [];
    const args = probe.slice(1).map((a) => a.replace(':3000/', `:${port}/`));
    await assert.rejects(promisify(execFile)(process.execPath, args, { timeout: 10_000 }), { code: 1 });
  },
);
