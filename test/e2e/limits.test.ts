// Rate limits, token limits, the token cap and monthly budgets through a real `gw serve`, the
// official openai and Anthropic SDKs as callers (no retries) and an upstream on 127.0.0.1 that
// reports a fixed usage, so every count and cost is known. Windows slide through the injected
// clock (GW_TEST_CLOCK_FILE), never a sleep. The steps share one gateway and run in order; the
// last ones restart it on the same SQLite file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kill } from 'node:process';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { formatUsd } from '../../src/policy/budgets.js';
import { monthOf } from '../../src/telemetry/usage-row.js';
import { estimateTokens } from '../../src/util/estimate-tokens.js';
import { openaiCodec } from '../../src/wire/index.js';
import { sha } from '../helpers/gw.js';
import {
  live,
  revision,
  setClock,
  startLimitsGateway,
  startUsageUpstream,
  until,
  type HeldUpstream,
  type LimitsGateway,
} from './limits-helpers.js';

const skip = !existsSync('dist/cli/main.js') && 'run npm run build first';

const KEY = {
  app: 'gw-e2e-limits-app',
  x: 'gw-e2e-limits-acc-x',
  y: 'gw-e2e-limits-acc-y',
  z: 'gw-e2e-limits-acc-z',
  payer: 'gw-e2e-limits-payer',
} as const;

/** Upstream usage per upstream model; prices per 1k tokens: input 1, output 2 (USD). */
const USAGE = {
  'up-m': { prompt: 40, completion: 12 },
  'up-p': { prompt: 1, completion: 10 },
  'up-b': { prompt: 2, completion: 10 },
} as const;
const cost = (u: { prompt: number; completion: number }): number => (u.prompt * 1 + u.completion * 2) / 1000;

function manifests(upstreamUrl: string, payerBudget: number, meteredRpm = 3): string {
  const ep = (name: string, model: string, target: string, limits: string): string => `---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: ${name} }
spec:
  type: chat
  routing: { targets: [ { provider: up, models: { ${model}: ${target} } } ] }
${limits === '' ? '' : `  limits: ${limits}\n`}`;
  const key = (name: string, secret: string, limits: string): string => `---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: ${name} }
spec: { keyHash: "${sha(secret)}", roles: [editor], scopes: [chat]${limits === '' ? '' : `, limits: ${limits}`} }
`;
  return [
    `apiVersion: gw/v1
kind: Provider
metadata: { name: up }
spec:
  type: openai
  baseUrl: ${upstreamUrl}/v1
  auth: { bearer: sk-limits-upstream }
  timeout: 5s
  models:
    up-m: { inputPer1k: 1, outputPer1k: 2 }
    up-p: { inputPer1k: 1, outputPer1k: 2 }
    up-b: { inputPer1k: 1, outputPer1k: 2 }
`,
    ep('metered', 'm-metered', 'up-m', `{ rpm: ${meteredRpm} }`),
    ep('open', 'm-open', 'up-m', ''),
    ep('tight', 'm-tight', 'up-m', '{ rpm: 1 }'),
    ep('metered-anth', 'm-anth', 'up-m', '{ rpm: 1 }'),
    ep('tokens', 'm-tokens', 'up-m', '{ tpm: 100 }'),
    ep('capped', 'm-capped', 'up-m', '{ maxInputTokens: 10 }'),
    ep('paid', 'm-paid', 'up-p', ''),
    ep('pricey', 'm-budget', 'up-b', '{ monthlyBudgetUsd: 1 }'),
    key('app', KEY.app, ''),
    key('acc-x', KEY.x, '{ rpm: 2 }'),
    key('acc-y', KEY.y, '{ rpm: 2 }'),
    key('acc-z', KEY.z, '{ rpm: 5 }'),
    key('payer', KEY.payer, `{ monthlyBudgetUsd: ${payerBudget} }`),
  ].join('');
}

let dir: string;
let upstream: HeldUpstream;
let gw: LimitsGateway;

const openai = (key: string = KEY.app): OpenAI =>
  new OpenAI({ apiKey: key, baseURL: `${gw.proxyUrl}/v1`, maxRetries: 0 });
const anthropic = (key: string = KEY.app): Anthropic =>
  new Anthropic({ apiKey: key, baseURL: gw.proxyUrl, maxRetries: 0 });

type Body = { model: string; messages: { role: 'user'; content: string }[]; max_tokens?: number };
const body = (model: string, content = 'hi', maxTokens?: number): Body => ({
  model,
  messages: [{ role: 'user', content }],
  ...(maxTokens !== undefined ? { max_tokens: maxTokens } : {}),
});
/** gw's one input estimate of a body the openai SDK sends (util/estimate-tokens.ts). */
const estimate = (b: Body): number => estimateTokens(openaiCodec.requestText(b as unknown as Record<string, unknown>));
/** The budget hold of a request: estimated input plus its max_tokens, at input 1 / output 2 per 1k. */
const hold = (b: Body): number => (estimate(b) * 1 + (b.max_tokens ?? 0) * 2) / 1000;

/** The API error a call rejects with (fails when it resolves). */
async function refusal<E extends Error>(p: Promise<unknown>, cls: new (...a: never[]) => E): Promise<E> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
    return err;
  }
  assert.fail('the request was admitted');
}

/** The message of an OpenAI error body (the SDK's own message prefixes the status). */
const text = (err: InstanceType<typeof OpenAI.APIError>): string => (err.error as { message: string }).message;

const approx = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} ≠ ${b}`);

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'gw-e2e-limits-'));
  upstream = await startUsageUpstream(USAGE);
  await writeFile(join(dir, 'manifests.yaml'), manifests(upstream.url, 0.05));
  await setClock(dir, 0);
  gw = await startLimitsGateway(dir);
});
after(async () => {
  if (skip) return;
  assert.equal(await gw.stop(), 0);
  await upstream.close();
  await rm(dir, { recursive: true, force: true });
});

test(
  'endpoint rpm 3: exactly 3 admitted, the 4th 429 with Retry-After and headers; the window slides with the clock',
  { skip, timeout: 20_000 },
  async () => {
    const c = openai();
    const first = await c.chat.completions.create(body('m-metered')).withResponse();
    assert.equal(first.response.headers.get('x-ratelimit-limit-requests'), '3');
    assert.equal(first.response.headers.get('x-ratelimit-remaining-requests'), '2');
    assert.match(first.response.headers.get('x-ratelimit-reset-requests') ?? '', /^(1m0s|59s)$/);
    // 30 s later (injected): two more fit, the fourth does not until the first leaves the window.
    await setClock(dir, 30_000);
    await until(
      () => live(gw, KEY.app, 'm-metered'),
      (l) => (l.limits[0]?.resetMs ?? 0) <= 30_000,
    );
    for (const left of ['1', '0']) {
      const r = await c.chat.completions.create(body('m-metered')).withResponse();
      assert.equal(r.response.headers.get('x-ratelimit-remaining-requests'), left);
    }
    const before = upstream.requests.length;
    const err = await refusal(c.chat.completions.create(body('m-metered')), OpenAI.RateLimitError);
    assert.equal(err.status, 429);
    assert.equal(err.code, 'GW_ERR_RATE_LIMITED');
    assert.match(err.message, /endpoint metered rpm 3/);
    const retry = Number(err.headers?.get('retry-after'));
    assert.ok(retry >= 29 && retry <= 30, `Retry-After ${retry}: until the first request leaves the window`);
    assert.equal(err.headers?.get('x-ratelimit-limit-requests'), '3');
    assert.equal(err.headers?.get('x-ratelimit-remaining-requests'), '0');
    assert.match(err.headers?.get('x-ratelimit-reset-requests') ?? '', /^(29|30)s$/);
    assert.equal(upstream.requests.length, before, 'a refused request never reaches the upstream');
    // 61 s: only the first request left the window (sliding, not a fixed minute): one fits again.
    await setClock(dir, 61_000);
    await until(
      () => live(gw, KEY.app, 'm-metered'),
      (l) => l.limits[0]?.remaining === 1,
    );
    const again = await c.chat.completions.create(body('m-metered')).withResponse();
    assert.equal(again.response.headers.get('x-ratelimit-remaining-requests'), '0');
    const second = await refusal(c.chat.completions.create(body('m-metered')), OpenAI.RateLimitError);
    const wait = Number(second.headers?.get('retry-after'));
    assert.ok(wait >= 28 && wait <= 29, `Retry-After ${wait}: the two requests of second 30 leave at 90`);
  },
);

test(
  'key rpm: the key is refused by name on any endpoint and never names another key; the tighter limit wins',
  { skip },
  async () => {
    for (let i = 0; i < 2; i++) await openai(KEY.x).chat.completions.create(body('m-open'));
    const err = await refusal(openai(KEY.x).chat.completions.create(body('m-open')), OpenAI.RateLimitError);
    assert.match(err.message, /key acc-x rpm 2/);
    assert.doesNotMatch(JSON.stringify(err.error) + err.message, /acc-y|acc-z|app\b|payer/);
    // acc-y has its own counter: acc-x's use does not show in it.
    const y = await openai(KEY.y).chat.completions.create(body('m-open')).withResponse();
    assert.equal(y.response.headers.get('x-ratelimit-remaining-requests'), '1');
    await openai(KEY.y).chat.completions.create(body('m-open'));
    const ey = await refusal(openai(KEY.y).chat.completions.create(body('m-open')), OpenAI.RateLimitError);
    assert.match(ey.message, /key acc-y rpm 2/);
    assert.doesNotMatch(ey.message, /acc-x/);
    // acc-z (rpm 5) on endpoint tight (rpm 1): the endpoint's limit is the one that refuses.
    const z = await openai(KEY.z).chat.completions.create(body('m-tight')).withResponse();
    assert.equal(z.response.headers.get('x-ratelimit-limit-requests'), '1', 'the headers show the tighter counter');
    const ez = await refusal(openai(KEY.z).chat.completions.create(body('m-tight')), OpenAI.RateLimitError);
    assert.match(ez.message, /endpoint tight rpm 1/);
    // Another key on tight meets the endpoint's count, never acc-z's name.
    const ex = await refusal(openai(KEY.app).chat.completions.create(body('m-tight')), OpenAI.RateLimitError);
    assert.match(ex.message, /endpoint tight rpm 1/);
    assert.doesNotMatch(ex.message, /acc-z/);
  },
);

test(
  'tpm 100: the estimate is reserved, the real usage replaces it, and a request over what is left is refused',
  { skip },
  async () => {
    const c = openai();
    const small = body('m-tokens');
    const r = await c.chat.completions.create(small).withResponse();
    assert.equal(r.response.headers.get('x-ratelimit-limit-tokens'), '100');
    assert.equal(r.response.headers.get('x-ratelimit-remaining-tokens'), String(100 - estimate(small)));
    // The upstream reported 40 + 12 tokens: the reservation becomes 52 once the answer ended.
    const real = USAGE['up-m'].prompt + USAGE['up-m'].completion;
    await until(
      () => live(gw, KEY.app, 'm-tokens'),
      (l) => l.limits[0]?.remaining === 100 - real,
    );
    const big = body('m-tokens', 'x'.repeat(4 * 60));
    assert.ok(estimate(big) > 100 - real && estimate(big) <= 100);
    const err = await refusal(c.chat.completions.create(big), OpenAI.RateLimitError);
    assert.match(
      err.message,
      new RegExp(`endpoint tokens tpm 100 \\(this request needs about ${estimate(big)} tokens, ${100 - real} are left`),
    );
    assert.ok(Number(err.headers?.get('retry-after')) >= 1);
    assert.equal(err.headers?.get('x-ratelimit-remaining-tokens'), String(100 - real));
    const huge = body('m-tokens', 'x'.repeat(4 * 120));
    const never = await refusal(c.chat.completions.create(huge), OpenAI.RateLimitError);
    assert.match(never.message, /more than the limit allows in a minute/);
    // What still fits is admitted: the refusals took nothing.
    const fits = await c.chat.completions.create(small).withResponse();
    assert.equal(fits.response.headers.get('x-ratelimit-remaining-tokens'), String(100 - real - estimate(small)));
  },
);

test('tpm on a stream: the estimate is held while it runs, the real usage counts once it ended', { skip }, async () => {
  // 61 s on: the earlier requests left the tokens window.
  await setClock(dir, 122_000);
  await until(
    () => live(gw, KEY.app, 'm-tokens'),
    (l) => l.limits[0]?.remaining === 100,
  );
  const b = body('m-tokens');
  upstream.hold();
  const started = openai().chat.completions.create({ ...b, stream: true });
  try {
    await until(
      () => live(gw, KEY.app, 'm-tokens'),
      (l) => l.limits[0]?.remaining === 100 - estimate(b),
    );
  } finally {
    upstream.release();
  }
  const stream = await started;
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  assert.equal(text, 'ok');
  await until(
    () => live(gw, KEY.app, 'm-tokens'),
    (l) => l.limits[0]?.remaining === 100 - (USAGE['up-m'].prompt + USAGE['up-m'].completion),
  );
});

test(
  'token cap: 422 GW_ERR_TOKEN_CAP naming the estimate and the cap, before any upstream call',
  { skip },
  async () => {
    const before = upstream.requests.length;
    const b = body('m-capped', 'y'.repeat(80));
    const err = await refusal(openai().chat.completions.create(b), OpenAI.UnprocessableEntityError);
    assert.equal(err.status, 422);
    assert.equal(err.code, 'GW_ERR_TOKEN_CAP');
    assert.match(
      err.message,
      new RegExp(`estimated ${estimate(b)} tokens, over endpoint capped's maxInputTokens of 10`),
    );
    assert.equal(upstream.requests.length, before);
    await openai().chat.completions.create(body('m-capped', 'short'));
  },
);

test('the Anthropic route answers each refusal in its own error shape', { skip }, async () => {
  const a = anthropic();
  const msg = (model: string, content = 'hi'): Anthropic.MessageCreateParamsNonStreaming => ({
    model,
    max_tokens: 16,
    messages: [{ role: 'user', content }],
  });
  await a.messages.create(msg('m-anth'));
  const rl = await refusal(a.messages.create(msg('m-anth')), Anthropic.RateLimitError);
  assert.equal(rl.status, 429);
  assert.equal((rl.error as { type: string }).type, 'error');
  assert.equal((rl.error as { error: { type: string } }).error.type, 'rate_limit_error');
  assert.match((rl.error as { error: { message: string } }).error.message, /endpoint metered-anth rpm 1/);
  assert.ok(Number(rl.headers?.get('retry-after')) >= 1);
  assert.equal(rl.headers?.get('x-ratelimit-remaining-requests'), '0');

  const tpm = await refusal(a.messages.create(msg('m-tokens', 'x'.repeat(4 * 120))), Anthropic.RateLimitError);
  assert.equal((tpm.error as { error: { type: string } }).error.type, 'rate_limit_error');
  assert.match((tpm.error as { error: { message: string } }).error.message, /endpoint tokens tpm 100/);

  const cap = await refusal(a.messages.create(msg('m-capped', 'y'.repeat(80))), Anthropic.UnprocessableEntityError);
  assert.equal(cap.status, 422);
  assert.equal((cap.error as { error: { type: string } }).error.type, 'invalid_request_error');
  assert.match((cap.error as { error: { message: string } }).error.message, /maxInputTokens of 10/);
});

test(
  'a key budget is refused once spent, stating spent and budget; the Anthropic route gets its own shape',
  { skip },
  async () => {
    const c = openai(KEY.payer);
    const b = body('m-paid', 'hi', 10);
    const r = cost(USAGE['up-p']);
    const w = hold(b);
    // $0.05: two fit (0 + w, then r + w), the third does not (2r + w > 0.05).
    assert.ok(r + w <= 0.05 && 2 * r + w > 0.05, 'the fixture arithmetic');
    await c.chat.completions.create(b);
    await c.chat.completions.create(b);
    await until(
      () => live(gw, KEY.payer, 'm-paid'),
      (l) => Math.abs((l.budgets[0]?.spentUsd ?? 0) - 2 * r) < 1e-9 && l.budgets[0]?.heldUsd === 0,
    );
    const before = upstream.requests.length;
    const err = await refusal(c.chat.completions.create(b), OpenAI.UnprocessableEntityError);
    assert.equal(err.code, 'GW_ERR_BUDGET_EXCEEDED');
    const month = monthOf(Date.now() + 122_000);
    assert.equal(
      text(err),
      `key payer spent ${formatUsd(2 * r)} of its $0.05 monthly budget for ${month}; this request may cost up to ${formatUsd(w)}`,
    );
    assert.equal(upstream.requests.length, before);
    const an = await refusal(
      anthropic(KEY.payer).messages.create({
        model: 'm-paid',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      Anthropic.UnprocessableEntityError,
    );
    assert.equal((an.error as { error: { type: string } }).error.type, 'invalid_request_error');
    assert.match(
      (an.error as { error: { message: string } }).error.message,
      /^key payer spent \$0\.04 of its \$0\.05 monthly budget/,
    );
  },
);

test(
  'an endpoint budget: 20 concurrent requests hold at most the budget, so together they cannot overspend it',
  { skip, timeout: 20_000 },
  async () => {
    // Budget $1, each request holds w (estimate + 100 output tokens); the upstream holds every
    // answer, so all admitted requests are in flight together: exactly floor(1 / w) are admitted.
    const b = body('m-budget', 'hi', 100);
    const w = hold(b);
    const k = Math.floor(1 / w);
    assert.ok(k >= 2 && k < 20);
    const before = upstream.requests.length;
    upstream.hold();
    let answered = 0;
    const calls = Array.from({ length: 20 }, () =>
      openai()
        .chat.completions.create(b)
        .then(
          () => 'ok' as const,
          (err: unknown) => err,
        )
        .finally(() => answered++),
    );
    try {
      // Every request decided: refused (answered) or admitted (held at the upstream).
      const inFlight = (): number => upstream.requests.length - before;
      await until(
        async () => answered + inFlight(),
        (n) => n === 20,
        10_000,
      );
      assert.equal(inFlight(), k, `${k} requests of $${w} fit in $1 at once`);
      const l = await live(gw, KEY.app, 'm-budget');
      approx(l.budgets[0]?.heldUsd ?? 0, k * w, 'held while in flight');
      assert.ok((l.budgets[0]?.heldUsd ?? 0) <= 1, 'what is held never passes the budget');
    } finally {
      upstream.release();
    }
    const results = await Promise.all(calls);
    const admitted = results.filter((x) => x === 'ok').length;
    assert.equal(admitted, k);
    for (const e of results.filter((x) => x !== 'ok')) {
      assert.ok(e instanceof OpenAI.UnprocessableEntityError);
      assert.equal(e.code, 'GW_ERR_BUDGET_EXCEEDED');
      // Refused only when k holds are in: held is then exactly k × w.
      assert.equal(
        text(e),
        `endpoint pricey spent $0.00 (+ ${formatUsd(k * w)} held by requests in flight) of its $1.00 monthly budget ` +
          `for ${monthOf(Date.now() + 122_000)}; this request may cost up to ${formatUsd(w)}`,
      );
    }
    assert.equal(upstream.requests.length, before + k);
    // Reconciled: each admitted request's real cost (under its hold) is what was spent.
    const done = await until(
      () => live(gw, KEY.app, 'm-budget'),
      (x) => x.budgets[0]?.heldUsd === 0,
    );
    approx(done.budgets[0]?.spentUsd ?? -1, k * cost(USAGE['up-b']), 'spent');
    assert.ok((done.budgets[0]?.spentUsd ?? 2) <= 1);
  },
);

test(
  'a reload (SIGHUP) keeps spend and rate counters, a changed limit applies at once; a restart keeps spend',
  { skip, timeout: 40_000 },
  async () => {
    const b = body('m-paid', 'hi', 10);
    const r = cost(USAGE['up-p']);
    const spentBefore = (await live(gw, KEY.payer, 'm-paid')).budgets[0]?.spentUsd ?? -1;
    approx(spentBefore, 2 * r, 'spent before the reload');
    // One request in metered's window (rpm 3) before the reload.
    await until(
      () => live(gw, KEY.app, 'm-metered'),
      (l) => l.limits[0]?.remaining === 3,
    );
    await openai().chat.completions.create(body('m-metered'));
    // Reload with the budget raised to $0.10 and metered's rpm to 4: the spend and the request
    // counted carry over, the new limit applies, and one more request fits the budget.
    const rev = await revision(gw);
    await writeFile(join(dir, 'manifests.yaml'), manifests(upstream.url, 0.1, 4));
    kill(gw.child.pid as number, 'SIGHUP');
    // The reload builds in a worker thread: slow to start on a busy machine.
    await until(
      () => revision(gw),
      (n) => n !== rev,
      15_000,
    );
    const afterReload = (await live(gw, KEY.payer, 'm-paid')).budgets[0];
    assert.equal(afterReload?.budgetUsd, 0.1);
    approx(afterReload?.spentUsd ?? -1, 2 * r, 'spent after the reload');
    const rate = (await live(gw, KEY.app, 'm-metered')).limits[0];
    assert.deepEqual([rate?.limit, rate?.remaining], [4, 3], 'the counter is kept, the new limit applies');
    await openai(KEY.payer).chat.completions.create(b);
    await until(
      () => live(gw, KEY.payer, 'm-paid'),
      (l) => Math.abs((l.budgets[0]?.spentUsd ?? 0) - 3 * r) < 1e-9,
    );
    // Restart: a new process reads the spend back from SQLite.
    assert.equal(await gw.stop(), 0);
    gw = await startLimitsGateway(dir);
    approx((await live(gw, KEY.payer, 'm-paid')).budgets[0]?.spentUsd ?? -1, 3 * r, 'spent after the restart');
    const w = hold(b);
    assert.ok(4 * r + w > 0.1 && 3 * r + w <= 0.1, 'the fixture arithmetic');
    await openai(KEY.payer).chat.completions.create(b);
    const err = await refusal(openai(KEY.payer).chat.completions.create(b), OpenAI.UnprocessableEntityError);
    assert.match(text(err), new RegExp(`^key payer spent \\${formatUsd(4 * r)} of its \\$0\\.10 monthly budget`));
  },
);

test(
  'the budget month follows the clock: a new UTC month starts from nothing; a stream is held until it ended',
  { skip },
  async () => {
    const now = new Date(Date.now() + 122_000);
    const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1, 0, 0, 5);
    await setClock(dir, next - Date.now());
    const l = await until(
      () => live(gw, KEY.payer, 'm-paid'),
      (x) => x.budgets[0]?.month === monthOf(next),
    );
    assert.equal(l.budgets[0]?.spentUsd, 0);
    const b = body('m-paid', 'hi', 10);
    upstream.hold();
    const started = openai(KEY.payer).chat.completions.create({ ...b, stream: true });
    try {
      // In flight: the worst case is held, nothing is spent yet.
      await until(
        () => live(gw, KEY.payer, 'm-paid'),
        (x) => Math.abs((x.budgets[0]?.heldUsd ?? 0) - hold(b)) < 1e-9 && x.budgets[0]?.spentUsd === 0,
      );
    } finally {
      upstream.release();
    }
    for await (const chunk of await started) void chunk;
    // Ended: the hold is gone and the real cost (from the stream's usage) is spent.
    await until(
      () => live(gw, KEY.payer, 'm-paid'),
      (x) => Math.abs((x.budgets[0]?.spentUsd ?? 0) - cost(USAGE['up-p'])) < 1e-9 && x.budgets[0]?.heldUsd === 0,
    );
  },
);
