// GET {baseUrl}/models for `gw test-connection`.
import type { CompiledProvider } from '../../../compile/routing-table.js';
import { parseModelList } from '../../model-list.js';
import type { HttpRequestSpec } from '../../../providers/types.js';

const HEADERS = Object.freeze({ accept: 'application/json' });

export function buildModelsRequest(provider: CompiledProvider): HttpRequestSpec {
  return { method: 'GET', path: provider.basePath + provider.probePath, headers: HEADERS, body: undefined };
}

export const parseModels = parseModelList;
