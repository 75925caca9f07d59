// An in-process gw for the dialect tests: an OpenAI-type and an Anthropic-type provider (both
// fake, on 127.0.0.1), one endpoint that serves a model through each, one whose first target is
// an overloaded Anthropic model with an OpenAI fallback, and one with params and a prompt.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../../src/config/build.js';
import { createGateway } from '../../src/serve/server.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { UsageLog } from '../../src/telemetry/usage-log.js';
import type { StoredUsageRow } from '../../src/telemetry/usage-row.js';
import { executeChat, executeEmbeddings } from '../../src/upstream/execute.js';
import { PoolRegistry } from '../../src/upstream/pool.js';
import { sha } from '../helpers/gw.js';

export const CALLER_KEY = 'gw-dialects-test-key';
export const OPENAI_UPSTREAM_KEY = 'sk-openai-upstream-secret';
export const ANTHROPIC_UPSTREAM_KEY = 'sk-ant-upstream-secret';

export function manifests(openaiUrl: string, anthropicUrl: string): string {
  return `apiVersion: gw/v1
kind: Provider
metadata: { name: oai }
spec:
  type: openai
  baseUrl: ${openaiUrl}/v1
  auth: { bearer: "\${env:GW_TEST_OAI_KEY:-${OPENAI_UPSTREAM_KEY}}" }
  timeout: 5s
  models: { gpt-up: { inputPer1k: 1, outputPer1k: 2 } }
---
apiVersion: gw/v1
kind: Provider
metadata: { name: ant }
spec:
  type: anthropic
  baseUrl: ${anthropicUrl}/v1
  auth: { header: { name: x-api-key, value: "\${env:GW_TEST_ANT_KEY:-${ANTHROPIC_UPSTREAM_KEY}}" } }
  timeout: 5s
  models: { claude-up: { inputPer1k: 3, outputPer1k: 15 } }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: mixed }
spec:
  type: chat
  routing:
    targets:
      - provider: oai
        models: { gpt: gpt-up, gpt-broken: gpt-break }
      - provider: ant
        models: { claude: claude-up, jammed: claude-busy }
  defaultModel: claude
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: spill }
spec:
  type: chat
  routing:
    targets:
      - provider: ant
        models: { busy: claude-busy }
      - provider: oai
        models: { busy: gpt-up }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: briefed }
spec:
  type: chat
  routing:
    targets:
      - provider: ant
        models: { claude-brief: claude-up }
      - provider: oai
        models: { gpt-brief: gpt-up }
  params: { temperature: 0.1, stop: [END] }
  prompt: { system: "House rules.", template: "Q: {{input}}" }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: app }
spec: { keyHash: "${sha(CALLER_KEY)}", roles: [editor], scopes: [chat] }
`;
}

const GATEWAY = `apiVersion: gw/v1
kind: Gateway
metadata: { name: dialects }
spec:
  proxy: { listen: 127.0.0.1:0, maxBodyBytes: 65536 }
  manifests: [manifests]
  storage: { sqlite: ./gw.db, flushInterval: 20ms }
  log: { level: warn }
  shutdown: { drainTimeout: 2s }
`;

export interface DialectGateway {
  readonly url: string;
  /** The usage row of one request, once it is written (rows are recorded after the answer ends). */
  row(requestId: string | null): Promise<StoredUsageRow>;
  stop(): Promise<void>;
}

export async function startDialectGateway(openaiUrl: string, anthropicUrl: string): Promise<DialectGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'gw-dialects-'));
  await mkdir(join(dir, 'manifests'));
  await writeFile(join(dir, 'manifests', 'all.yaml'), manifests(openaiUrl, anthropicUrl));
  const configPath = join(dir, 'gateway.yaml');
  await writeFile(configPath, GATEWAY);
  const built = await buildConfig({ configPath });
  if (!built.ok) throw new Error(`test config invalid: ${JSON.stringify(built.diagnostics, null, 1)}`);
  const logger = createLogger({ level: 'warn', destination: { write: () => undefined } });
  const usageLog = UsageLog.open(built.settings.storage.sqlitePath, { flushIntervalMs: 10 });
  const gateway = createGateway({
    settings: built.settings,
    table: built.table,
    usageLog,
    logger,
    pools: new PoolRegistry(),
    upstream: { executeChat, executeEmbeddings },
  });
  const url = await gateway.listen();
  return {
    url,
    async row(requestId) {
      for (let i = 0; i < 200; i++) {
        usageLog.flush();
        const row = usageLog.recent({ limit: 100 }).find((r) => r.requestId === requestId);
        if (row !== undefined) return row;
        await new Promise((done) => setTimeout(done, 5));
      }
      throw new Error(`no usage row for request ${String(requestId)}`);
    },
    stop: async () => {
      await gateway.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
