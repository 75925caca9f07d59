// Whoever can write or apply manifests must not read the gateway host through them: ${file:}
// stays inside the config folder (symbolic links followed), ${env:} reads only what the
// Gateway's references.env lists, a baseUrl must be a URL once resolved, and nesting is
// bounded. Checked in-process and through the real binary (validate, serve, admin apply).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { validateConfig } from '../../src/manifest/validate.js';
import { freePort, runGw } from '../helpers/gw.js';
import { admin, gatewayYaml, manifestsYaml, startGw } from '../admin/helpers.js';

const SECRET = 'outside-secret-value-7f3a';

const provider = (name: string, extra: string): string =>
  `apiVersion: gw/v1\nkind: Provider\nmetadata: { name: ${name} }\nspec:\n  type: openai\n  baseUrl: https://llm.example/v1\n${extra}`;

let root: string;
let conf: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'gw-confine-'));
  conf = join(root, 'conf');
  await mkdir(join(conf, 'secrets'), { recursive: true });
  await mkdir(join(root, 'outside'));
  await writeFile(join(root, 'outside', 'secret.txt'), SECRET);
  await writeFile(join(conf, 'secrets', 'token.txt'), 'inside-token\n');
  await symlink(join(root, 'outside', 'secret.txt'), join(conf, 'secrets', 'escape.txt'));
  await symlink(join(root, 'outside'), join(conf, 'linked-dir'));
  await symlink(join(conf, 'secrets', 'token.txt'), join(conf, 'secrets', 'alias.txt'));
  await writeFile(
    join(conf, 'gateway.yaml'),
    'apiVersion: gw/v1\nkind: Gateway\nmetadata: { name: confine }\nspec: { manifests: [manifests] }\n',
  );
  await mkdir(join(conf, 'manifests'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const codes = (ds: readonly { code: string; severity: string }[]): string[] =>
  ds
    .filter((d) => d.severity === 'error')
    .map((d) => d.code)
    .sort();

describe('${file:} stays inside the config folder', () => {
  test('a symbolic link that leads out is refused unread; one that stays inside resolves', async () => {
    await writeFile(
      join(conf, 'manifests', 'p.yaml'),
      provider(
        'up',
        '  auth: { bearer: "${file:../secrets/alias.txt}" }\n  headers: { x-a: "${file:../secrets/escape.txt}", x-b: "${file:../linked-dir/secret.txt}" }\n',
      ),
    );
    try {
      // The text alone cannot tell: the form check passes, --env follows the links.
      const form = await validateConfig({ configPath: join(conf, 'gateway.yaml'), cwd: root });
      assert.deepEqual(codes(form.diagnostics), []);
      const v = await validateConfig({ configPath: join(conf, 'gateway.yaml'), cwd: root, checkEnv: true, env: {} });
      assert.deepEqual(codes(v.diagnostics), ['GW_ERR_FILE_REF_OUTSIDE', 'GW_ERR_FILE_REF_OUTSIDE']);
      for (const d of v.diagnostics) {
        assert.equal(d.file, 'conf/manifests/p.yaml');
        assert.equal(d.line, 8);
        assert.ok(!d.message.includes(SECRET) && !d.message.includes(root), d.message);
      }
    } finally {
      await rm(join(conf, 'manifests', 'p.yaml'));
    }
  });

  test('without gateway.yaml the working folder is the config folder', async () => {
    await writeFile(
      join(root, 'outside', 'p.yaml'),
      provider('up', '  auth: { bearer: "${file:../conf/secrets/token.txt}" }\n'),
    );
    try {
      const out = await validateConfig({ files: ['p.yaml'], cwd: join(root, 'outside'), checkEnv: true, env: {} });
      assert.deepEqual(codes(out.diagnostics), ['GW_ERR_FILE_REF_OUTSIDE']);
      const inside = await validateConfig({ files: ['outside/p.yaml'], cwd: root, checkEnv: true, env: {} });
      assert.deepEqual(codes(inside.diagnostics), []);
    } finally {
      await rm(join(root, 'outside', 'p.yaml'));
    }
  });
});

describe('the real gw binary', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-confine-bin-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('validate --env: a baseUrl that is no URL once resolved is located; without --env it passes', async () => {
    await writeFile(
      join(dir, 'm.yaml'),
      'apiVersion: gw/v1\nkind: Provider\nmetadata: { name: up }\nspec:\n  type: openai\n  baseUrl: "${env:GW_T_BASE_URL}"\n',
    );
    const env = { GW_T_BASE_URL: 'not a url' };
    const form = await runGw(['validate', '-f', 'm.yaml'], { cwd: dir, env });
    assert.equal(form.code, 0, form.stdout + form.stderr);
    const r = await runGw(['validate', '--env', '-f', 'm.yaml'], { cwd: dir, env });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /m\.yaml:6:\d+ error GW_ERR_BASE_URL /);
    assert.ok(!(r.stdout + r.stderr).includes('not a url'), 'the resolved value is never shown');
  });

  test('validate: absolute ${file:} and a variable references.env does not list, even without --env', async () => {
    await writeFile(
      join(dir, 'gateway.yaml'),
      'apiVersion: gw/v1\nkind: Gateway\nmetadata: { name: tt }\nspec:\n  admin: { key: "${env:GW_ADMIN_KEY:-}" }\n  references: { env: [OPENAI_*] }\n  manifests: [m2.yaml]\n',
    );
    await writeFile(
      join(dir, 'm2.yaml'),
      provider(
        'up',
        '  auth: { bearer: "${env:HOME}" }\n  tls: { ca: "${file:/etc/hostname}" }\n  headers: { x-k: "${env:OPENAI_ORG:-none}" }\n',
      ),
    );
    try {
      for (const args of [['validate'], ['validate', '--env']]) {
        const r = await runGw(args, { cwd: dir });
        const out = r.stdout + r.stderr;
        assert.equal(r.code, 1, out);
        assert.match(out, /m2\.yaml:7:\d+ error GW_ERR_ENV_NOT_ALLOWED /);
        assert.match(out, /m2\.yaml:8:\d+ error GW_ERR_FILE_REF_OUTSIDE /);
        assert.equal((out.match(/ error /g) ?? []).length, 2, out);
      }
    } finally {
      await rm(join(dir, 'gateway.yaml'));
    }
  });

  test('validate -f -: nesting too deep and an alias bomb get our codes, never an engine message', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++)
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    const inputs = [
      '['.repeat(200_000),
      'a: ' + '{a: '.repeat(50_000),
      '- '.repeat(100_000) + 'x\n',
      bomb.join('\n') + '\n',
    ];
    for (const input of inputs) {
      const r = await runGw(['validate', '-f', '-'], { cwd: dir, input });
      const out = r.stdout + r.stderr;
      assert.equal(r.code, 1, out);
      assert.match(out, /^-:\d+:\d+ error GW_ERR_MANIFEST_TOO_DEEP /m);
      assert.doesNotMatch(out, /Maximum call stack|RangeError|\n\s+at /);
    }
  });

  test('serve refuses to start on a baseUrl that is no URL once resolved', async () => {
    const [proxyPort, adminPort] = [await freePort(), await freePort()];
    await mkdir(join(dir, 'serve'), { recursive: true });
    await writeFile(
      join(dir, 'serve', 'gateway.yaml'),
      `apiVersion: gw/v1\nkind: Gateway\nmetadata: { name: tt }\nspec:\n  proxy: { listen: 127.0.0.1:${proxyPort} }\n  admin: { listen: 127.0.0.1:${adminPort} }\n  manifests: [m.yaml]\n  storage: { sqlite: ./state/gw.db }\n`,
    );
    await writeFile(
      join(dir, 'serve', 'm.yaml'),
      'apiVersion: gw/v1\nkind: Provider\nmetadata: { name: up }\nspec:\n  type: openai\n  baseUrl: "${env:GW_T_BASE_URL}"\n',
    );
    const r = await runGw(['serve'], {
      cwd: join(dir, 'serve'),
      env: { GW_T_BASE_URL: 'ftp://files.example' },
      timeoutMs: 20_000,
    });
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /m\.yaml:6:\d+ error GW_ERR_BASE_URL /);
  });
});

describe('admin apply', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-confine-apply-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('${file:/etc/hostname} and ${env:HOME} are refused with 422; nothing changes', async () => {
    const [proxyPort, adminPort] = [await freePort(), await freePort()];
    const gw =
      gatewayYaml({ proxyPort, adminListen: `127.0.0.1:${adminPort}` }) +
      '  references: { env: [OPENAI_*, GW_C1_*] }\n';
    await writeFile(join(dir, 'gateway.yaml'), gw);
    await mkdir(join(dir, 'manifests'));
    const good = manifestsYaml('http://127.0.0.1:9', 'up-one');
    await writeFile(join(dir, 'manifests', 'all.yaml'), good);
    const running = await startGw(dir, { proxyPort, adminPort, env: { HOME: SECRET } });
    try {
      const before = await admin(running.admin, '/admin/v1/config');
      assert.equal(before.body['revision'], 1, before.text);
      const hostile = good.replace(
        'timeout: 5s',
        'timeout: 5s\n  headers: { x-a: "${file:/etc/hostname}", x-b: "${env:HOME}", x-c: "${file:../../../../etc/passwd}" }',
      );
      const manifests = parseAllDocuments(hostile).map((d) => d.toJS() as unknown);
      const r = await admin(running.admin, '/admin/v1/apply', { body: { manifests } });
      assert.equal(r.status, 422, r.text);
      const found = (r.body['diagnostics'] as { code: string; file: string; line: number }[])
        .map((d) => `${d.code} ${d.file}`)
        .sort();
      assert.deepEqual(found, [
        'GW_ERR_ENV_NOT_ALLOWED apply[0]',
        'GW_ERR_FILE_REF_OUTSIDE apply[0]',
        'GW_ERR_FILE_REF_OUTSIDE apply[0]',
      ]);
      assert.ok(!r.text.includes(SECRET) && !r.text.includes(dir), r.text);
      const after = await admin(running.admin, '/admin/v1/config');
      assert.equal(after.body['revision'], 1);
      assert.equal(after.body['hash'], before.body['hash']);
    } finally {
      await running.stop();
    }
  });
});
