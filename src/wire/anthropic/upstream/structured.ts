// Structured output for Anthropic targets. OpenAI's `response_format` (json_schema or
// json_object) has no field of its own in the Messages API that every Anthropic-compatible
// server accepts, so it becomes a tool: one more tool named ANSWER_TOOL whose input_schema is
// the caller's schema, forced with tool_choice {type: 'tool'} (or {type: 'any'} when the caller
// offers tools of its own the model may still call). The model's input to that tool is the
// answer: response.ts and stream.ts turn it back into message content (JSON text) and the
// tool_use stop into finish_reason 'stop', so an OpenAI caller parses the content as it would
// from an OpenAI model.
import { isObject, str, type Obj } from '../../../util/json-readers.js';

/** The tool that carries a structured answer (a name callers' tools should not use with response_format). */
export const ANSWER_TOOL = 'json_answer';

/** Any JSON object, for json_object. */
const ANY_OBJECT: Obj = Object.freeze({ type: 'object' }) as Obj;

/** The answer tool for a response_format, or undefined when it asks for none ('text', absent). */
export function answerTool(format: unknown): Obj | undefined {
  if (!isObject(format)) return undefined;
  if (format.type === 'json_object')
    return { name: ANSWER_TOOL, description: 'Give your whole answer as a JSON object.', input_schema: ANY_OBJECT };
  if (format.type !== 'json_schema') return undefined;
  const spec = isObject(format.json_schema) ? format.json_schema : {};
  const schema = isObject(spec.schema) ? spec.schema : ANY_OBJECT;
  const name = str(spec.name);
  const description =
    str(spec.description) ??
    `Give your whole answer as JSON matching this schema${name !== undefined ? ` (${name})` : ''}.`;
  return { name: ANSWER_TOOL, description, input_schema: schema };
}

/**
 * tool_choice with an answer tool: forced when the caller's tools may not be called (none
 * offered, or tool_choice 'none'), else 'any' (a caller tool or the answer), or the caller's own
 * forced tool. Keeps disable_parallel_tool_use.
 */
export function answerChoice(callerChoice: Obj | undefined, callerTools: number): Obj {
  const parallel = callerChoice?.disable_parallel_tool_use === true ? { disable_parallel_tool_use: true } : {};
  if (callerTools === 0 || callerChoice?.type === 'none') return { type: 'tool', name: ANSWER_TOOL, ...parallel };
  if (callerChoice?.type === 'tool') return callerChoice;
  return { type: 'any', ...parallel };
}
