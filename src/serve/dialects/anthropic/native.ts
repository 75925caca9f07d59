// The endpoint's settings applied to the caller's Anthropic body on its way to an Anthropic
// target, the way the transform stage applies them to the hub body: params as defaults (forced
// with lockParams), prompt.system before the caller's system prompt, prompt.template around the
// last user text. Params with no Anthropic field (penalties, seed) do not apply.
import type { CompiledChatEndpoint } from '../../../compile/routing-table.js';
import type { NativeRequest } from '../types.js';

type Obj = Record<string, unknown>;

const INPUT = '{{input}}';
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Endpoint param -> Anthropic field. */
const PARAMS: ReadonlyArray<readonly ['temperature' | 'top_p' | 'max_tokens' | 'stop', string]> = [
  ['temperature', 'temperature'],
  ['top_p', 'top_p'],
  ['max_tokens', 'max_tokens'],
  ['stop', 'stop_sequences'],
];

function withSystem(system: string, given: unknown): unknown {
  if (given === undefined || given === null || given === '') return system;
  if (typeof given === 'string') return [{ type: 'text', text: system }, { type: 'text', text: given }];
  return [{ type: 'text', text: system }, ...(given as Obj[])];
}

function hasText(content: unknown): boolean {
  return typeof content === 'string' || (Array.isArray(content) && content.some((b) => isObj(b) && b['type'] === 'text'));
}

/** Text blocks joined and wrapped once, after the other blocks (tool results must stay first). */
function wrapContent(template: string, content: unknown): unknown {
  const wrap = (s: string): string => template.split(INPUT).join(s);
  if (typeof content === 'string') return wrap(content);
  const blocks = content as Obj[];
  const text = blocks.filter((b) => b['type'] === 'text').map((b) => String(b['text'] ?? '')).join('\n');
  return [...blocks.filter((b) => b['type'] !== 'text'), { type: 'text', text: wrap(text) }];
}

export function applyEndpointNative(ep: CompiledChatEndpoint, native: NativeRequest): NativeRequest {
  const body: Obj = { ...native.body };
  for (const [param, field] of PARAMS) {
    const value = ep.params[param];
    if (value === undefined) continue;
    if (ep.lockParams || body[field] === undefined || body[field] === null) body[field] = value;
  }
  const { system, template } = ep.prompt;
  if (system !== undefined) body['system'] = withSystem(system, body['system']);
  if (template !== undefined && Array.isArray(body['messages'])) {
    const messages = [...(body['messages'] as Obj[])];
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i] as Obj;
      if (m['role'] !== 'user' || !hasText(m['content'])) continue;
      messages[i] = { ...m, content: wrapContent(template, m['content']) };
      break;
    }
    body['messages'] = messages;
  }
  return { dialect: native.dialect, body };
}
