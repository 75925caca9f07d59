// The HTTP surfaces of the proxy listener, one list per dialect. A later surface is a new list
// here (and a dialect file), not a change to the router or the stages:
//   - simple API: /api/{ws}/{endpoint} and /api/{ws}/endpoints -> pattern routes (SIMPLE_ROUTES)
//   - transparent proxy: /proxy/{provider}/{endpoint}/* and /proxy-api/… (PROXY_ROUTES), any method
//   - MCP bridge: /mcp/{workspace} (MCP_PATH), served by serve/mcp/ rather than a pipeline
import type { Scope } from '../compile/routing-table.js';
import type { Api } from './context.js';
import { anthropicDialect } from '../wire/anthropic/caller/index.js';
import { openaiDialect } from '../wire/openai/caller.js';
import { responsesDialect } from '../wire/openai/responses/index.js';
import { simpleDialect } from '../wire/simple/caller.js';
import type { Dialect } from '../wire/dialect.js';

export interface ApiRoute {
  readonly method: string;
  readonly path: string;
  readonly api: Api;
  readonly scope: Scope;
  readonly label: string;
  readonly dialect: Dialect;
  /** Also served as /endpoints/{name}{path}, scoped to that endpoint. */
  readonly scopable: boolean;
  /** The path parameter that names the endpoint (the request is scoped to it, as on /endpoints/{name}/...). */
  readonly endpointParam?: string;
}

export const OPENAI_ROUTES: readonly ApiRoute[] = [
  {
    method: 'POST',
    path: '/v1/chat/completions',
    api: 'chat',
    scope: 'chat',
    label: 'openai.chat',
    dialect: openaiDialect,
    scopable: true,
  },
  {
    method: 'POST',
    path: '/v1/embeddings',
    api: 'embeddings',
    scope: 'chat',
    label: 'openai.embeddings',
    dialect: openaiDialect,
    scopable: true,
  },
  {
    method: 'GET',
    path: '/v1/models',
    api: 'models',
    scope: 'chat',
    label: 'openai.models',
    dialect: openaiDialect,
    scopable: true,
  },
];

/**
 * The OpenAI Responses API: the chat pipeline (keys, routing, fallback, limits, guardrails,
 * usage) with the Responses dialect reading the body into the hub shape and writing the answer.
 */
export const RESPONSES_ROUTES: readonly ApiRoute[] = [
  {
    method: 'POST',
    path: '/v1/responses',
    api: 'chat',
    scope: 'chat',
    label: 'openai.responses',
    dialect: responsesDialect,
    scopable: true,
  },
  {
    method: 'GET',
    path: '/v1/responses/{id}',
    api: 'responses_get',
    scope: 'chat',
    label: 'openai.responses',
    dialect: responsesDialect,
    scopable: false,
  },
];

/**
 * The same routes without the version segment (POST /chat/completions, GET /models, POST
 * /embeddings): several clients and proxies strip `/v1` from a base URL. Same pipeline, dialect
 * and usage label as the versioned path.
 */
export const UNVERSIONED_ROUTES: readonly ApiRoute[] = OPENAI_ROUTES.map((r) => ({
  ...r,
  path: r.path.slice('/v1'.length),
  scopable: false,
}));

export const ANTHROPIC_ROUTES: readonly ApiRoute[] = [
  {
    method: 'POST',
    path: '/v1/messages',
    api: 'chat',
    scope: 'chat',
    label: 'anthropic.messages',
    dialect: anthropicDialect,
    scopable: true,
  },
  {
    method: 'POST',
    path: '/v1/messages/count_tokens',
    api: 'count_tokens',
    scope: 'chat',
    label: 'anthropic.count_tokens',
    dialect: anthropicDialect,
    scopable: true,
  },
];

/** The simple API. The listing comes first: an endpoint named 'endpoints' is still callable by POST. */
export const SIMPLE_ROUTES: readonly ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/{workspace}/endpoints',
    api: 'simple_endpoints',
    scope: 'chat',
    label: 'simple.endpoints',
    dialect: simpleDialect,
    scopable: false,
  },
  {
    method: 'POST',
    path: '/api/{workspace}/{endpoint}',
    api: 'simple',
    scope: 'chat',
    label: 'simple.call',
    dialect: simpleDialect,
    scopable: false,
    endpointParam: 'endpoint',
  },
];

/** The methods the transparent proxy passes on: RFC 9110 §9's without CONNECT and TRACE, and PATCH (RFC 5789). */
export const PROXY_METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * /proxy/{provider}/{endpoint}/{path…} and the seed's /proxy-api/ spelling. Errors answer in the
 * plain JSON envelope {"error": {"message", "type", "code"}} (the OpenAI dialect's shape).
 */
export const PROXY_ROUTES: readonly ApiRoute[] = ['/proxy', '/proxy-api'].flatMap((prefix) =>
  PROXY_METHODS.map((method): ApiRoute => ({
    method,
    path: `${prefix}/{provider}/{endpoint}/*`,
    api: 'proxy',
    scope: 'chat',
    label: 'proxy',
    dialect: openaiDialect,
    scopable: false,
  })),
);

/**
 * The MCP bridge (serve/mcp/): Streamable HTTP on one path per workspace, POST for messages,
 * GET for the server's event stream, DELETE to end a session. Not an ApiRoute: the MCP SDK's
 * transport answers these requests; each tools/call inside runs the mcp_tool pipeline as
 * MCP_TOOL_ROUTE.
 */
export const MCP_PATH = '/mcp/{workspace}';
export const MCP_METHODS: readonly string[] = ['POST', 'GET', 'DELETE'];

/** What a tool call's context records as its route (errors answer in the simple API's envelope, which the bridge reads). */
export const MCP_TOOL_ROUTE = {
  api: 'mcp_tool',
  scope: 'mcp',
  label: 'mcp.call',
  dialect: simpleDialect,
} as const satisfies Pick<ApiRoute, 'api' | 'scope' | 'label' | 'dialect'>;

/** Every dialect's routes, in registration order. */
export const API_ROUTES: readonly (readonly ApiRoute[])[] = [
  OPENAI_ROUTES,
  UNVERSIONED_ROUTES,
  RESPONSES_ROUTES,
  ANTHROPIC_ROUTES,
  SIMPLE_ROUTES,
  PROXY_ROUTES,
];

/** Answers for paths no route claims, and before a route is known. */
export const DEFAULT_DIALECT: Dialect = openaiDialect;

/** The dialect of an unrouted path: the simple API's envelope under /api/, else DEFAULT_DIALECT. */
export function unroutedDialect(path: string): Dialect {
  return path.startsWith('/api/') ? simpleDialect : DEFAULT_DIALECT;
}
