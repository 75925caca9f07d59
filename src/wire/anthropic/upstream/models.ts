// GET {baseUrl}/models for `gw test-connection`. Anthropic pages its model list (20 by default);
// one page of 1000 holds all of them.
import type { CompiledProvider } from '../../../compile/routing-table.js';
import { parseModelList } from '../../model-list.js';
import type { HttpRequestSpec } from '../../../providers/types.js';
import { ANTHROPIC_VERSION } from './request.js';

const HEADERS = Object.freeze({ accept: 'application/json', 'anthropic-version': ANTHROPIC_VERSION });

export function buildModelsRequest(provider: CompiledProvider): HttpRequestSpec {
  return {
    method: 'GET',
    path: `${provider.basePath}${provider.probePath}?limit=1000`,
    headers: HEADERS,
    body: undefined,
  };
}

export const parseModels = parseModelList;
