// Real `gw serve` processes for the limits tests: a temp folder with gateway.yaml (proxy, admin,
// SQLite) and one manifests file, an OpenAI-type upstream on 127.0.0.1 that reports a fixed usage
// per upstream model (so costs are known) and can hold its answers until released, the injected
// clock (GW_TEST_CLOCK_FILE, src/util/clock.ts) and the admin API's live readings. Needs
// `npm run build` (bin/gw runs dist/).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort, sha, startServe, type ServingGw } from '../helpers/gw.js';
import { startUpstream, type FakeUpstream } from '../serve/helpers.js';

export const ADMIN_KEY = 'gw-e2e-limits-admin-key-0123456789abcdef';

/** Prompt and completion tokens the upstream reports, per upstream model. */
export type UsageByModel = Readonly<Record<string, { readonly prompt: number; readonly completion: number }>>;

export interface HeldUpstream extends FakeUpstream {
  /** Holds every answer from now on until release() (the requests are recorded as they arrive). */
  hold(): void;
  /** Answers every held request and stops holding. */
  release(): void;
  /** Resolves once `n` requests in all have reached the upstream. */
  received(n: number): Promise<void>;
}

/** An OpenAI chat-completions upstream answering "ok" (streamed when asked) with the usage of `usage[model]`. */
export async function startUsageUpstream(usage: UsageByModel): Promise<HeldUpstream> {
  let holding = false;
  let held: (() => void)[] = [];
  const waiters: { n: number; done: () => void }[] = [];
  let count = 0;
  const up = await startUpstream((r, res) => {
    count++;
    for (const w of waiters.filter((x) => count >= x.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.done();
    }
    const model = String(r.body['model']);
    const u = usage[model] ?? { prompt: 1, completion: 1 };
    const usageJson = {
      prompt_tokens: u.prompt,
      completion_tokens: u.completion,
      total_tokens: u.prompt + u.completion,
    };
    const answer = (): void => {
      if (r.body['stream'] === true) {
        // OpenAI's stream shape: a role chunk, a content chunk, the finish, then a usage chunk.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const chunk = (choices: unknown[], usage?: unknown): string =>
          `data: ${JSON.stringify({ id: 'chatcmpl-limits', object: 'chat.completion.chunk', created: 1, model, choices, ...(usage !== undefined ? { usage } : {}) })}\n\n`;
        res.write(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
        res.write(chunk([{ index: 0, delta: { content: 'ok' }, finish_reason: null }]));
        res.write(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]));
        res.write(chunk([], usageJson));
        res.end('data: [DONE]\n\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'chatcmpl-limits',
          object: 'chat.completion',
          created: 1,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
          usage: usageJson,
        }),
      );
    };
    if (holding) held.push(answer);
    else answer();
  });
  return {
    ...up,
    hold: () => void (holding = true),
    release: () => {
      holding = false;
      const all = held;
      held = [];
      for (const a of all) a();
    },
    received: (n) => (count >= n ? Promise.resolve() : new Promise((done) => waiters.push({ n, done }))),
  };
}

export type LimitsGateway = ServingGw;

/**
 * Writes dir/gateway.yaml (manifests: [manifests.yaml], SQLite at dir/state/gw.db) and starts
 * gw serve there with GW_TEST_CLOCK_FILE=dir/clock. The ports are fresh on every start.
 */
export async function startLimitsGateway(dir: string): Promise<LimitsGateway> {
  const [proxyPort, adminPort] = [await freePort(), await freePort()];
  await writeFile(
    join(dir, 'gateway.yaml'),
    `apiVersion: gw/v1
kind: Gateway
metadata: { name: limits-e2e }
spec:
  proxy: { listen: 127.0.0.1:${proxyPort} }
  admin: { listen: 127.0.0.1:${adminPort}, key: "\${env:GW_ADMIN_KEY}" }
  manifests: [manifests.yaml]
  storage: { sqlite: ./state/gw.db, flushInterval: 20ms }
  log: { level: warn }
  shutdown: { drainTimeout: 2s }
`,
  );
  return startServe(
    dir,
    { proxy: proxyPort, admin: adminPort },
    { GW_ADMIN_KEY: ADMIN_KEY, GW_TEST_CLOCK_FILE: join(dir, 'clock') },
  );
}

export interface LiveLimit {
  readonly subject: 'key' | 'endpoint';
  readonly name: string;
  readonly kind: string;
  readonly limit: number;
  readonly remaining: number;
  readonly resetMs: number;
}

export interface LiveBudget {
  readonly subject: 'key' | 'endpoint';
  readonly name: string;
  readonly month: string;
  readonly budgetUsd: number;
  readonly spentUsd: number;
  readonly heldUsd: number;
  readonly remainingUsd: number;
}

/** POST /admin/v1/route: what each limit and budget for `callerKey` on `model` has left now (takes nothing). */
export async function live(
  gw: LimitsGateway,
  callerKey: string,
  model: string,
): Promise<{ limits: LiveLimit[]; budgets: LiveBudget[] }> {
  const res = await fetch(`${gw.adminUrl}/admin/v1/route`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ keyHash: sha(callerKey), model }),
  });
  if (res.status !== 200) throw new Error(`admin route answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { live: { limits: LiveLimit[]; budgets: LiveBudget[] } }).live;
}

/**
 * Polls `read` until `ok` holds (the gateway follows files and settles counters asynchronously);
 * fails with the last value after `ms`.
 */
export async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms; last: ${JSON.stringify(v)}`);
    await delay(20);
  }
}

/** Moves the gateway's clock to `offsetMs` ahead of real time (the file its clock follows). */
export function setClock(dir: string, offsetMs: number): Promise<void> {
  return writeFile(join(dir, 'clock'), String(offsetMs));
}

/** The revision in service (files mode: each reload that changes the config makes one). */
export async function revision(gw: LimitsGateway): Promise<number | null> {
  const res = await fetch(`${gw.adminUrl}/admin/v1/config`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  return ((await res.json()) as { revision: number | null }).revision;
}
