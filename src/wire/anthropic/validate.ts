// Field checks for an Anthropic Messages body: what the Anthropic API itself refuses with 400
// (model, max_tokens and messages are required), answered before anything goes upstream.
// Unknown fields pass (a same-dialect target gets them unchanged).
import { GwError } from '../../errors.js';
import { isObject } from '../../util/is-object.js';

type Check = (v: unknown) => boolean;

const isString: Check = (v) => typeof v === 'string';
const isNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const isBoolean: Check = (v) => typeof v === 'boolean';
const isBlocks: Check = (v) => Array.isArray(v) && v.every(isObject);

const OPTIONAL: ReadonlyArray<readonly [string, Check, string]> = [
  ['stream', isBoolean, 'a boolean'],
  ['temperature', isNumber, 'a number'],
  ['top_p', isNumber, 'a number'],
  ['top_k', Number.isInteger, 'an integer'],
  ['stop_sequences', (v) => Array.isArray(v) && v.every(isString), 'an array of strings'],
  ['system', (v) => isString(v) || isBlocks(v), 'a string or an array of text blocks'],
  ['metadata', isObject, 'an object'],
  ['tools', isBlocks, 'an array of tool objects'],
  ['tool_choice', (v) => isObject(v) && isString(v['type']), 'an object with a type'],
];

function bad(message: string, param: string): GwError {
  return new GwError('GW_ERR_BAD_REQUEST', message, { param });
}

function checkMessage(m: unknown, i: number): void {
  if (!isObject(m)) throw bad(`messages.${i}: must be an object with role and content`, `messages.${i}`);
  if (m['role'] !== 'user' && m['role'] !== 'assistant') {
    throw bad(`messages.${i}.role: must be 'user' or 'assistant'`, `messages.${i}.role`);
  }
  const content = m['content'];
  if (!isString(content) && !isBlocks(content)) {
    throw bad(`messages.${i}.content: must be a string or an array of content blocks`, `messages.${i}.content`);
  }
  if (Array.isArray(content)) {
    content.forEach((b: Record<string, unknown>, j) => {
      if (!isString(b['type']))
        throw bad(`messages.${i}.content.${j}.type: Field required`, `messages.${i}.content.${j}.type`);
    });
  }
}

function checkTools(tools: unknown): void {
  if (!Array.isArray(tools)) return;
  tools.forEach((t: Record<string, unknown>, i) => {
    if (!isString(t['name']) || t['name'] === '') throw bad(`tools.${i}.name: Field required`, `tools.${i}.name`);
  });
}

/** maxTokens: whether max_tokens is required (count_tokens bodies have none). */
export function validateMessagesBody(body: Record<string, unknown>, maxTokens = true): void {
  const model = body['model'];
  if (model === undefined) throw bad('model: Field required', 'model');
  if (!isString(model) || model === '') throw bad('model: must be a non-empty string', 'model');
  const max = body['max_tokens'];
  if (max === undefined && maxTokens) throw bad('max_tokens: Field required', 'max_tokens');
  if ((max !== undefined && !Number.isInteger(max)) || (max as number) < 1)
    throw bad('max_tokens: must be an integer of at least 1', 'max_tokens');
  const messages = body['messages'];
  if (messages === undefined) throw bad('messages: Field required', 'messages');
  if (!Array.isArray(messages) || messages.length === 0)
    throw bad('messages: must be a non-empty array of {role, content}', 'messages');
  messages.forEach(checkMessage);
  for (const [name, check, what] of OPTIONAL) {
    const v = body[name];
    if (v !== undefined && v !== null && !check(v)) throw bad(`${name}: must be ${what}`, name);
  }
  checkTools(body['tools']);
}
