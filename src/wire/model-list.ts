// The model list OpenAI and Anthropic both answer with: {"data": [{"id": …}, …]} (other fields
// such as `object`, `has_more`, `display_name` are ignored).
import type { Parsed } from '../providers/types.js';

const NOT_A_LIST = 'the answer is not a model list ({"data": [{"id": …}]})';

/** The model ids of a list answer; entries without a string id are skipped. */
export function parseModelList(json: unknown): Parsed<string[]> {
  const data = typeof json === 'object' && json !== null ? (json as { data?: unknown }).data : undefined;
  if (!Array.isArray(data)) return { ok: false, message: NOT_A_LIST };
  const ids: string[] = [];
  for (const m of data) {
    const id = typeof m === 'object' && m !== null ? (m as { id?: unknown }).id : undefined;
    if (typeof id === 'string') ids.push(id);
  }
  return { ok: true, value: ids };
}
