// The HTTP surfaces of the proxy listener, one list per dialect. A later surface is a new list
// here (and a dialect file), not a change to the router or the stages:
//   - simple API: prefix /api/ (POST /api/{ws}/{endpoint}, GET /api/{ws}/endpoints) -> prefix routes
//   - transparent proxy: prefix /proxy/ (/proxy/{provider}/{endpoint}/{path}) -> prefix routes
import type { Scope } from '../compile/routing-table.js';
import type { Api } from './context.js';
import { anthropicDialect } from '../wire/anthropic/caller/index.js';
import { openaiDialect } from '../wire/openai/caller.js';
import type { Dialect } from '../wire/dialect.js';

export interface ApiRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly api: Api;
  readonly scope: Scope;
  readonly label: string;
  readonly dialect: Dialect;
  /** Also served as /endpoints/{name}{path}, scoped to that endpoint. */
  readonly scopable: boolean;
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

/** Every dialect's routes, in registration order. */
export const API_ROUTES: readonly (readonly ApiRoute[])[] = [OPENAI_ROUTES, ANTHROPIC_ROUTES];

/** Answers for paths no route claims, and before a route is known. */
export const DEFAULT_DIALECT: Dialect = openaiDialect;
