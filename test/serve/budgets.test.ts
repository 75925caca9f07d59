// Token cap and monthly budgets through a real in-process gateway on 127.0.0.1, the official
// OpenAI and Anthropic SDKs as callers, and a real SQLite usage log (reopened for the restart).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { buildConfig } from '../../src/config/build.js';
import { startRuntime } from '../../src/runtime.js';
import { createGateway, type Gateway } from '../../src/serve/server.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { UsageLog } from '../../src/telemetry/usage-log.js';
import { executeChat, executeEmbeddings } from '../../src/upstream/execute.js';
import { PoolRegistry } from '../../src/upstream/pool.js';
import { sha } from '../helpers/gw.js';
import { echoHandler, gatewayYaml, startUpstream, type FakeUpstream, type Recorded } from './helpers.js';

const KEY = 'gw-budget-test-key';
const CAPPED_KEY = 'gw-budget-capped-key';

// up-fast: echo answers report 11 prompt + 7 completion tokens = $0.011 + $0.014 = $0.025 each.
// A worst case on `pricey` (max_tokens 100, input "hi" = 1 token): $0.001 + $0.2 = $0.201.
function manifests(url: string, epBudget = 1.01): string {
  return `apiVersion: gw/v1
kind: Provider
metadata: { name: up }
spec:
  type: openai
  baseUrl: ${url}/v1
  auth: { none: true }
  models:
    up-fast: { inputPer1k: 1, outputPer1k: 2 }
    up-held: { inputPer1k: 1, outputPer1k: 2 }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: capped }
spec:
  type: chat
  routing: { targets: [ { provider: up, models: { small: up-fast } } ] }
  limits: { maxInputTokens: 10 }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: pricey }
spec:
  type: chat
  params: { max_tokens: 100 }
  routing: { targets: [ { provider: up, models: { held: up-held } } ] }
  limits: { monthlyBudgetUsd: ${epBudget} }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: plain }
spec:
  type: chat
  params: { max_tokens: 100 }
  routing: { targets: [ { provider: up, models: { fast: up-fast } } ] }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: team }
spec:
  keyHash: "${sha(KEY)}"
  roles: [editor]
  scopes: [chat]
  allow: { endpoints: [plain] }
  limits: { monthlyBudgetUsd: 0.3 }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: open }
spec: { keyHash: "${sha(CAPPED_KEY)}", roles: [editor], scopes: [chat] }
`;
}

interface Running {
  readonly url: string;
  readonly gateway: Gateway;
  readonly usageLog: UsageLog;
}

async function setup(upstreamUrl: string): Promise<{ dir: string; configPath: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'gw-budget-'));
  await mkdir(join(dir, 'manifests'));
  await writeFile(join(dir, 'manifests', 'all.yaml'), manifests(upstreamUrl));
  const configPath = join(dir, 'gateway.yaml');
  await writeFile(configPath, gatewayYaml(0, '', { maxBodyBytes: 65536 }));
  return { dir, configPath };
}

/** A gateway on the config's SQLite file; a second call after close() is a restart. */
async function start(configPath: string): Promise<Running> {
  const built = await buildConfig({ configPath });
  if (!built.ok) throw new Error(JSON.stringify(built.diagnostics));
  const usageLog = UsageLog.open(built.settings.storage.sqlitePath, { flushIntervalMs: 20 });
  const gateway = createGateway({
    settings: built.settings,
    table: built.table,
    usageLog,
    logger: createLogger({ level: 'silent' } as never),
    pools: new PoolRegistry(),
    upstream: { executeChat, executeEmbeddings },
  });
  return { url: await gateway.listen(), gateway, usageLog };
}

/** up-held answers only when release() is called; everything else echoes at once. */
function heldUpstream(): { handler: (r: Recorded, res: ServerResponse) => void; release(): void; held: number } {
  const waiting: (() => void)[] = [];
  const state = {
    handler: (r: Recorded, res: ServerResponse): void => {
      if (r.body['model'] === 'up-held') waiting.push(() => echoHandler(r, res, undefined as never));
      else echoHandler(r, res, undefined as never);
    },
    release(): void {
      for (const w of waiting.splice(0)) w();
    },
    get held(): number {
      return waiting.length;
    },
  };
  return state;
}

const openai = (url: string, key: string): OpenAI => new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 });

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

test('token cap: 422 GW_ERR_TOKEN_CAP naming the estimate and the cap, in each dialect, before any upstream call', async () => {
  const up = await startUpstream();
  const { dir, configPath } = await setup(up.url);
  const gw = await start(configPath);
  try {
    // 40 characters: 10 tokens, at the cap: admitted.
    const ok = await openai(gw.url, CAPPED_KEY).chat.completions.create({
      model: 'small',
      messages: [{ role: 'user', content: 'x'.repeat(40) }],
    });
    assert.equal(ok.object, 'chat.completion');
    const before = up.requests.length;
    const err = await openai(gw.url, CAPPED_KEY)
      .chat.completions.create({ model: 'small', messages: [{ role: 'user', content: 'x'.repeat(41) }] })
      .then(
        () => assert.fail('admitted'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, 422);
    assert.equal((err.error as { code?: string }).code, 'GW_ERR_TOKEN_CAP');
    assert.match(err.message, /estimated 11 tokens, over endpoint capped's maxInputTokens of 10/);

    const anthropic = new Anthropic({ apiKey: CAPPED_KEY, baseURL: gw.url, maxRetries: 0 });
    const aerr = await anthropic.messages
      .create({ model: 'small', max_tokens: 10, messages: [{ role: 'user', content: 'y'.repeat(200) }] })
      .then(
        () => assert.fail('admitted'),
        (e: unknown) => e,
      );
    assert.ok(aerr instanceof Anthropic.APIError);
    assert.equal(aerr.status, 422);
    const body = aerr.error as { type: string; error: { type: string; message: string } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'invalid_request_error');
    assert.match(body.error.message, /estimated 50 tokens, over endpoint capped's maxInputTokens of 10/);
    assert.equal(up.requests.length, before, 'a capped request never reaches the upstream');
  } finally {
    await gw.gateway.close();
    await up.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('budgets: a key is refused once spent, 20 concurrent requests cannot overspend an endpoint, spend survives reload and restart', async () => {
  const held = heldUpstream();
  const up: FakeUpstream = await startUpstream(held.handler);
  const { dir, configPath } = await setup(up.url);
  let gw = await start(configPath);
  try {
    // Key budget $0.30, worst case $0.201, real cost $0.025: 4 admitted (0.075 + 0.201 fits, 0.1 + 0.201 does not).
    const client = openai(gw.url, KEY);
    for (let i = 0; i < 4; i++) {
      const r = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(r.choices[0]?.message.content, 'echo: hi');
    }
    const refused = await client.chat.completions
      .create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => assert.fail('admitted over budget'),
        (e: unknown) => e,
      );
    assert.ok(refused instanceof OpenAI.APIError);
    assert.equal(refused.status, 422);
    assert.equal((refused.error as { code?: string }).code, 'GW_ERR_BUDGET_EXCEEDED');
    assert.match(refused.message, /key team spent \$0\.10 of its \$0\.30 monthly budget/);
    // A smaller worst case still fits: max_tokens 50 is $0.001 + $0.1.
    const small = await client.chat.completions.create({
      model: 'fast',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(small.object, 'chat.completion');

    // Endpoint budget $1.01 fits 5 worst cases of $0.201 while none has finished.
    const anthropic = new Anthropic({ apiKey: CAPPED_KEY, baseURL: gw.url, maxRetries: 0 });
    const calls = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? openai(gw.url, CAPPED_KEY)
            .chat.completions.create({ model: 'held', messages: [{ role: 'user', content: 'hi' }] })
            .then(
              () => 200,
              (e: { status?: number }) => e.status ?? 0,
            )
        : anthropic.messages
            .create({ model: 'held', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
            .then(
              () => 200,
              (e: { status?: number }) => e.status ?? 0,
            ),
    );
    const settled: number[] = [];
    for (const c of calls) void c.then((s) => settled.push(s));
    await until(() => settled.length === 15);
    assert.deepEqual(settled, new Array(15).fill(422));
    assert.equal(held.held, 5, 'exactly 5 reached the upstream');
    held.release();
    const statuses = await Promise.all(calls);
    assert.equal(statuses.filter((s) => s === 200).length, 5);

    // Reload (a new table for the same config): the spend and the refusal stay.
    const rebuilt = await buildConfig({ configPath });
    assert.ok(rebuilt.ok);
    gw.gateway.swap(rebuilt.table);
    const again = await client.chat.completions
      .create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => 200,
        (e: { status?: number }) => e.status,
      );
    assert.equal(again, 422);

    // Restart: close (flushes to SQLite), reopen the same file.
    await gw.gateway.close();
    gw = await start(configPath);
    assert.ok(gw.usageLog.monthSpend('default', 'key', 'team') > 0.12);
    const afterRestart = await openai(gw.url, KEY)
      .chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => assert.fail('admitted after restart'),
        (e: unknown) => e,
      );
    assert.ok(afterRestart instanceof OpenAI.APIError);
    assert.match(afterRestart.message, /key team spent \$0\.13 of its \$0\.30 monthly budget/);
  } finally {
    held.release();
    await gw.gateway.close();
    await up.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a budget on an endpoint or key that reaches an unpriced model is a located validation error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gw-budget-'));
  try {
    await mkdir(join(dir, 'manifests'));
    const text = manifests('http://127.0.0.1:9')
      .replace('    up-held: { inputPer1k: 1, outputPer1k: 2 }\n', '')
      .replace('up-fast: { inputPer1k: 1, outputPer1k: 2 }', 'up-other: { inputPer1k: 1 }');
    await writeFile(join(dir, 'manifests', 'all.yaml'), text);
    const configPath = join(dir, 'gateway.yaml');
    await writeFile(configPath, gatewayYaml());
    const r = await buildConfig({ configPath });
    assert.equal(r.ok, false);
    const found = r.ok ? [] : r.diagnostics.filter((d) => d.code === 'GW_ERR_BUDGET_UNPRICED');
    assert.equal(found.length, 2);
    assert.match(
      found[0]!.message,
      /endpoint pricey has a monthlyBudgetUsd, but upstream model up-held of provider up/,
    );
    assert.match(found[1]!.message, /key team has a monthlyBudgetUsd, but upstream model up-fast of provider up/);
    assert.ok(found.every((d) => d.line > 0 && d.file.endsWith('all.yaml')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('refusals are counted in gw_limit_refusals_total by kind', async () => {
  const m = createMetrics({ processMetrics: false });
  const row = {
    ts: Date.now(),
    requestId: 'r',
    workspace: 'default',
    endpoint: 'pricey',
    keyName: 'team',
    model: 'held',
    provider: null,
    upstreamModel: null,
    attempts: [],
    status: 422,
    tokensIn: 0,
    tokensOut: 0,
    costUsd: 0,
    latencyMs: 1,
    ttfbMs: null,
    stream: false,
    route: 'openai.chat',
  };
  m.observe({ ...row, errorCode: 'GW_ERR_BUDGET_EXCEEDED' });
  m.observe({ ...row, errorCode: 'GW_ERR_BUDGET_EXCEEDED' });
  m.observe({ ...row, errorCode: 'GW_ERR_TOKEN_CAP' });
  const text = await m.text();
  assert.match(text, /gw_limit_refusals_total\{kind="budget"\} 2/);
  assert.match(text, /gw_limit_refusals_total\{kind="tokenCap"\} 1/);
});

test('gw serve runtime: the key budget refuses through the process-wide store, and /metrics counts it', async () => {
  const up = await startUpstream();
  const dir = await mkdtemp(join(tmpdir(), 'gw-budget-'));
  await mkdir(join(dir, 'manifests'));
  await writeFile(join(dir, 'manifests', 'all.yaml'), manifests(up.url));
  const configPath = join(dir, 'gateway.yaml');
  await writeFile(configPath, gatewayYaml(0, '  admin: { listen: "127.0.0.1:0" }\n', { maxBodyBytes: 65536 }));
  const started = await startRuntime({ configPath, logger: createLogger({ level: 'silent' } as never) });
  if (!started.ok) throw new Error(started.problem.message);
  const rt = started.runtime;
  try {
    const client = openai(rt.url, KEY);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }).then(
          () => 200,
          (e: { status?: number }) => e.status ?? 0,
        ),
      );
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 422]);
    const metrics = await (await fetch(`${rt.adminUrl}/metrics`)).text();
    assert.match(metrics, /gw_limit_refusals_total\{kind="budget"\} 1/);
  } finally {
    await rt.close();
    await up.close();
    await rm(dir, { recursive: true, force: true });
  }
});
