// `gw test-connection` and `gw route` through the real binary for the cloud types, against fakes
// of their APIs on 127.0.0.1: Azure lists its models with api-version and api-key, Gemini its
// models with the API key, Vertex (Gemini and Claude) Google's publisher models with a token from
// the fake token endpoint named by the service-account key; `gw route` shows where each target's
// requests go.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGw, sha } from '../helpers/gw.js';
import {
  startFakeAzure,
  startFakeGemini,
  startFakeVertexAnthropic,
  startTokenEndpoint,
  type Fake,
  type TokenEndpoint,
} from '../providers/cloud-fakes.js';

const VERTEX = '/v1/projects/example-project/locations/us-central1';
const AZURE_KEY = 'azure-key-123456';
const GEMINI_KEY = 'gemini-key-123456';

let dir: string;
let tokens: TokenEndpoint;
let fakes: Fake[];

function manifests(azure: string, gemini: string, vertex: string, claude: string): string {
  return `apiVersion: gw/v1
kind: Provider
metadata: { name: azure }
spec:
  type: azure-openai
  baseUrl: ${azure}
  auth: { header: { name: api-key, value: "\${env:AZ_KEY}" } }
  azure: { apiVersion: 2024-10-21 }
---
apiVersion: gw/v1
kind: Provider
metadata: { name: gemini }
spec:
  type: gemini
  baseUrl: ${gemini}/v1beta
  auth: { header: { name: x-goog-api-key, value: "\${env:GM_KEY}" } }
---
apiVersion: gw/v1
kind: Provider
metadata: { name: vertex }
spec:
  type: vertex
  baseUrl: ${vertex}${VERTEX}
  vertex: { credentials: "\${file:./sa.json}" }
---
apiVersion: gw/v1
kind: Provider
metadata: { name: claude }
spec:
  type: vertex-anthropic
  baseUrl: ${claude}${VERTEX}
  vertex: { credentials: "\${file:./sa.json}" }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: chat }
spec:
  type: chat
  routing:
    targets:
      - provider: azure
        models: { a: prod-gpt4o, b: not-deployed }
      - provider: gemini
        models: { g: gemini-2.0-flash }
      - provider: vertex
        models: { v: gemini-2.0-flash }
      - provider: claude
        models: { c: claude-sonnet-4@20250514 }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: app }
spec: { keyHash: "${sha('gw-clouds-cli-key')}", roles: [editor], scopes: [chat] }
`;
}

before(async () => {
  tokens = await startTokenEndpoint();
  const azure = await startFakeAzure({ apiKey: AZURE_KEY, apiVersion: '2024-10-21', deployments: ['prod-gpt4o'] });
  const gemini = await startFakeGemini({
    modelsPath: '/v1beta/models',
    auth: (r) => (r.headers['x-goog-api-key'] === GEMINI_KEY ? undefined : 'bad key'),
  });
  const vertex = await startFakeGemini({ modelsPath: `${VERTEX}/publishers/google/models`, auth: tokens.checkBearer });
  const claude = await startFakeVertexAnthropic({ basePath: VERTEX, auth: tokens.checkBearer });
  fakes = [azure, gemini, vertex, claude];
  dir = await mkdtemp(join(tmpdir(), 'gw-testconn-clouds-'));
  await writeFile(join(dir, 'sa.json'), tokens.key);
  await writeFile(join(dir, 'providers.yaml'), manifests(azure.origin, gemini.origin, vertex.origin, claude.origin));
});

after(async () => {
  for (const f of fakes) await f.close();
  await tokens.close();
  await rm(dir, { recursive: true, force: true });
});

test('every cloud type is probed with its own model list and auth; secrets never printed', async () => {
  const r = await runGw(['test-connection', '-f', 'providers.yaml'], {
    cwd: dir,
    env: { AZ_KEY: AZURE_KEY, GM_KEY: GEMINI_KEY },
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    /^azure\s+azure-openai\s+ok\s+\d+ms\s+1\s+http:\/\/127\.0\.0\.1:\d+\/openai\/models\?api-version=2024-10-21$/m,
  );
  assert.match(r.stdout, /warning azure: mapped model 'not-deployed' is not in the upstream's model list/);
  assert.match(r.stdout, /^gemini\s+gemini\s+ok\s+\d+ms\s+2\s/m);
  assert.doesNotMatch(r.stdout, /gemini: mapped model/);
  assert.match(
    r.stdout,
    /^vertex\s+vertex\s+ok\s+\d+ms\s+1\s+http:\/\/127\.0\.0\.1:\d+\/v1beta1\/publishers\/google\/models$/m,
  );
  assert.match(r.stdout, /^claude\s+vertex-anthropic\s+ok\s+\d+ms\s+-\s/m);
  assert.ok(tokens.issued.length >= 1, 'a token came from the token endpoint');
  for (const secret of [AZURE_KEY, GEMINI_KEY, ...tokens.issued])
    assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret));
  for (const f of fakes) assert.deepEqual(f.problems, []);
});

test('a wrong Gemini key is a failed probe with its HTTP status: exit 1', async () => {
  const r = await runGw(['test-connection', 'gemini', '-f', 'providers.yaml'], {
    cwd: dir,
    env: { AZ_KEY: AZURE_KEY, GM_KEY: 'wrong-key-000000' },
  });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^gemini\s+gemini\s+HTTP 401\s/m);
});

test('gw route shows the request each cloud target gets: deployment path, generateContent, rawPredict', async () => {
  const route = async (model: string): Promise<string> => {
    const r = await runGw(['route', '--key', 'gw-clouds-cli-key', '--model', model, '-f', 'providers.yaml'], {
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return r.stdout;
  };
  assert.match(
    await route('a'),
    /^ {2}#1 {2}POST http:\/\/127\.0\.0\.1:\d+\/openai\/deployments\/prod-gpt4o\/chat\/completions\?api-version=2024-10-21$/m,
  );
  assert.match(
    await route('g'),
    /^ {2}#1 {2}POST http:\/\/127\.0\.0\.1:\d+\/v1beta\/models\/gemini-2\.0-flash:generateContent$/m,
  );
  assert.match(await route('v'), /publishers\/google\/models\/gemini-2\.0-flash:generateContent$/m);
  const claude = await route('c');
  assert.match(claude, /^ {2}1 {2}claude {2}vertex-anthropic {2}claude-sonnet-4@20250514\s/m);
  assert.match(claude, /publishers\/anthropic\/models\/claude-sonnet-4@20250514:rawPredict$/m);
});
