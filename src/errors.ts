// One table of every failure gw reports, with a stable code. Manifest problems become
// Diagnostics (file:line:col) and request failures become HTTP answers; both read this table,
// so a code means the same thing everywhere. README.md lists every code (a test checks it).

export type ErrorArea = 'manifest' | 'request' | 'cli';

export interface ErrorInfo {
  readonly area: ErrorArea;
  /** HTTP status for request errors. */
  readonly status?: number;
  /** OpenAI-style error type for request errors. */
  readonly type?: string;
  readonly summary: string;
}

const m = (summary: string): ErrorInfo => ({ area: 'manifest', summary });
const r = (status: number, type: string, summary: string): ErrorInfo => ({ area: 'request', status, type, summary });

export const ERRORS = {
  // --- manifests: reading and parsing
  GW_ERR_MANIFEST_NOT_FOUND: m('a manifest path matches no file'),
  GW_ERR_MANIFEST_READ: m('a manifest file cannot be read'),
  GW_ERR_MANIFEST_TOO_LARGE: m('a manifest file is larger than the loader accepts'),
  GW_ERR_MANIFEST_BINARY: m('a manifest file is not text'),
  GW_ERR_MANIFEST_EMPTY: m('a manifest file holds no document'),
  GW_ERR_MANIFEST_PARSE: m('YAML syntax error (tabs, bad indentation, unclosed quotes, ...)'),
  GW_ERR_MANIFEST_DUPLICATE_KEY: m('a mapping has the same key twice'),
  GW_ERR_MANIFEST_NOT_OBJECT: m('a document is not a mapping'),
  GW_ERR_MANIFEST_TOO_DEEP: m('YAML nesting is deeper than the loader accepts, or aliases expand too far'),
  // --- manifests: schema
  GW_ERR_SCHEMA: m(
    'a document does not match its JSON Schema (wrong type, unknown field, missing field, out of range)',
  ),
  GW_ERR_SCHEMA_UNKNOWN_KIND: m('kind is not one of Gateway, Provider, Endpoint, ApiKey, Guardrail'),
  // --- manifests: references and values
  GW_ERR_REF_SYNTAX: m('a ${...} reference is malformed'),
  GW_ERR_ENV_UNSET: m('a referenced environment variable is not set (--env, serve)'),
  GW_ERR_FILE_REF_MISSING: m('a ${file:...} reference names no readable file (--env, serve)'),
  GW_ERR_FILE_REF_OUTSIDE: m('a ${file:...} reference leaves the config folder (absolute path, .., or a symlink out)'),
  GW_ERR_ENV_NOT_ALLOWED: m('a ${env:...} reference names a variable that Gateway references.env does not list'),
  GW_ERR_DURATION: m('a duration is out of range'),
  GW_ERR_BASE_URL: m('a provider baseUrl is missing, not http(s), or ends with a slash'),
  GW_ERR_REGEX_INVALID: m('a guardrail regex does not compile'),
  GW_ERR_JSON_SCHEMA_INVALID: m('an endpoint input/output schema is not a valid JSON Schema'),
  GW_ERR_KEY_HASH_FORMAT: m('keyHash is not sha256: followed by 64 lowercase hex digits'),
  GW_ERR_LITERAL_SECRET: m('a credential is written literally where a ${env:...} or ${file:...} reference belongs'),
  GW_ERR_TLS_INSECURE: m('tls.rejectUnauthorized: false turns certificate checks off (warning; error with --strict)'),
  // --- manifests: cross-references
  GW_ERR_DUPLICATE_NAME: m('two resources of one kind share a name in one workspace'),
  GW_ERR_REF_UNKNOWN_PROVIDER: m('a provider reference does not resolve'),
  GW_ERR_REF_UNKNOWN_ENDPOINT: m('an endpoint reference does not resolve'),
  GW_ERR_REF_UNKNOWN_GUARDRAIL: m('a guardrail reference does not resolve'),
  GW_ERR_REF_UNKNOWN_MODEL: m('a model name (defaultModel, allow list, endpoint-ref mapping) is not exposed'),
  GW_ERR_REF_CYCLE: m('endpoint references form a cycle'),
  GW_ERR_TARGET_SHAPE: m('a routing target names neither or both of provider and endpoint'),
  GW_ERR_MODEL_COLLISION: m('an exposed model name is defined by two endpoints of one workspace'),
  GW_ERR_PROVIDER_TYPE_MISMATCH: m('a chat endpoint targets an http provider, or a proxy endpoint a chat provider'),
  GW_ERR_GATEWAY_DUPLICATE: m('more than one Gateway document'),
  GW_ERR_BUDGET_UNPRICED: m('a monthlyBudgetUsd is set on an endpoint or key that reaches a model with no pricing'),
  GW_ERR_ADMIN_KEY_WEAK: m('the admin key is shorter than 32 characters'),
  // --- CLI
  GW_ERR_CLI_USAGE: { area: 'cli', summary: 'a command was called with wrong arguments' },
  GW_ERR_INIT_EXISTS: { area: 'cli', summary: 'gw init would overwrite files (use --force)' },
  GW_ERR_INIT_WRITE: { area: 'cli', summary: 'gw init could not create its folder or write a file' },
  GW_ERR_STORAGE_OPEN: { area: 'cli', summary: 'the SQLite file (storage.sqlite) cannot be opened or migrated' },
  GW_ERR_ADMIN_UNREACHABLE: {
    area: 'cli',
    summary: 'the CLI cannot reach the admin API (--server, admin.listen in gateway.yaml)',
  },
  GW_ERR_ADMIN_RESPONSE: { area: 'cli', summary: 'the admin API refused a request or answered something unexpected' },
  GW_ERR_APPLY_UNCONFIRMED: {
    area: 'cli',
    summary: 'gw apply would delete resources and was not confirmed (--yes, or answer on a TTY)',
  },
  GW_ERR_PLAN_FILE: {
    area: 'cli',
    summary: 'a saved plan (gw diff --out) cannot be read, is not a gw plan, or cannot be written',
  },
  GW_ERR_ADMIN_LISTEN: {
    area: 'cli',
    summary: 'gw serve cannot start the admin listener (no admin key on a non-loopback address, or the port is taken)',
  },
  // --- requests
  GW_ERR_INVALID_JSON: r(400, 'invalid_request_error', 'the request body is not valid JSON'),
  GW_ERR_JSON_TOO_DEEP: r(400, 'invalid_request_error', 'the JSON body nests deeper than proxy.maxJsonDepth'),
  GW_ERR_BAD_REQUEST: r(400, 'invalid_request_error', 'a field is missing or has the wrong type'),
  GW_ERR_STREAMING_DISABLED: r(400, 'invalid_request_error', 'stream: true on an endpoint with streaming: false'),
  GW_ERR_BAD_REQUEST_TARGET: r(
    400,
    'invalid_request_error',
    'the request target is not a path (absolute-form, asterisk-form)',
  ),
  GW_ERR_PROXY_PATH: r(
    400,
    'invalid_request_error',
    "a proxy path could leave the endpoint's baseUrl (.., encoded / or \\, //, control characters, bad %-encoding)",
  ),
  GW_ERR_ADMIN_AUTH: r(401, 'authentication_error', 'admin API: the admin key is missing or wrong'),
  GW_ERR_AUTH_MISSING_KEY: r(401, 'authentication_error', 'no API key was sent'),
  GW_ERR_AUTH_INVALID_KEY: r(401, 'authentication_error', 'the API key is unknown'),
  GW_ERR_AUTH_EXPIRED_KEY: r(401, 'authentication_error', 'the API key has expired'),
  GW_ERR_AUTH_DISABLED_KEY: r(401, 'authentication_error', 'the API key is disabled'),
  GW_ERR_AUTH_SCOPE: r(403, 'permission_error', 'the key lacks the scope for this API'),
  GW_ERR_AUTH_ROLE: r(403, 'permission_error', "the key's roles are not allowed on this endpoint"),
  GW_ERR_AUTH_ENDPOINT: r(403, 'permission_error', "the endpoint is not in the key's allow list"),
  GW_ERR_AUTH_MODEL: r(403, 'permission_error', "the model is not in the key's allow list"),
  GW_ERR_ADMIN_CROSS_SITE: r(
    403,
    'permission_error',
    'admin API: a cross-site request (foreign Origin, Host or Sec-Fetch-Site) was refused',
  ),
  GW_ERR_ROUTE_NOT_FOUND: r(404, 'not_found_error', 'no such route'),
  GW_ERR_MODEL_NOT_FOUND: r(404, 'not_found_error', 'unknown model or endpoint, or the endpoint is disabled'),
  GW_ERR_SESSION_NOT_FOUND: r(
    404,
    'not_found_error',
    'the session id is unknown, expired, or belongs to another key or endpoint',
  ),
  GW_ERR_MCP_SESSION_NOT_FOUND: r(
    404,
    'not_found_error',
    "MCP bridge: the Mcp-Session-Id is unknown, expired or another key's; initialize a new session",
  ),
  GW_ERR_PROXY_NOT_FOUND: r(
    404,
    'not_found_error',
    "no enabled proxy endpoint of that name under that provider in the key's workspace",
  ),
  GW_ERR_REVISION_NOT_FOUND: r(404, 'not_found_error', 'admin API: no config revision with that number (rollback)'),
  GW_ERR_REVISION_CONFLICT: r(
    409,
    'conflict',
    'admin API: ifRevision is not the revision in service; nothing was changed',
  ),
  GW_ERR_METHOD_NOT_ALLOWED: r(405, 'invalid_request_error', 'the route does not take this method'),
  GW_ERR_REQUEST_TIMEOUT: r(
    408,
    'invalid_request_error',
    'the caller sent its headers or body too slowly (proxy.headersTimeout, proxy.bodyTimeout)',
  ),
  GW_ERR_BODY_TOO_LARGE: r(413, 'invalid_request_error', 'the body is larger than proxy.maxBodyBytes'),
  GW_ERR_UNSUPPORTED_MEDIA_TYPE: r(
    415,
    'invalid_request_error',
    'a JSON route (proxy or admin) got a body whose Content-Type is not application/json',
  ),
  GW_ERR_TOKEN_CAP: r(422, 'invalid_request_error', "the estimated input is over the endpoint's limits.maxInputTokens"),
  GW_ERR_BUDGET_EXCEEDED: r(
    422,
    'invalid_request_error',
    "the key's or endpoint's monthly budget (limits.monthlyBudgetUsd) would be exceeded",
  ),
  GW_ERR_GUARDRAIL_BLOCKED: r(
    422,
    'invalid_request_error',
    'a guardrail blocked the request or, mid-stream, the answer (the message names guardrail and rule)',
  ),
  GW_ERR_INPUT_SCHEMA: r(
    422,
    'invalid_request_error',
    "the input does not match the endpoint's schema.input (the message names the JSON path)",
  ),
  GW_ERR_CONFIG_INVALID: r(
    422,
    'invalid_request_error',
    'admin API: the applied manifests are invalid (diagnostics say where); nothing was changed',
  ),
  GW_ERR_UPSTREAM_BLOCKED: r(
    400,
    'invalid_request_error',
    "the upstream's content filter or safety system refused the prompt (the message says which)",
  ),
  GW_ERR_RATE_LIMITED: r(
    429,
    'rate_limit_error',
    "a key's or endpoint's rpm, rph or tpm is reached (Retry-After says when to retry)",
  ),
  GW_ERR_MCP_SESSIONS_FULL: r(
    429,
    'rate_limit_error',
    'MCP bridge: too many open sessions (16 per key, 256 in all); end one or let an idle one expire (15 min)',
  ),
  GW_ERR_ADMIN_AUTH_THROTTLED: r(
    429,
    'rate_limit_error',
    'admin API: too many failed admin-key attempts from this address; Retry-After says when to retry',
  ),
  GW_ERR_UPSTREAM_RATE_LIMITED: r(
    429,
    'rate_limit_error',
    "every upstream attempt was rate-limited; Retry-After carries the upstream's hint",
  ),
  GW_ERR_HEADERS_TOO_LARGE: r(
    431,
    'invalid_request_error',
    'the request line and headers are larger than proxy.maxHeaderBytes',
  ),
  GW_ERR_INTERNAL: r(500, 'server_error', 'a bug in gw; the log has the details'),
  GW_ERR_UPSTREAM_EXHAUSTED: r(502, 'upstream_error', 'every upstream attempt failed, after retries and fallback'),
  GW_ERR_UPSTREAM_AUTH: r(
    502,
    'upstream_error',
    'gw could not get credentials for the upstream (a Vertex AI access token); the attempt fails and falls back',
  ),
  GW_ERR_UPSTREAM_PROTOCOL: r(502, 'upstream_error', 'the upstream answered something that is not its API'),
  GW_ERR_UPSTREAM_CREDENTIALS: r(
    502,
    'upstream_error',
    'an attempt found no credentials to sign its request (e.g. the AWS default chain found none): named in that attempt, it fails over like a connect error; with no target left the caller gets GW_ERR_UPSTREAM_EXHAUSTED',
  ),
  GW_ERR_OUTPUT_SCHEMA: r(
    502,
    'upstream_error',
    "no target's answer matched the endpoint's schema.output (every target was tried)",
  ),
  GW_ERR_NOT_READY: r(503, 'server_error', 'no configuration is loaded yet'),
  GW_ERR_UPSTREAM_CIRCUIT_OPEN: r(
    503,
    'server_error',
    "every target's circuit breaker is open; Retry-After says when one is probed again",
  ),
  GW_ERR_LIMITS_UNAVAILABLE: r(
    503,
    'server_error',
    'limits.backend redis is down or slow and limits.failMode is closed: limits cannot be checked',
  ),
  GW_ERR_SHUTTING_DOWN: r(503, 'server_error', 'the gateway is shutting down and its drain time is over'),
  GW_ERR_UPSTREAM_TIMEOUT: r(504, 'timeout_error', 'every upstream attempt timed out'),
  GW_ERR_REQUEST_DEADLINE: r(
    504,
    'timeout_error',
    'the request ran past proxy.requestTimeout (retries, fallback and the answer included)',
  ),
} as const satisfies Record<string, ErrorInfo>;

export type ErrorCode = keyof typeof ERRORS;

/** A failure as a value: a stable code, a message for people, optional details for machines. */
export class GwError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'GwError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    const info: ErrorInfo = ERRORS[this.code];
    return info.status ?? 500;
  }

  get type(): string {
    const info: ErrorInfo = ERRORS[this.code];
    return info.type ?? 'server_error';
  }
}

export function isGwError(e: unknown): e is GwError {
  return e instanceof GwError;
}
