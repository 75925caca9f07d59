// The endpoint's JSON Schemas (spec.schema, compiled once per table by compile/endpoints.ts).
// schema.input is checked before the call: the simple API's `input` object, or on the chat
// routes the last user message parsed as JSON → 422 GW_ERR_INPUT_SCHEMA naming the JSON path.
// schema.output is checked inside the upstream executor (answerCheck): an answer that is not
// JSON or does not match is a failed attempt, so the next target is tried before the caller gets
// 502 GW_ERR_OUTPUT_SCHEMA. A stream cannot be judged before its end, so with an output schema
// the upstream is asked for one JSON answer (bounded by upstream.maxAnswerBytes) and the
// outputSchema stage replays the checked answer to a streaming caller as a stream.
import type { CompiledChatEndpoint } from '../../compile/routing-table.js';
import { GwError } from '../../errors.js';
import type { ChatCall } from '../../upstream/execute.js';
import { codecFor, openaiCodec, type Obj } from '../../wire/index.js';
import type { RequestContext } from '../context.js';
import type { Next, Stage } from '../stage.js';

/** At most this many failures are named in a message (the schema may report many). */
const SHOWN_ERRORS = 5;
/** Characters of one failure shown: a path is made of the caller's own keys, which may be long. */
const SHOWN_CHARS = 300;

function describe(errors: readonly string[]): string {
  const more = errors.length > SHOWN_ERRORS ? ` (and ${errors.length - SHOWN_ERRORS} more)` : '';
  return (
    errors
      .slice(0, SHOWN_ERRORS)
      .map((e) => (e.length > SHOWN_CHARS ? `${e.slice(0, SHOWN_CHARS)}…` : e))
      .join('; ') + more
  );
}

/** The text of the last user message that has text, in a hub (OpenAI) body. */
export function lastUserText(body: Obj): string | undefined {
  const messages = openaiCodec.readMessages(body);
  if (messages === undefined) return undefined;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as Obj;
    if (m['role'] !== 'user') continue;
    let text: string | undefined;
    // The codec knows where a message keeps its text; the "wrap" only reads it.
    openaiCodec.wrapUserText(m, (t) => (text = (text ?? '') + t));
    if (text !== undefined) return text;
  }
  return undefined;
}

export function inputSchemaStage(): Stage {
  return function inputSchema(ctx: RequestContext, next: Next): Promise<void> {
    const ep = ctx.endpoint;
    const check = ep?.inputSchema;
    if (ep === undefined || check === undefined) return next();
    let value: unknown = ctx.input;
    if (value === undefined) {
      // A body without a conversation (embeddings) has no input the schema speaks of.
      if (ctx.body === undefined || openaiCodec.readMessages(ctx.body) === undefined) return next();
      const text = lastUserText(ctx.body);
      if (text === undefined) {
        throw new GwError(
          'GW_ERR_INPUT_SCHEMA',
          `endpoint '${ep.name}' takes JSON input: send it as the text of the last user message`,
        );
      }
      try {
        value = JSON.parse(text);
      } catch {
        throw new GwError(
          'GW_ERR_INPUT_SCHEMA',
          `endpoint '${ep.name}' takes JSON input: the last user message is not JSON`,
        );
      }
    }
    const errors = check(value);
    if (errors.length > 0) {
      throw new GwError(
        'GW_ERR_INPUT_SCHEMA',
        `the input does not match endpoint '${ep.name}' schema: ${describe(errors)}`,
        {
          errors: errors.slice(0, 20),
        },
      );
    }
    return next();
  };
}

/** A model's JSON is often wrapped in a Markdown code fence: the fence is not part of the answer. */
export function unfence(text: string): string {
  const t = text.trim();
  if (!t.startsWith('```') || !t.endsWith('```') || t.length < 6) return t;
  const firstLine = t.indexOf('\n');
  return firstLine === -1 ? t : t.slice(firstLine + 1, -3).trim();
}

type Check = NonNullable<ChatCall['check']>;
const checks = new WeakMap<CompiledChatEndpoint, Check>();

/** The executor's judge of one endpoint's answers (made once per compiled endpoint); undefined without schema.output. */
export function answerCheck(ep: CompiledChatEndpoint): Check | undefined {
  const validate = ep.outputSchema;
  if (validate === undefined) return undefined;
  let check = checks.get(ep);
  if (check === undefined) {
    check = (json, dialect) => {
      let value: unknown;
      try {
        value = JSON.parse(unfence(codecFor(dialect).answerText(json)));
      } catch {
        return 'the answer is not JSON';
      }
      const errors = validate(value);
      return errors.length === 0 ? undefined : describe(errors);
    };
    checks.set(ep, check);
  }
  return check;
}

/**
 * The hub body with a structured-output request for schema.output, when the caller set no
 * response_format itself (OpenAI-compatible targets honour it; the Anthropic translation drops it).
 */
export function withStructuredOutput(ep: CompiledChatEndpoint, body: Obj): Obj {
  const schema = ep.schemaJson.output;
  if (schema === undefined || body['response_format'] !== undefined) return body;
  const out: Obj = Object.assign({}, body);
  out['response_format'] = { type: 'json_schema', json_schema: { name: 'output', schema, strict: false } };
  return out;
}

/** One checked JSON answer (hub shape) as the chunks a streamed answer would have had. */
async function* replay(json: Obj, withUsage: boolean): AsyncGenerator<Obj> {
  const choice = (Array.isArray(json['choices']) ? json['choices'][0] : undefined) as Obj | undefined;
  const message = (choice?.['message'] ?? {}) as Obj;
  const base = { id: json['id'], object: 'chat.completion.chunk', created: json['created'], model: json['model'] };
  const content = typeof message['content'] === 'string' ? message['content'] : '';
  yield { ...base, choices: [{ index: 0, delta: { role: 'assistant', content }, finish_reason: null }] };
  yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: choice?.['finish_reason'] ?? 'stop' }] };
  if (withUsage && json['usage'] !== undefined) yield { ...base, choices: [], usage: json['usage'] };
}

/** A streaming caller of an endpoint with schema.output gets the checked answer replayed as a stream. */
export function outputSchemaStage(): Stage {
  return function outputSchema(ctx: RequestContext, next: Next): Promise<void> {
    const o = ctx.outcome;
    if (!ctx.stream || o === undefined || o.json === undefined || ctx.endpoint?.outputSchema === undefined)
      return next();
    const opts = ctx.body?.['stream_options'] as Obj | undefined;
    // respond sends a stream before a JSON answer.
    o.stream = replay(o.json, opts?.['include_usage'] === true);
    return next();
  };
}
