// The simple API, schemas and sessions on the real `gw serve` binary, with the built-in mock
// provider (it answers "<reply>" with {{input}} = the last user text): a message with a session
// carried over, a stream, an input rendered into a template and checked by schema.input, an
// output schema that the first target fails and the second meets, and the
// role-filtered listing. Needs `npm run build` (bin/gw runs dist/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, sha, waitForLine } from '../helpers/gw.js';

const KEY = 'gw-prompt-binary-key';

const MANIFESTS = `apiVersion: gw/v1
kind: Provider
metadata: { name: plain-mock }
spec: { type: mock, mock: { reply: "mock reply: {{input}}" } }
---
apiVersion: gw/v1
kind: Provider
metadata: { name: json-mock }
spec: { type: mock, mock: { reply: "{{input}}", chunkSize: 4 } }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: ask }
spec:
  type: chat
  routing: { targets: [{ provider: plain-mock, models: { ask: m1 } }] }
  prompt: { template: "Q: {{input}}" }
  sessions: { ttl: 10m, maxMessages: 10 }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: form }
spec:
  type: chat
  routing:
    targets:
      - { provider: plain-mock, models: { form: m1 } }
      - { provider: json-mock, models: { form: m2 } }
  prompt: { template: '{"answer": "{{input.name}}"}' }
  schema:
    input: { type: object, required: [name], properties: { name: { type: string, maxLength: 20 } } }
    output: { type: object, required: [answer] }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: broken }
spec:
  type: chat
  allowedRoles: [admin]
  routing: { targets: [{ provider: plain-mock, models: { broken: m1 } }] }
  schema: { output: { type: object } }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: app }
spec: { keyHash: "${sha(KEY)}", roles: [editor], scopes: [chat] }
`;

type Obj = Record<string, unknown>;

test(
  'gw serve: the simple API with sessions, streams, input templates and schemas',
  { skip: !existsSync('dist/cli/main.js') && 'run npm run build first' },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gw-prompt-bin-'));
    const port = await freePort();
    await writeFile(join(dir, 'all.yaml'), MANIFESTS);
    await writeFile(
      join(dir, 'gateway.yaml'),
      `apiVersion: gw/v1
kind: Gateway
metadata: { name: prompt-bin }
spec:
  proxy: { listen: 127.0.0.1:${port} }
  admin: { listen: 127.0.0.1:${await freePort()} }
  manifests: [all.yaml]
  storage: { sqlite: ./gw.db }
  log: { level: warn }
`,
    );
    const child = spawn(process.execPath, [resolve('bin/gw'), 'serve', '-c', join(dir, 'gateway.yaml')], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const url = `http://127.0.0.1:${port}`;
    const post = async (path: string, body: unknown): Promise<{ status: number; body: Obj; text: string }> => {
      const res = await fetch(`${url}${path}`, {
        method: path.endsWith('/endpoints') ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: path.endsWith('/endpoints') ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text.startsWith('{') ? (JSON.parse(text) as Obj) : {}, text };
    };
    try {
      await waitForLine(child, /listening on http/);
      const first = await post('/api/default/ask', { message: 'hi' });
      assert.equal(first.status, 200, first.text);
      assert.equal(first.body['content'], 'mock reply: Q: hi');
      const session = (first.body['meta'] as Obj)['session_id'];
      assert.equal(typeof session, 'string');
      const again = await post('/api/default/ask', { message: 'again', session_id: session });
      assert.equal(again.status, 200, again.text);
      assert.equal((again.body['meta'] as Obj)['session_id'], session);
      assert.equal((await post('/api/default/ask', { message: 'x', session_id: 'unknown' })).status, 404);

      const streamed = await post('/api/default/ask', { message: 'flow', stream: true });
      assert.match(streamed.text, /^event: delta\ndata: /);
      assert.match(streamed.text, /event: done\ndata: \{"ok":true,"meta":/);
      const text = [...streamed.text.matchAll(/event: delta\ndata: (.*)\n/g)]
        .map((m) => (JSON.parse(m[1] as string) as Obj)['content'])
        .join('');
      assert.equal(text, 'mock reply: Q: flow');

      // The first target's answer is not JSON: the second one's is.
      const form = await post('/api/default/form', { input: { name: 'Ada' } });
      assert.equal(form.status, 200, form.text);
      assert.deepEqual(JSON.parse(String(form.body['content'])), { answer: 'Ada' });
      const badInput = await post('/api/default/form', { input: { name: 'x'.repeat(21) } });
      assert.equal(badInput.status, 422);
      assert.deepEqual(Object.keys(badInput.body), ['ok', 'error']);
      assert.equal((badInput.body['error'] as Obj)['code'], 'GW_ERR_INPUT_SCHEMA');

      const listing = await post('/api/default/endpoints', undefined);
      assert.deepEqual(
        (listing.body['endpoints'] as Obj[]).map((e) => e['name']),
        ['ask', 'form'],
      );
    } finally {
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    }
  },
);
