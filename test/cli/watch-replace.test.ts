// `gw serve --watch`: a file reload that replaces a revision made by `gw apply` logs a warning
// naming both revisions (the applied change is gone unless it goes into the files). Real binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GW_BIN, runGw, waitForLine } from '../helpers/gw.js';
import { ADMIN_KEY, freePort, gatewayYaml } from '../admin/helpers.js';

const skip = !existsSync('dist/cli/main.js') && 'run npm run build first';

const manifest = (reply: string): string =>
  `apiVersion: gw/v1\nkind: Provider\nmetadata: { name: mock }\nspec: { type: mock, mock: { reply: "${reply}" } }\n---\napiVersion: gw/v1\nkind: Endpoint\nmetadata: { name: bot }\nspec:\n  type: chat\n  routing: { targets: [ { provider: mock, models: { fast: m1 } } ] }\n`;

test('a --watch reload that replaces an applied revision warns, naming both', { skip }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gw-watch-apply-'));
  const [proxyPort, adminPort] = [await freePort(), await freePort()];
  await writeFile(join(dir, 'gateway.yaml'), gatewayYaml({ proxyPort, adminListen: `127.0.0.1:${adminPort}` }));
  await mkdir(join(dir, 'manifests'));
  await writeFile(join(dir, 'manifests', 'all.yaml'), manifest('from files'));
  const env = { GW_ADMIN_KEY: ADMIN_KEY, GW_ACTOR: 'alice' };
  const child = spawn(process.execPath, [GW_BIN, 'serve', '-c', 'gateway.yaml', '--watch'], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((done) => child.once('exit', done));
  try {
    await waitForLine(child, /listening on http/);
    await writeFile(join(dir, 'applied.yaml'), manifest('applied by hand'));
    const a = await runGw(['apply', '-f', 'applied.yaml'], { cwd: dir, env });
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /Applied: revision 2 \(was revision 1\)/);
    const warned = waitForLine(child, /replaced revision/);
    await writeFile(join(dir, 'manifests', 'all.yaml'), manifest('edited file'));
    const line = JSON.parse(await warned) as Record<string, unknown>;
    assert.equal(line['level'], 40);
    assert.deepEqual([line['replaced'], line['revision'], line['source']], [2, 3, 'watch']);
    assert.match(
      String(line['msg']),
      /a file reload \(watch\) replaced revision 2, made by gw apply \(alice\), with revision 3 from the files/,
    );
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  }
});
