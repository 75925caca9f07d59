// The CLI with bedrock providers, through the real binary: `gw test-connection` skips them
// unless --chat, which sends a one-token Converse call signed with the manifest's credentials
// (a fake runtime on 127.0.0.1 re-verifies the signature); `gw route` and `gw curl` show them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGw, sha } from '../helpers/gw.js';
import { CREDENTIALS, REGION, startFakeBedrock, type FakeBedrock } from '../providers/bedrock-server.js';

const KEY = 'gw-bedrock-cli-key';
const MODEL_ID = 'anthropic.claude-3-5-haiku-20241022-v1:0';

function manifests(url: string): string {
  return `apiVersion: gw/v1
kind: Provider
metadata: { name: aws }
spec:
  type: bedrock
  baseUrl: ${url}
  bedrock:
    region: ${REGION}
    credentials:
      accessKeyId: \${env:T_AWS_KEY_ID}
      secretAccessKey: \${env:T_AWS_SECRET}
      sessionToken: \${env:T_AWS_TOKEN:-}
---
apiVersion: gw/v1
kind: Provider
metadata: { name: aws-eu }
spec:
  type: bedrock
  bedrock: { region: eu-west-1 }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: on-aws }
spec:
  type: chat
  routing:
    targets:
      - provider: aws
        models: { haiku: "${MODEL_ID}" }
      - provider: aws-eu
        models: { haiku: "eu.${MODEL_ID}" }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: app }
spec: { keyHash: "${sha(KEY)}", roles: [editor], scopes: [chat] }
`;
}

describe('gw CLI with bedrock providers', { concurrency: 1 }, () => {
  let fake: FakeBedrock;
  let dir: string;
  const env = {
    T_AWS_KEY_ID: CREDENTIALS.accessKeyId,
    T_AWS_SECRET: CREDENTIALS.secretAccessKey,
    T_AWS_TOKEN: CREDENTIALS.sessionToken,
  };
  before(async () => {
    fake = await startFakeBedrock();
    dir = await mkdtemp(join(tmpdir(), 'gw-bedrock-cli-'));
    await writeFile(join(dir, 'm.yaml'), manifests(fake.url));
  });
  after(async () => {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('test-connection without --chat: skipped (no model list), exit 0, nothing sent', async () => {
    const before = fake.requests.length;
    const r = await runGw(['test-connection', 'aws', '-f', 'm.yaml', '-o', 'json'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout) as { providers: { status: string; message: string }[] };
    assert.equal(out.providers[0]?.status, 'skipped');
    assert.match(out.providers[0]?.message ?? '', /--chat/);
    assert.equal(fake.requests.length, before);
  });

  test('test-connection --chat: a signed one-token Converse call to the mapped model', async () => {
    const before = fake.requests.length;
    const r = await runGw(['test-connection', 'aws', '--chat', '-f', 'm.yaml'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^aws\s+bedrock\s+ok\s/m);
    const sent = fake.requests[before];
    assert.equal(sent?.path, `/model/${encodeURIComponent(MODEL_ID)}/converse`);
    assert.deepEqual(sent?.body.inferenceConfig, { maxTokens: 1 });
    assert.deepEqual(fake.refused, []);
  });

  test('test-connection --chat with a wrong secret: exit 1 with the upstream message; the secret is not printed', async () => {
    const wrong = 'wrong-secret-access-key-9876543210';
    const r = await runGw(['test-connection', 'aws', '--chat', '-f', 'm.yaml'], {
      cwd: dir,
      env: { ...env, T_AWS_SECRET: wrong },
    });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /HTTP 403/);
    assert.match(r.stdout, /signature/);
    assert.ok(!r.stdout.includes(wrong) && !r.stderr.includes(wrong));
  });

  test('test-connection with the secret unset: not probed, and says which variable', async () => {
    const r = await runGw(['test-connection', 'aws', '--chat', '-f', 'm.yaml'], {
      cwd: dir,
      env: { ...env, T_AWS_SECRET: undefined },
    });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /T_AWS_SECRET is not set/);
  });

  test('route: bedrock targets with their upstream model ids and the region runtime as baseUrl', async () => {
    const r = await runGw(['route', '--key', KEY, '--model', 'haiku', '-f', 'm.yaml', '-o', 'json'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout) as {
      targets: { provider: string; type: string; baseUrl: string; upstreamModel: string }[];
    };
    assert.deepEqual(
      out.targets.map((t) => [t.provider, t.type, t.baseUrl, t.upstreamModel]),
      [
        ['aws', 'bedrock', fake.url, MODEL_ID],
        ['aws-eu', 'bedrock', 'https://bedrock-runtime.eu-west-1.amazonaws.com', `eu.${MODEL_ID}`],
      ],
    );
  });

  test('curl: the endpoint on bedrock gets the same ready command as any chat endpoint', async () => {
    const r = await runGw(['curl', 'on-aws', '-f', 'm.yaml'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\/endpoints\/on-aws\/v1\/chat\/completions/);
    assert.match(r.stdout, /"model":"haiku"/);
  });
});
