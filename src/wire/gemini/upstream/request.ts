// OpenAI chat request -> Gemini generateContent request (the Gemini API and Vertex AI take the
// same body). System messages become systemInstruction, assistant turns role "model", tool calls
// functionCall parts and tool results functionResponse parts (named after the call they
// answer); sampling fields go to generationConfig. Fields without a counterpart (n, logprobs,
// logit_bias, user...) are dropped: one candidate is asked for.
import { isObject, num, objects, str, type Obj } from '../../../util/json-readers.js';

type Part = Obj;
interface Content {
  role: 'user' | 'model';
  parts: Part[];
}

/** JSON Schema keywords Gemini's OpenAPI-subset `parameters` refuses. */
const UNSUPPORTED_SCHEMA_KEYS: ReadonlySet<string> = new Set(['$schema', 'additionalProperties', 'strict', '$id']);

function cleanSchema(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cleanSchema);
  if (!isObject(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) if (!UNSUPPORTED_SCHEMA_KEYS.has(k)) out[k] = cleanSchema(x);
  return out;
}

const EXT_MIME: Readonly<Record<string, string>> = { png: 'image/png', gif: 'image/gif', webp: 'image/webp' };

function imagePart(url: string): Part {
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (data !== null) return { inlineData: { mimeType: data[1], data: data[2] } };
  const ext = /\.([a-z]+)(?:\?|$)/i.exec(url)?.[1]?.toLowerCase() ?? '';
  return { fileData: { mimeType: EXT_MIME[ext] ?? 'image/jpeg', fileUri: url } };
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return objects(content)
    .map((p) => str(p.text) ?? '')
    .join('');
}

function userParts(content: unknown): Part[] {
  if (typeof content === 'string') return [{ text: content }];
  const parts: Part[] = [];
  for (const p of objects(content)) {
    if (p.type === 'text' && typeof p.text === 'string') parts.push({ text: p.text });
    else if (p.type === 'image_url') {
      const url = isObject(p.image_url) ? str(p.image_url.url) : str(p.image_url);
      if (url !== undefined) parts.push(imagePart(url));
    }
  }
  return parts;
}

function parseArgs(raw: unknown): Obj {
  if (isObject(raw)) return raw;
  if (typeof raw !== 'string' || raw.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(raw);
    return isObject(v) ? v : { value: v };
  } catch {
    return { arguments: raw };
  }
}

/** A tool result as functionResponse.response, which must be an object. */
function toolResponse(content: unknown): Obj {
  const text = textOf(content);
  try {
    const v: unknown = JSON.parse(text);
    if (isObject(v)) return v;
  } catch {
    // plain text result
  }
  return { content: text };
}

/** The Gemini contents and system instruction of OpenAI messages; same-role turns are merged. */
export function toGeminiContents(raw: unknown): { contents: Content[]; system: string | undefined } {
  const contents: Content[] = [];
  const system: string[] = [];
  const callNames = new Map<string, string>(); // tool_call_id -> function name
  const push = (role: Content['role'], parts: Part[]): void => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last !== undefined && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  for (const m of objects(raw)) {
    if (m.role === 'system' || m.role === 'developer') {
      system.push(textOf(m.content));
    } else if (m.role === 'assistant') {
      const parts: Part[] = [];
      const text = textOf(m.content);
      if (text !== '') parts.push({ text });
      for (const call of objects(m.tool_calls)) {
        const fn = isObject(call.function) ? call.function : {};
        const name = str(fn.name) ?? '';
        if (typeof call.id === 'string') callNames.set(call.id, name);
        parts.push({ functionCall: { name, args: parseArgs(fn.arguments) } });
      }
      push('model', parts);
    } else if (m.role === 'tool') {
      const name = callNames.get(str(m.tool_call_id) ?? '') ?? str(m.name) ?? '';
      push('user', [{ functionResponse: { name, response: toolResponse(m.content) } }]);
    } else {
      push('user', userParts(m.content));
    }
  }
  return { contents, system: system.length > 0 ? system.join('\n\n') : undefined };
}

function tools(raw: unknown): Obj[] {
  const decls: Obj[] = [];
  for (const t of objects(raw)) {
    const fn = isObject(t.function) ? t.function : undefined;
    const name = fn !== undefined ? str(fn.name) : undefined;
    if (t.type !== 'function' || fn === undefined || name === undefined) continue;
    const decl: Obj = { name };
    const description = str(fn.description);
    if (description !== undefined) decl.description = description;
    // Gemini refuses an object schema without properties: a function without parameters omits it.
    if (
      isObject(fn.parameters) &&
      isObject(fn.parameters.properties) &&
      Object.keys(fn.parameters.properties).length > 0
    )
      decl.parameters = cleanSchema(fn.parameters);
    decls.push(decl);
  }
  return decls.length > 0 ? [{ functionDeclarations: decls }] : [];
}

function toolConfig(raw: unknown): Obj | undefined {
  if (raw === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (raw === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (raw === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (isObject(raw) && isObject(raw.function) && typeof raw.function.name === 'string')
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [raw.function.name] } };
  return undefined;
}

function generationConfig(body: Obj): Obj {
  const out: Obj = {};
  const set = (key: string, v: unknown): void => {
    if (v !== undefined) out[key] = v;
  };
  set('temperature', num(body.temperature));
  set('topP', num(body.top_p));
  set('maxOutputTokens', num(body.max_completion_tokens) ?? num(body.max_tokens));
  set('seed', num(body.seed));
  set('presencePenalty', num(body.presence_penalty));
  set('frequencyPenalty', num(body.frequency_penalty));
  const stop = typeof body.stop === 'string' ? [body.stop] : Array.isArray(body.stop) ? body.stop : [];
  const stops = stop.filter((s): s is string => typeof s === 'string' && s !== '');
  if (stops.length > 0) out.stopSequences = stops;
  const format = isObject(body.response_format) ? body.response_format : undefined;
  if (format?.type === 'json_object') out.responseMimeType = 'application/json';
  if (format?.type === 'json_schema' && isObject(format.json_schema)) {
    out.responseMimeType = 'application/json';
    if (isObject(format.json_schema.schema)) out.responseSchema = cleanSchema(format.json_schema.schema);
  }
  return out;
}

/** The generateContent body for an OpenAI chat request. */
export function toGeminiRequest(body: Obj): Obj {
  const { contents, system } = toGeminiContents(body.messages);
  const out: Obj = { contents };
  if (system !== undefined && system !== '') out.systemInstruction = { parts: [{ text: system }] };
  const fnTools = tools(body.tools);
  if (fnTools.length > 0) {
    out.tools = fnTools;
    const config = toolConfig(body.tool_choice);
    if (config !== undefined) out.toolConfig = config;
  }
  const gen = generationConfig(body);
  if (Object.keys(gen).length > 0) out.generationConfig = gen;
  return out;
}
