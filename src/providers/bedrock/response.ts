// Bedrock Converse answer -> OpenAI chat.completion, Converse usage -> OpenAI usage, and AWS
// error bodies -> UpstreamErrorInfo. Text blocks join into content; toolUse blocks become
// tool_calls; reasoning and citation blocks have no OpenAI counterpart and are dropped. Converse
// answers carry neither an id nor the model: gw makes an id and names the model it asked for.
import { randomUUID } from 'node:crypto';
import type { Parsed, UpstreamErrorInfo } from '../types.js';
import { isObject, num, objects, str, type Obj } from '../../util/json-readers.js';

const FINISH: ReadonlyMap<string, string> = new Map([
  ['end_turn', 'stop'],
  ['stop_sequence', 'stop'],
  ['max_tokens', 'length'],
  ['model_context_window_exceeded', 'length'],
  ['tool_use', 'tool_calls'],
  ['guardrail_intervened', 'content_filter'],
  ['content_filtered', 'content_filter'],
]);

/** OpenAI finish_reason for a Converse stopReason; null while there is none. */
export function finishReason(stopReason: unknown): string | null {
  if (typeof stopReason !== 'string') return null;
  return FINISH.get(stopReason) ?? 'stop';
}

export function completionId(): string {
  return `chatcmpl-${randomUUID()}`;
}

/**
 * Converse counts cached input apart from inputTokens; OpenAI's prompt_tokens includes it, so
 * prompt_tokens = input + cache read + cache write, and cached_tokens = cache read.
 */
export function openaiUsage(raw: unknown): Obj {
  const u = isObject(raw) ? raw : {};
  const read = num(u.cacheReadInputTokens);
  const write = num(u.cacheWriteInputTokens);
  const prompt = (num(u.inputTokens) ?? 0) + (read ?? 0) + (write ?? 0);
  const completion = num(u.outputTokens) ?? 0;
  const out: Obj = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: read ?? 0 },
  };
  if (write !== undefined) out.cache_creation_input_tokens = write;
  return out;
}

export function toolCall(use: Obj, index?: number): Obj {
  const call: Obj = {};
  if (index !== undefined) call.index = index;
  call.id = str(use.toolUseId) ?? '';
  call.type = 'function';
  call.function = { name: str(use.name) ?? '', arguments: JSON.stringify(use.input ?? {}) };
  return call;
}

export function parseChatResponse(json: unknown, model?: string): Parsed<Obj> {
  const output = isObject(json) && isObject(json.output) ? json.output : undefined;
  const msg = output !== undefined && isObject(output.message) ? output.message : undefined;
  if (json === null || !isObject(json) || msg === undefined || !Array.isArray(msg.content))
    return { ok: false, message: 'the upstream answer is not a Converse answer (no output.message with content)' };
  const texts: string[] = [];
  const calls: Obj[] = [];
  for (const block of objects(msg.content)) {
    if (typeof block.text === 'string') texts.push(block.text);
    else if (isObject(block.toolUse)) calls.push(toolCall(block.toolUse));
  }
  const message: Obj = { role: 'assistant', content: texts.length > 0 ? texts.join('') : calls.length > 0 ? null : '' };
  if (calls.length > 0) message.tool_calls = calls;
  return {
    ok: true,
    value: {
      id: completionId(),
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: model ?? '',
      choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(json.stopReason) ?? 'stop' }],
      usage: openaiUsage(json.usage),
    },
  };
}

const MAX_MESSAGE = 500;

/** AWS JSON errors: {"message": "..."} (or "Message"), the type in __type or x-amzn-errortype. */
export function parseError(status: number, bodyText: string): UpstreamErrorInfo {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    const text = bodyText.trim().slice(0, MAX_MESSAGE);
    return { message: text === '' ? `upstream answered HTTP ${status}` : text };
  }
  if (!isObject(json)) return { message: `upstream answered HTTP ${status}` };
  const message = str(json.message) ?? str(json.Message) ?? `upstream answered HTTP ${status}`;
  const type = str(json.__type);
  // __type may be namespaced: "com.amazon.coral.validate#ValidationException".
  return type !== undefined ? { message, type: type.slice(type.lastIndexOf('#') + 1) } : { message };
}
