// A real `gw serve` for the status page's browser test and the README screenshots: two
// workspaces, endpoints with every badge (streaming, rate limit, fallback, guardrails, MCP,
// sessions, disabled, proxy), an OpenAI-compatible fake upstream on 127.0.0.1 whose key comes
// from ${env:UI_UPSTREAM_KEY}, and an endpoint description holding a <script> tag.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUpstream, type FakeUpstream } from '../serve/helpers.js';
import { freePort, sha, startServe, type ServingGw } from './gw.js';

export const UI_ADMIN_KEY = 'gw-ui-admin-key-0123456789abcdefghij';
export const UI_CALLER_KEY = 'gw-ui-caller-key-0123456789';
/** The upstream's key: given to gw through ${env:UI_UPSTREAM_KEY}; must appear on no page. */
export const UI_UPSTREAM_SECRET = 'sk-ui-upstream-SECRET-5f1d2c3b4a';
export const INJECTED_DESCRIPTION = 'Answers <script>window.__pwned = 1</script> questions & "more"';

/** Every endpoint and the badges the list must show for it. */
export const UI_ENDPOINTS: Readonly<Record<string, readonly string[]>> = {
  'default/support-bot': ['streaming', 'rate-limit', 'fallback', 'guardrails', 'mcp'],
  'default/ticket-triage': ['rate-limit', 'mcp'],
  'default/legacy-bot': ['off', 'streaming'],
  'default/raw-api': ['proxy', 'rate-limit'],
  'research/notes': ['streaming', 'loadbalance', 'sessions'],
};

function manifests(upstream: string): string {
  const provider = (name: string, ws: string): string => `apiVersion: gw/v1
kind: Provider
metadata: { name: ${name}, workspace: ${ws} }
spec:
  type: openai
  baseUrl: ${upstream}/v1
  auth: { bearer: "\${env:UI_UPSTREAM_KEY}" }
  models:
    gpt-4o-mini: { inputPer1k: 0.15, outputPer1k: 0.6 }
    gpt-4o: { inputPer1k: 2.5, outputPer1k: 10 }
---
`;
  return `${provider('openai-main', 'default')}${provider('openai-backup', 'default')}${provider('openai-lab', 'research')}${provider('openai-lab-2', 'research')}apiVersion: gw/v1
kind: Provider
metadata: { name: raw-http }
spec:
  type: http
  baseUrl: ${upstream}/raw
  auth: { header: { name: x-api-key, value: "\${env:UI_UPSTREAM_KEY}" } }
---
apiVersion: gw/v1
kind: Guardrail
metadata: { name: no-secrets }
spec:
  stage: input
  action: block
  rules:
    - keywords: [internal-only]
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: support-bot }
spec:
  type: chat
  description: '${INJECTED_DESCRIPTION}'
  routing:
    strategy: fallback
    targets:
      - provider: openai-main
        models: { fast: gpt-4o-mini }
      - provider: openai-backup
        models: { fast: gpt-4o-mini }
    fallbackOn: [timeout, connect, "5xx"]
  limits: { rpm: 600, monthlyBudgetUsd: 50 }
  guardrails: [no-secrets]
  streaming: true
  mcp: { expose: true, description: Answer a support question. }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: ticket-triage }
spec:
  type: chat
  description: Classifies a ticket
  routing:
    targets:
      - provider: openai-main
        models: { triage: gpt-4o-mini }
  prompt:
    system: You triage support tickets. Reply with JSON only.
  schema:
    input: { type: object, required: [subject], properties: { subject: { type: string } } }
  limits: { rph: 3000 }
  streaming: false
  mcp: { expose: true }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: legacy-bot }
spec:
  type: chat
  enabled: false
  routing:
    targets:
      - provider: openai-backup
        models: { legacy: gpt-3.5-turbo }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: raw-api }
spec:
  type: proxy
  provider: raw-http
  limits: { rpm: 60 }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: notes, workspace: research }
spec:
  type: chat
  routing:
    strategy: loadbalance
    targets:
      - provider: openai-lab
        models: { notes: gpt-4o }
        weight: 3
      - provider: openai-lab-2
        models: { notes: gpt-4o }
        weight: 1
  sessions: { ttl: 1h }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: ui-app }
spec:
  keyHash: ${sha(UI_CALLER_KEY)}
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: ui-app, workspace: research }
spec:
  keyHash: ${sha(UI_CALLER_KEY + '-research')}
`;
}

export interface UiGateway {
  readonly gw: ServingGw;
  readonly upstream: FakeUpstream;
  readonly dir: string;
  /** One chat completion through the proxy; resolves with the HTTP status and the request id. */
  chat(
    model: string,
    opts?: { workspace?: 'research'; failUpstream?: boolean },
  ): Promise<{ status: number; requestId: string }>;
  close(): Promise<void>;
}

export async function startUiGateway(): Promise<UiGateway> {
  const upstream = await startUpstream((r, res) => {
    const model = String(r.body['model'] ?? '');
    const fail = JSON.stringify(r.body['messages'] ?? '').includes('please fail');
    setTimeout(
      () => {
        if (fail) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: 'upstream broke', type: 'server_error' } }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'chatcmpl-ui',
            object: 'chat.completion',
            created: 1,
            model,
            choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
          }),
        );
      },
      5 + Math.floor(Math.random() * 20),
    );
  });
  const dir = await mkdtemp(join(tmpdir(), 'gw-ui-'));
  const [proxyPort, adminPort] = [await freePort(), await freePort()];
  await writeFile(join(dir, 'manifests.yaml'), manifests(upstream.url));
  await writeFile(
    join(dir, 'gateway.yaml'),
    `apiVersion: gw/v1
kind: Gateway
metadata: { name: ui-e2e }
spec:
  proxy: { listen: 127.0.0.1:${proxyPort} }
  admin: { listen: 127.0.0.1:${adminPort}, key: "\${env:GW_ADMIN_KEY}" }
  manifests: [manifests.yaml]
  storage: { sqlite: ./state/gw.db, flushInterval: 20ms }
  log: { level: warn }
  shutdown: { drainTimeout: 2s }
`,
  );
  const gw = await startServe(
    dir,
    { proxy: proxyPort, admin: adminPort },
    { GW_ADMIN_KEY: UI_ADMIN_KEY, UI_UPSTREAM_KEY: UI_UPSTREAM_SECRET },
  );
  return {
    gw,
    upstream,
    dir,
    async chat(model, opts = {}) {
      const key = opts.workspace === 'research' ? `${UI_CALLER_KEY}-research` : UI_CALLER_KEY;
      const res = await fetch(`${gw.proxyUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model,
          messages: [{ role: 'user', content: opts.failUpstream === true ? 'please fail' : 'hello' }],
        }),
      });
      await res.arrayBuffer();
      return { status: res.status, requestId: res.headers.get('x-request-id') ?? '' };
    },
    async close() {
      await gw.stop();
      await upstream.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
