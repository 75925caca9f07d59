// SIGTERM while a stream is still running, past shutdown.drainTimeout: the real binary ends the
// stream with the dialect's error event (not a bare cut), records the request as its own doing
// (503 GW_ERR_SHUTTING_DOWN, not the caller's 499), and exits 0. Needs `npm run build`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { freePort, waitForLine } from '../helpers/gw.js';
import { KEYS, gatewayYaml, manifests, scriptedHandler, startUpstream, type FakeUpstream } from './helpers.js';

const BIN = resolve('bin/gw');
let up: FakeUpstream;
let dir: string;

before(async () => {
  up = await startUpstream(scriptedHandler());
  dir = await mkdtemp(join(tmpdir(), 'gw-shutdown-'));
});
after(async () => {
  await up.close();
  await rm(dir, { recursive: true, force: true });
});

test(
  'SIGTERM past drainTimeout ends a stream with the error event and records 503 GW_ERR_SHUTTING_DOWN',
  { skip: !existsSync('dist/cli/main.js') && 'run npm run build first' },
  async () => {
    const port = await freePort();
    await mkdir(join(dir, 'manifests'));
    await writeFile(join(dir, 'manifests', 'all.yaml'), manifests(up.url));
    const yaml = gatewayYaml(port, `  admin: { listen: 127.0.0.1:${await freePort()} }\n`).replace(
      'drainTimeout: 2s',
      'drainTimeout: 200ms',
    );
    await writeFile(join(dir, 'gateway.yaml'), yaml);
    const child = spawn(process.execPath, [BIN, 'serve', '-c', join(dir, 'gateway.yaml')], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    let text = '';
    let signalled = false;
    try {
      await waitForLine(child, /listening on http/);
      // up-hang: one chunk, then the upstream says nothing more.
      const r = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${KEYS.app}`,
          'content-type': 'application/json',
          'x-request-id': 'sigterm-stream',
        },
        body: JSON.stringify({ model: 'hang', stream: true, messages: [{ role: 'user', content: 'x' }] }),
      });
      assert.equal(r.status, 200);
      const reader = (r.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      const first = await reader.read();
      text += decoder.decode(first.value);
      assert.match(text, /first /);
      child.kill('SIGTERM');
      signalled = true;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } finally {
      // A second SIGTERM would end gw at once: send it only when the test failed before the first.
      if (!signalled) child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
    assert.match(text, /data: \{"error":\{.*"code":"GW_ERR_SHUTTING_DOWN"/);
    assert.doesNotMatch(text, /\[DONE\]/);
    const db = new BetterSqlite3(join(dir, 'gw.db'), { readonly: true });
    try {
      const row = db
        .prepare('SELECT status, error_code AS code FROM requests WHERE request_id = ?')
        .get('sigterm-stream') as { status: number; code: string } | undefined;
      assert.deepEqual(row, { status: 503, code: 'GW_ERR_SHUTTING_DOWN' });
    } finally {
      db.close();
    }
  },
);
