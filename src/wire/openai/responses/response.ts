// chat.completion -> OpenAI Responses `response` object. Pure. The first choice is the answer:
// its text becomes one `message` output item (output_text, or refusal), each tool call a
// `function_call` item. finish_reason length / content_filter make the response `incomplete`.
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Letters and digits of an id (bounded), for ids built from another. */
export function idWord(id: unknown): string {
  if (typeof id !== 'string') return '';
  let word = '';
  for (const ch of id.slice(0, 96))
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) word += ch;
  return word;
}

/** What the response echoes of the request (the fields the SDK types carry). */
export interface ResponseEcho {
  readonly id: string;
  readonly model: string;
  readonly createdAt: number;
  readonly request: Obj;
}

/** Responses usage from chat usage. */
export function responsesUsage(usage: unknown): Obj {
  const u = isObj(usage) ? usage : {};
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
  const input = num(u['prompt_tokens']);
  const output = num(u['completion_tokens']);
  const pd = isObj(u['prompt_tokens_details']) ? u['prompt_tokens_details'] : {};
  const cd = isObj(u['completion_tokens_details']) ? u['completion_tokens_details'] : {};
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: num(pd['cached_tokens']) },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: num(cd['reasoning_tokens']) },
    total_tokens: input + output,
  };
}

/** status and incomplete_details for a finish_reason. */
export function statusOf(finish: unknown): { status: string; incomplete_details: Obj | null } {
  if (finish === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finish === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

/** The response object around `output` (the request's settings echoed as the API does). */
export function responseObject(echo: ResponseEcho, status: string, output: Obj[], extra: Obj): Obj {
  const r = echo.request;
  const tools = Array.isArray(r['tools']) ? r['tools'] : [];
  return {
    id: echo.id,
    object: 'response',
    created_at: echo.createdAt,
    status,
    error: null,
    incomplete_details: null,
    instructions: r['instructions'] ?? null,
    max_output_tokens: r['max_output_tokens'] ?? null,
    model: echo.model,
    output,
    parallel_tool_calls: r['parallel_tool_calls'] ?? true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: r['temperature'] ?? null,
    text: r['text'] ?? { format: { type: 'text' } },
    tool_choice: r['tool_choice'] ?? 'auto',
    tools,
    top_p: r['top_p'] ?? null,
    truncation: 'disabled',
    usage: null,
    metadata: r['metadata'] ?? {},
    ...extra,
  };
}

export function messageItem(id: string, text: string, refusal: string | undefined, status: string): Obj {
  const content: Obj[] = [];
  if (text !== '' || refusal === undefined) content.push({ type: 'output_text', text, annotations: [] });
  if (refusal !== undefined) content.push({ type: 'refusal', refusal });
  return { type: 'message', id, status, role: 'assistant', content };
}

export function functionCallItem(callId: string, name: string, args: string, status: string): Obj {
  return { type: 'function_call', id: `fc_${idWord(callId)}`, call_id: callId, name, arguments: args, status };
}

export function toResponse(json: Obj, echo: ResponseEcho): Obj {
  const choices = Array.isArray(json['choices']) ? json['choices'] : [];
  const choice: Obj = isObj(choices[0]) ? choices[0] : {};
  const msg: Obj = isObj(choice['message']) ? choice['message'] : {};
  const output: Obj[] = [];
  const text = typeof msg['content'] === 'string' ? msg['content'] : '';
  const refusal = typeof msg['refusal'] === 'string' && msg['refusal'] !== '' ? msg['refusal'] : undefined;
  const calls = Array.isArray(msg['tool_calls']) ? msg['tool_calls'].filter(isObj) : [];
  if (text !== '' || refusal !== undefined || calls.length === 0)
    output.push(messageItem(`msg_${idWord(echo.id.slice(5))}`, text, refusal, 'completed'));
  for (const c of calls) {
    const fn = isObj(c['function']) ? c['function'] : {};
    output.push(
      functionCallItem(String(c['id'] ?? ''), String(fn['name'] ?? ''), String(fn['arguments'] ?? ''), 'completed'),
    );
  }
  const { status, incomplete_details } = statusOf(choice['finish_reason']);
  return responseObject(echo, status, output, { incomplete_details, usage: responsesUsage(json['usage']) });
}
