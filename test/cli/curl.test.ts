// `gw curl` through the real binary: the printed command holds the Service URL and the model,
// and runs as printed (a shell parses it back to the same URL, headers and body).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runGw } from '../helpers/gw.js';

const GATEWAY = `apiVersion: gw/v1
kind: Gateway
metadata: { name: curl-test }
spec:
  proxy: { listen: 0.0.0.0:4123 }
  manifests: [m.yaml]
`;
const MANIFESTS = `apiVersion: gw/v1
kind: Provider
metadata: { name: local }
spec: { type: mock }
---
apiVersion: gw/v1
kind: Provider
metadata: { name: web }
spec: { type: http, baseUrl: "http://127.0.0.1:9" }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: support }
spec:
  type: chat
  routing:
    targets:
      - provider: local
        models: { fast: a, smart: b }
  defaultModel: smart
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: files }
spec: { type: proxy, provider: web }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: tooled, workspace: agents }
spec:
  type: chat
  routing: { targets: [{ provider: local, models: { tooled: a } }] }
  mcp: { expose: true }
---
apiVersion: gw/v1
kind: Provider
metadata: { name: local, workspace: agents }
spec: { type: mock }
`;

describe('gw curl', { concurrency: 2 }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-curl-'));
    await writeFile(join(dir, 'gateway.yaml'), GATEWAY);
    await writeFile(join(dir, 'm.yaml'), MANIFESTS);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('a chat endpoint: the Service URL on the proxy listener, $GW_KEY, the defaultModel; the shell reads it back', async () => {
    const r = await runGw(['curl', 'support'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^curl -sS http:\/\/127\.0\.0\.1:4123\/endpoints\/support\/v1\/chat\/completions \\$/m);
    assert.match(r.stdout, /-H "Authorization: Bearer \$\{GW_KEY\}"/);
    // Replace curl by printf and let a real shell expand the command: the arguments come back intact.
    const sh = r.stdout.replace(/^curl /, "printf '%s\\n' ");
    const { stdout } = await promisify(execFile)('sh', ['-c', sh], { env: { ...process.env, GW_KEY: 'gw-k1' } });
    const args = stdout.trim().split('\n');
    assert.ok(args.includes('Authorization: Bearer gw-k1'), stdout);
    const body = JSON.parse(args[args.length - 1] ?? '') as { model: string; messages: unknown[] };
    assert.equal(body.model, 'smart');
    assert.equal(body.messages.length, 1);
  });

  test('--model and --key go into the command; --output json has url and model', async () => {
    const r = await runGw(['curl', 'support', '--model', 'fast', '--key', 'gw-abc', '-o', 'json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { url: string; model: string; command: string; type: string };
    assert.equal(j.type, 'chat');
    assert.equal(j.url, 'http://127.0.0.1:4123/endpoints/support/v1/chat/completions');
    assert.equal(j.model, 'fast');
    assert.match(j.command, /"model":"fast"/);
    assert.match(j.command, /'Authorization: Bearer gw-abc'/);
  });

  test('a proxy endpoint: /proxy/{provider}/{endpoint}/', async () => {
    const r = await runGw(['curl', 'files'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^curl -sS http:\/\/127\.0\.0\.1:4123\/proxy\/web\/files\/ \\$/m);
  });

  test('an endpoint with mcp.expose: the MCP client config of its workspace (URL and key header); others have none', async () => {
    const r = await runGw(['curl', 'tooled'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /# or as the MCP tool 'tooled' \(the key needs the mcp scope\); MCP client config:/);
    const config = JSON.parse(r.stdout.slice(r.stdout.indexOf('\n{') + 1)) as Record<string, unknown>;
    assert.deepEqual(config, {
      mcpServers: {
        'gw-agents': {
          type: 'http',
          url: 'http://127.0.0.1:4123/mcp/agents',
          headers: { Authorization: 'Bearer ${GW_KEY}' },
        },
      },
    });
    const plain = await runGw(['curl', 'support', '-o', 'json'], { cwd: dir });
    assert.equal((JSON.parse(plain.stdout) as { mcp: unknown }).mcp, null);
  });

  test('an unknown endpoint or model: exit 1 with the names', async () => {
    const [ep, model] = await Promise.all([
      runGw(['curl', 'nope'], { cwd: dir }),
      runGw(['curl', 'support', '--model', 'huge'], { cwd: dir }),
    ]);
    assert.equal(ep.code, 1);
    assert.match(ep.stderr, /endpoint 'nope' is not defined; endpoints: agents\/tooled, files, support/);
    assert.equal(model.code, 1);
    assert.match(model.stderr, /does not expose model 'huge'; it answers to: fast, smart, support/);
  });
});
