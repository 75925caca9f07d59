// Field-type checks for the OpenAI request bodies: enough to answer 400 with the exact field
// before anything goes upstream. Unknown fields pass through (upstreams add their own).
import { GwError } from '../../errors.js';
import { isObject } from '../../util/is-object.js';

type Check = (v: unknown) => boolean;

const isString: Check = (v) => typeof v === 'string';
const isNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const isInteger: Check = (v) => Number.isInteger(v);
const isBoolean: Check = (v) => typeof v === 'boolean';
const isStringOrStrings: Check = (v) => isString(v) || (Array.isArray(v) && v.every(isString));

/** Optional chat fields: name -> [check, what it must be]. */
const CHAT_FIELDS: ReadonlyArray<readonly [string, Check, string]> = [
  ['stream', isBoolean, 'a boolean'],
  ['stream_options', isObject, 'an object'],
  ['temperature', isNumber, 'a number'],
  ['top_p', isNumber, 'a number'],
  ['max_tokens', isInteger, 'an integer'],
  ['max_completion_tokens', isInteger, 'an integer'],
  ['n', isInteger, 'an integer'],
  ['presence_penalty', isNumber, 'a number'],
  ['frequency_penalty', isNumber, 'a number'],
  ['seed', isInteger, 'an integer'],
  ['stop', isStringOrStrings, 'a string or an array of strings'],
  ['user', isString, 'a string'],
];

function bad(message: string, param: string): GwError {
  return new GwError('GW_ERR_BAD_REQUEST', message, { param });
}

function checkModel(body: Record<string, unknown>): void {
  const model = body['model'];
  if (model === undefined) throw bad('`model` is required', 'model');
  if (typeof model !== 'string' || model === '') throw bad('`model` must be a non-empty string', 'model');
}

function checkMessage(m: unknown, i: number): void {
  if (!isObject(m)) throw bad(`messages[${i}] must be an object with role and content`, `messages[${i}]`);
  const msg = m as Record<string, unknown>;
  if (typeof msg['role'] !== 'string' || msg['role'] === '') {
    throw bad(`messages[${i}].role must be a non-empty string`, `messages[${i}].role`);
  }
  const content = msg['content'];
  // null content is legal on assistant turns that carry tool_calls.
  const ok = isString(content) || Array.isArray(content) || (content === null && msg['role'] === 'assistant');
  if (!ok && !(content === undefined && msg['role'] === 'assistant' && msg['tool_calls'] !== undefined)) {
    throw bad(`messages[${i}].content must be a string or an array of content parts`, `messages[${i}].content`);
  }
}

export function validateChatBody(body: Record<string, unknown>): void {
  checkModel(body);
  const messages = body['messages'];
  if (!Array.isArray(messages) || messages.length === 0) {
    throw bad('`messages` must be a non-empty array of {role, content}', 'messages');
  }
  messages.forEach(checkMessage);
  for (const [name, check, what] of CHAT_FIELDS) {
    const v = body[name];
    if (v !== undefined && v !== null && !check(v)) throw bad(`\`${name}\` must be ${what}`, name);
  }
}

export function validateEmbeddingsBody(body: Record<string, unknown>): void {
  checkModel(body);
  const input = body['input'];
  const ok =
    (isString(input) && input !== '') ||
    (Array.isArray(input) &&
      input.length > 0 &&
      (input.every(isString) || input.every(isNumber) || input.every(Array.isArray)));
  if (!ok) throw bad('`input` must be a non-empty string or array of strings or token arrays', 'input');
  if (body['dimensions'] !== undefined && !isInteger(body['dimensions']))
    throw bad('`dimensions` must be an integer', 'dimensions');
  if (body['encoding_format'] !== undefined && !isString(body['encoding_format'])) {
    throw bad('`encoding_format` must be a string', 'encoding_format');
  }
}
