// POST /v1/messages/count_tokens: `{"input_tokens": N}` estimated with the gateway's one rule
// (estimateTokens: 4 characters a token) over the text the request would send: system prompt,
// message text, tool calls and results, tool definitions. Images and files count nothing. An
// estimate, not the target's tokenizer: gw does not ask the target in this version.
import { estimateTokens } from '../../../telemetry/cost.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function contentText(content: unknown, out: string[]): void {
  if (typeof content === 'string') out.push(content);
  else if (Array.isArray(content)) {
    for (const p of content) if (isObj(p) && typeof p['text'] === 'string') out.push(p['text']);
  }
}

/** The text of an OpenAI-shaped request (the hub body, after the endpoint's prompt was applied). */
export function requestText(body: Obj): string {
  const out: string[] = [];
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  for (const m of messages) {
    if (!isObj(m)) continue;
    contentText(m['content'], out);
    if (Array.isArray(m['tool_calls'])) {
      for (const c of m['tool_calls']) {
        const fn = isObj(c) && isObj(c['function']) ? c['function'] : {};
        out.push(String(fn['name'] ?? ''), String(fn['arguments'] ?? ''));
      }
    }
  }
  if (Array.isArray(body['tools'])) out.push(JSON.stringify(body['tools']));
  return out.join('\n');
}

export function countTokens(body: Obj): { input_tokens: number } {
  return { input_tokens: estimateTokens(requestText(body)) };
}
