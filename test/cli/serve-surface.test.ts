// What a real `gw serve` shows an operator: answer headers naming what answered (both dialects,
// through the official SDKs' raw responses), stock process metric names next to gw's and the
// OpenTelemetry GenAI histograms on /metrics, and a log that is JSON from its first line (or
// pretty with log.format: pretty, where proxy.answerHeaders: false also drops the headers).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { freePort, GW_BIN, sha, waitForLine } from '../helpers/gw.js';

const KEY = 'gw-serve-surface-test-key-0123456789';

const MANIFESTS = `apiVersion: gw/v1
kind: Provider
metadata: { name: mock }
spec: { type: mock, mock: { reply: "mock reply: {{input}}" } }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: chat }
spec:
  type: chat
  routing: { targets: [{ provider: mock, models: { fast: mock-fast } }] }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: app }
spec: { keyHash: "${sha(KEY)}", scopes: [chat] }
`;

interface Served {
  readonly proxy: string;
  readonly admin: string;
  readonly child: ChildProcess;
  stdout(): string;
  stop(): Promise<number | null>;
}

async function serve(dir: string, extra: { proxy?: string; log?: string }): Promise<Served> {
  await mkdir(dir, { recursive: true });
  const [p, a] = [await freePort(), await freePort()];
  await writeFile(join(dir, 'manifests.yaml'), MANIFESTS);
  await writeFile(
    join(dir, 'gateway.yaml'),
    `apiVersion: gw/v1
kind: Gateway
metadata: { name: surface }
spec:
  proxy: { listen: 127.0.0.1:${p}${extra.proxy ?? ''} }
  admin: { listen: 127.0.0.1:${a} }
  manifests: [manifests.yaml]
  storage: { sqlite: ./gw.db }
  log: { level: info${extra.log ?? ''} }
`,
  );
  const child = spawn(process.execPath, [GW_BIN, 'serve'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  await waitForLine(child, /listening on http/).catch((e: Error) => {
    throw new Error(`${e.message}: ${err}`);
  });
  return {
    proxy: `http://127.0.0.1:${p}`,
    admin: `http://127.0.0.1:${a}`,
    child,
    stdout: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('gw serve: headers, metrics, log lines', () => {
  let tmp: string;
  let gw: Served;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'gw-surface-'));
    gw = await serve(join(tmp, 'default'), {});
  });
  after(async () => {
    await gw.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  test('OpenAI and Anthropic answers name the provider, upstream model and attempts', async () => {
    const openai = new OpenAI({ apiKey: KEY, baseURL: `${gw.proxy}/v1`, maxRetries: 0 });
    const { data, response } = await openai.chat.completions
      .create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    assert.equal(data.choices[0]?.message.content, 'mock reply: hi');
    assert.equal(response.headers.get('x-gw-provider'), 'mock');
    assert.equal(response.headers.get('x-gw-upstream-model'), 'mock-fast');
    assert.equal(response.headers.get('x-gw-attempts'), '1');

    const anthropic = new Anthropic({ apiKey: KEY, baseURL: gw.proxy, maxRetries: 0 });
    const msg = await anthropic.messages
      .create({ model: 'fast', max_tokens: 16, messages: [{ role: 'user', content: 'hello' }] })
      .withResponse();
    assert.equal(msg.data.content[0]?.type, 'text');
    assert.equal(msg.response.headers.get('x-gw-provider'), 'mock');
    assert.equal(msg.response.headers.get('x-gw-upstream-model'), 'mock-fast');
    assert.equal(msg.response.headers.get('x-gw-attempts'), '1');

    const stream = await fetch(`${gw.proxy}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fast', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(stream.headers.get('x-gw-provider'), 'mock');
    await stream.text();
  });

  test('/metrics: stock Node.js process names, no double prefix, GenAI histograms', async () => {
    // The usage row (and so the metrics) is written once the answer ended: wait for a sample.
    let text = '';
    for (let i = 0; i < 50 && !text.includes('gen_ai_client_token_usage_bucket'); i++) {
      const res = await fetch(`${gw.admin}/metrics`);
      text = await res.text();
      if (!text.includes('gen_ai_client_token_usage_bucket')) await new Promise((r) => setImmediate(r));
    }
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'gw_requests_total',
    ])
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    assert.doesNotMatch(text, /gw_process_/);
    const lines = text.split('\n');
    const tokenLine = (type: string): string | undefined =>
      lines.find(
        (l) =>
          l.startsWith('gen_ai_client_token_usage_count{') &&
          l.includes('gen_ai_operation_name="chat"') &&
          l.includes('gen_ai_provider_name="mock"') &&
          l.includes('gen_ai_request_model="mock-fast"') &&
          l.includes(`gen_ai_token_type="${type}"`),
      );
    assert.ok(tokenLine('input'), text);
    assert.ok(tokenLine('output'), text);
    assert.match(
      text,
      /^gen_ai_client_operation_duration_seconds_count\{[^}]*gen_ai_provider_name="mock"[^}]*\} [1-9]/m,
    );
    // Prometheus naming: counters end in _total, durations in _seconds.
    for (const m of text.matchAll(/^# TYPE (\S+) counter$/gm)) assert.match(m[1]!, /_total$/, m[1]);
  });

  test('every stdout line is JSON, the first ("listening on") included', async () => {
    await gw.stop();
    const lines = gw.stdout().trimEnd().split('\n');
    assert.ok(lines.length >= 3, gw.stdout());
    const parsed = lines.map((l) => JSON.parse(l) as { msg?: string; level?: number });
    assert.match(parsed[0]!.msg ?? '', /^gw serve: listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.ok(parsed.some((l) => l.msg === 'request'));
  });

  test('log.format: pretty for a terminal, and proxy.answerHeaders: false drops the headers', async () => {
    const pretty = await serve(join(tmp, 'pretty'), { proxy: ', answerHeaders: false', log: ', format: pretty' });
    try {
      const res = await fetch(`${pretty.proxy}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(res.status, 200);
      await res.json();
      for (const h of ['x-gw-provider', 'x-gw-upstream-model', 'x-gw-attempts'])
        assert.equal(res.headers.get(h), null, h);
    } finally {
      assert.equal(await pretty.stop(), 0);
    }
    const lines = pretty.stdout().trimEnd().split('\n');
    assert.match(lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} INFO {2}gw serve: listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.ok(
      lines.some((l) => /^\S+ INFO {2}request .*status=200/.test(l)),
      pretty.stdout(),
    );
    assert.ok(
      lines.every((l) => !l.startsWith('{')),
      pretty.stdout(),
    );
  });
});
