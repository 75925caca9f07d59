// Anthropic message -> OpenAI chat.completion, and Anthropic error bodies -> UpstreamErrorInfo.
// Text blocks join into content; tool_use blocks become tool_calls; thinking and server-tool
// blocks have no OpenAI counterpart and are dropped. The upstream's message id is kept. The
// answer tool of a structured-output request (structured.ts) is the content, as JSON text.
import type { Parsed, UpstreamErrorInfo } from '../../../providers/types.js';
import { isObject, objects, str, type Obj } from '../../../util/json-readers.js';
import { ANSWER_TOOL } from './structured.js';
import { mergeUsage, NO_USAGE, openaiUsage } from './usage.js';

const FINISH: ReadonlyMap<string, string> = new Map([
  ['end_turn', 'stop'],
  ['stop_sequence', 'stop'],
  ['pause_turn', 'stop'],
  ['max_tokens', 'length'],
  ['model_context_window_exceeded', 'length'],
  ['tool_use', 'tool_calls'],
  ['refusal', 'content_filter'],
]);

/** OpenAI finish_reason for an Anthropic stop_reason; null while there is none. */
export function finishReason(stopReason: unknown): string | null {
  if (typeof stopReason !== 'string') return null;
  return FINISH.get(stopReason) ?? 'stop';
}

/** A tool_use stop that only delivered the structured answer is a normal end for the caller. */
export function answerFinish(stopReason: unknown, answered: boolean, calls: number): string | null {
  if (answered && calls === 0 && stopReason === 'tool_use') return 'stop';
  return finishReason(stopReason);
}

export function toolCall(block: Obj, index?: number): Obj {
  const call: Obj = {};
  if (index !== undefined) call.index = index;
  call.id = str(block.id) ?? '';
  call.type = 'function';
  call.function = { name: str(block.name) ?? '', arguments: JSON.stringify(isObject(block.input) ? block.input : {}) };
  return call;
}

export function isMessage(json: unknown): json is Obj {
  return isObject(json) && json.type === 'message' && Array.isArray(json.content);
}

export function toOpenAICompletion(msg: Obj, created = Math.floor(Date.now() / 1000)): Obj {
  const texts: string[] = [];
  const calls: Obj[] = [];
  let answered = false;
  for (const block of objects(msg.content)) {
    if (block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
    else if (block.type === 'tool_use' && block.name === ANSWER_TOOL) {
      answered = true;
      texts.push(JSON.stringify(isObject(block.input) ? block.input : {}));
    } else if (block.type === 'tool_use') calls.push(toolCall(block));
  }
  const message: Obj = { role: 'assistant', content: texts.length > 0 ? texts.join('') : calls.length > 0 ? null : '' };
  if (calls.length > 0) message.tool_calls = calls;
  return {
    id: msg.id,
    object: 'chat.completion',
    created,
    model: msg.model,
    choices: [
      { index: 0, message, logprobs: null, finish_reason: answerFinish(msg.stop_reason, answered, calls.length) },
    ],
    usage: openaiUsage(mergeUsage(NO_USAGE, msg.usage)),
  };
}

export function parseChatResponse(json: unknown): Parsed<Obj> {
  if (!isMessage(json))
    return { ok: false, message: 'the upstream answer is not an Anthropic message (no type "message" with content)' };
  return { ok: true, value: toOpenAICompletion(json) };
}

const MAX_MESSAGE = 500;

/** The message of an Anthropic error object {type:'error', error:{type, message}}. */
export function errorInfo(json: Obj): UpstreamErrorInfo | undefined {
  const err = json.error;
  if (isObject(err) && typeof err.message === 'string') return { message: err.message, type: str(err.type) };
  if (typeof err === 'string') return { message: err };
  if (typeof json.message === 'string') return { message: json.message };
  return undefined;
}

/** Anthropic's error body, or whatever an Anthropic-compatible server sent instead. */
export function parseError(status: number, bodyText: string): UpstreamErrorInfo {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    const text = bodyText.trim().slice(0, MAX_MESSAGE);
    return { message: text === '' ? `upstream answered HTTP ${status}` : text };
  }
  return (isObject(json) ? errorInfo(json) : undefined) ?? { message: `upstream answered HTTP ${status}` };
}
