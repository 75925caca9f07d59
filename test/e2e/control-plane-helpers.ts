// Real `gw serve` processes for the control-plane CLI tests: free ports, a temp gateway.yaml with
// no manifests (the config comes from `gw apply`), the listening line awaited, and a chat request
// that proves which routing is in service. Needs `npm run build` (bin/gw runs dist/).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha, freePort, startServe, type ServingGw } from '../helpers/gw.js';

export const ADMIN_KEY = 'gw-e2e-admin-key-c2-0123456789abcdef';
export const CALLER_KEY = 'gw-e2e-caller-key-c2';

export { freePort };

/** Provider `mock-llm` replying `reply`, endpoint `support-bot` exposing `fast`, key `support-app`. */
export function manifestsYaml(reply: string): string {
  return `apiVersion: gw/v1
kind: Provider
metadata: { name: mock-llm }
spec:
  type: mock
  mock: { reply: "${reply}" }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: support-bot }
spec:
  type: chat
  routing:
    targets:
      - provider: mock-llm
        models: { fast: mock-1 }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: support-app }
spec:
  keyHash: ${sha(CALLER_KEY)}
  allow: { endpoints: [support-bot] }
`;
}

export type RunningGateway = ServingGw;

/** Writes dir/gateway.yaml (no manifests; admin key from GW_ADMIN_KEY) and starts gw serve there. */
export async function startGateway(dir: string, env: Record<string, string> = {}): Promise<RunningGateway> {
  const [proxyPort, adminPort] = [await freePort(), await freePort()];
  await writeFile(
    join(dir, 'gateway.yaml'),
    `apiVersion: gw/v1
kind: Gateway
metadata: { name: c2-e2e }
spec:
  proxy: { listen: 127.0.0.1:${proxyPort} }
  admin: { listen: 127.0.0.1:${adminPort}, key: "\${env:GW_ADMIN_KEY}" }
  storage: { sqlite: ./state/gw.db, flushInterval: 20ms }
  log: { level: warn }
  shutdown: { drainTimeout: 2s }
`,
  );
  return startServe(dir, { proxy: proxyPort, admin: adminPort }, { GW_ADMIN_KEY: ADMIN_KEY, ...env });
}

/** The reply the gateway gives to one chat request on `model` (or the error code). */
export async function chat(proxyUrl: string, model = 'fast'): Promise<{ status: number; text: string }> {
  const res = await fetch(`${proxyUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CALLER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'which routing?' }] }),
  });
  const body = (await res.json()) as { choices?: { message: { content: string } }[]; error?: { code: string } };
  return { status: res.status, text: body.choices?.[0]?.message.content ?? body.error?.code ?? '' };
}
