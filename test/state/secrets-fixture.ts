// Manifests with credentials written every way: literal, as references, with fallbacks, in URLs.

export const SECRET_LIVE = `
apiVersion: gw/v1
kind: Provider
metadata: { name: openai-prod }
spec:
  type: openai
  baseUrl: https://svc:hunter2-url-pass@llm.internal/v1
  auth: { bearer: sk-live-AAAA1111 }
  headers:
    Authorization: Bearer sk-header-BBBB2222
    x-api-key: "\${env:UPSTREAM_KEY:-sk-fallback-CCCC3333}"
    OpenAI-Organization: org-123
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: files }
spec:
  type: proxy
  provider: files-http
  auth: { header: { name: x-api-key, value: literal-DDDD4444 } }
`;

export const SECRET_DESIRED = `
apiVersion: gw/v1
kind: Provider
metadata: { name: openai-prod }
spec:
  type: openai
  baseUrl: "https://svc:\${env:URL_PASS}@llm.internal/v1"
  auth: { bearer: "\${env:OPENAI_API_KEY}" }
  headers:
    x-api-key: "\${env:UPSTREAM_KEY}"
    X-Auth-Token: tok-EEEE5555
    OpenAI-Organization: org-456
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: files }
spec:
  type: proxy
  provider: files-http
  auth: { header: { name: x-api-key, value: literal-FFFF6666 } }
---
apiVersion: gw/v1
kind: Provider
metadata: { name: files-http }
spec: { type: http, baseUrl: https://files.internal, auth: { bearer: "Bearer-less-GGGG7777" } }
`;

export const LITERAL_SECRETS = [
  'hunter2-url-pass',
  'sk-live-AAAA1111',
  'sk-header-BBBB2222',
  'sk-fallback-CCCC3333',
  'literal-DDDD4444',
  'tok-EEEE5555',
  'literal-FFFF6666',
  'Bearer-less-GGGG7777',
];
