// Manifests shared by the `gw route` binary test and the access-decision unit test: one
// endpoint with every kind of target and policy, and keys in each state.
import { sha } from '../helpers/gw.js';

export { sha };
export const KEYS = {
  app: 'gw-route-app',
  expired: 'gw-route-expired',
  disabled: 'gw-route-disabled',
  noscope: 'gw-route-noscope',
};

export const MANIFESTS = `apiVersion: gw/v1
kind: Provider
metadata: { name: local }
spec:
  type: mock
  models:
    local-fast: { inputPer1k: 0.1, outputPer1k: 0.2 }
    local-smart: { inputPer1k: 1, outputPer1k: 2 }
    tiny: { inputPer1k: 0.01, outputPer1k: 0.02 }
---
apiVersion: gw/v1
kind: Provider
metadata: { name: cloud }
spec:
  type: openai
  baseUrl: http://127.0.0.1:9/v1
  auth: { bearer: "\${env:GW_ROUTE_TEST_UNSET_SECRET}" }
  timeout: 30s
  models: { gpt-4o-mini: { inputPer1k: 0.15, outputPer1k: 0.6 } }
---
apiVersion: gw/v1
kind: Guardrail
metadata: { name: pii }
spec:
  stage: input
  action: mask
  rules: [{ pii: [email] }]
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: support }
spec:
  type: chat
  description: Support replies
  timeout: 20s
  routing:
    strategy: fallback
    retries: { attempts: 2, backoff: 200ms }
    fallbackOn: [timeout, 5xx]
    targets:
      - provider: local
        models: { fast: local-fast, smart: local-smart }
      - provider: cloud
        models: { fast: gpt-4o-mini }
        weight: 3
      - endpoint: backup
        models: { fast: small }
  defaultModel: fast
  params: { temperature: 0.2 }
  lockParams: true
  prompt: { system: You answer support tickets. }
  limits: { rpm: 60, monthlyBudgetUsd: 50 }
  guardrails: [pii]
  streaming: false
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: backup }
spec:
  type: chat
  routing:
    targets:
      - provider: local
        models: { small: tiny }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: internal }
spec:
  type: chat
  allowedRoles: [admin]
  routing:
    targets:
      - provider: local
        models: { secret: local-secret }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: app }
spec:
  keyHash: ${sha(KEYS.app)}
  roles: [editor]
  allow: { models: [fast, small] }
  limits: { rpm: 100 }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: old }
spec:
  keyHash: ${sha(KEYS.expired)}
  expiresAt: 2020-01-01T00:00:00Z
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: off }
spec:
  keyHash: ${sha(KEYS.disabled)}
  enabled: false
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: tools }
spec:
  keyHash: ${sha(KEYS.noscope)}
  scopes: [mcp]
`;
