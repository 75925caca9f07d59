// The starter config that `gw init` writes: a gateway.yaml and three manifests that serve with
// no secrets (the built-in mock provider) and one caller key whose plaintext is never written.
import { createHash, randomBytes } from 'node:crypto';

export interface CallerKey {
  /** Shown once to the user; never written to a file. */
  readonly plaintext: string;
  /** `sha256:` + 64 lowercase hex digits of the plaintext, as ApiKey.spec.keyHash wants it. */
  readonly hash: string;
}

export interface StarterFile {
  /** Relative to the init directory, with forward slashes. */
  readonly path: string;
  readonly content: string;
}

export interface StarterOptions {
  readonly keyHash: string;
  /** The proxy port; the admin API listens on the next one. */
  readonly port: number;
  /** The bundled JSON Schema, written into the project so the modelines survive a clone. */
  readonly schema: string;
}

/** Where init puts the schema, and how the modelines reach it from each folder. */
export const SCHEMA_NAME = 'gw.schema.json';

/** Not the quick start's 3000/3001, so both can run side by side. */
export const DEFAULT_INIT_PORT = 4000;

/** sha256 of the whole key string (prefix included), in ApiKey keyHash form. */
export function hashCallerKey(plaintext: string): string {
  return `sha256:${createHash('sha256').update(plaintext, 'utf8').digest('hex')}`;
}

/** 32 random bytes (256 bits) as base64url, prefixed so leaked keys are recognisable. */
export function generateCallerKey(): CallerKey {
  const plaintext = `gw-${randomBytes(32).toString('base64url')}`;
  return { plaintext, hash: hashCallerKey(plaintext) };
}

const modeline = (schemaPath: string): string => `# yaml-language-server: $schema=${schemaPath}\n`;

function gatewayYaml(o: StarterOptions): string {
  return `${modeline(`./${SCHEMA_NAME}`)}# gw settings. Start with \`gw serve\` in this folder (or \`gw serve -c <this file>\`).
apiVersion: gw/v1
kind: Gateway
metadata:
  name: local                    # a label for this gateway instance
spec:
  proxy:
    listen: 127.0.0.1:${o.port}       # host:port for callers (OpenAI/Anthropic APIs, /api, /proxy)
    maxBodyBytes: 10485760       # 10 MiB; larger request bodies get 413
  admin:
    listen: 127.0.0.1:${o.port + 1}       # host:port for /admin/v1/* and /metrics
    key: \${env:GW_ADMIN_KEY:-}   # admin key (32+ characters) from the environment; unset = loopback only, no key
  manifests:                     # files, folders and globs, relative to this file
    - manifests
  storage:
    sqlite: ./.gw/gw.db          # usage log, revisions and spend; keep .gw/ out of Git
  limits:
    backend: memory              # where rate-limit counters live (in this process)
  log:
    level: info                  # trace | debug | info | warn | error | fatal | silent
`;
}

function providerYaml(o: StarterOptions): string {
  return `${modeline(`../${SCHEMA_NAME}`)}# The built-in mock provider answers inside gw: no network, no secrets. For a real upstream:
#   spec: { type: openai, baseUrl: https://api.openai.com/v1, auth: { bearer: \${env:OPENAI_API_KEY} } }
apiVersion: gw/v1
kind: Provider
metadata:
  name: mock                     # endpoints refer to it as \`provider: mock\`
spec:
  type: mock                     # openai | anthropic | http | mock
  mock:
    reply: "mock reply: {{input}}"   # {{input}} is the caller's last user message
`;
}

function endpointYaml(o: StarterOptions): string {
  return `${modeline(`../${SCHEMA_NAME}`)}# What callers address: send \`model: fast\`, \`model: smart\` or \`model: chat\` to /v1/chat/completions.
apiVersion: gw/v1
kind: Endpoint
metadata:
  name: chat                     # lowercase letters, digits and '-'; unique per kind and workspace
spec:
  type: chat                     # chat (LLM traffic) | proxy (transparent HTTP)
  description: Starter chat endpoint on the mock provider   # free text for people and listings
  routing:
    strategy: fallback           # try targets in order; loadbalance spreads them by weight
    targets:
      - provider: mock           # a Provider name from this workspace
        models:                  # exposed model name -> upstream model name
          fast: mock-fast        # callers send model: fast
          smart: mock-smart      # callers send model: smart
  defaultModel: fast             # used when the caller sends the endpoint name as the model
  limits:
    rpm: 60                      # requests per minute on this endpoint (a sliding window)
`;
}

function apiKeyYaml(o: StarterOptions): string {
  return `${modeline(`../${SCHEMA_NAME}`)}# A caller key. Only its hash is here: the key itself was printed once by \`gw init\`.
# Make more with \`gw keys create --name <name>\`.
apiVersion: gw/v1
kind: ApiKey
metadata:
  name: starter                  # shows up in the usage log
spec:
  keyHash: ${o.keyHash}   # sha256 of the key
  roles: [editor]                # admin | reviewer | editor | auditor
  scopes: [chat]                 # chat | admin | mcp
  limits:
    rpm: 100                     # requests per minute for this key (a sliding window)
`;
}

const GITIGNORE = `# gw's local state: the SQLite file (usage log, revisions, spend) and its -wal/-shm files.
.gw/
`;

/** The files `gw init` writes, in the order it writes them. */
export function starterFiles(o: StarterOptions): StarterFile[] {
  return [
    { path: 'gateway.yaml', content: gatewayYaml(o) },
    { path: 'manifests/provider.yaml', content: providerYaml(o) },
    { path: 'manifests/endpoint.yaml', content: endpointYaml(o) },
    { path: 'manifests/apikey.yaml', content: apiKeyYaml(o) },
    { path: SCHEMA_NAME, content: o.schema },
    { path: '.gitignore', content: GITIGNORE },
  ];
}
