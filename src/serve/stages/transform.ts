// Shapes the body sent upstream from the endpoint's settings: params as defaults (or forced
// with lockParams), prompt.system prepended, prompt.template wrapped around the last user
// message. The caller's parsed body is copied, never mutated, so the usage log sees what was asked.
import type { CompiledChatEndpoint } from '../../compile/routing-table.js';
import type { RequestContext } from '../context.js';
import type { Next, Stage } from '../pipeline.js';

const INPUT = '{{input}}';

function wrap(template: string, input: string): string {
  return template.split(INPUT).join(input);
}

/** Applies the template to the text of one message's content (a string or content parts). */
function wrapContent(template: string, content: unknown): unknown {
  if (typeof content === 'string') return wrap(template, content);
  if (!Array.isArray(content)) return content;
  // Multi-part content: wrap the text parts joined, keep the rest (images...) after it.
  const text = content
    .filter((p): p is { type: 'text'; text: string } => typeof p === 'object' && p !== null && p.type === 'text' && typeof p.text === 'string')
    .map((p) => p.text)
    .join('\n');
  const others = content.filter((p) => !(typeof p === 'object' && p !== null && p.type === 'text'));
  return [{ type: 'text', text: wrap(template, text) }, ...others];
}

export function applyEndpoint(ep: CompiledChatEndpoint, body: Record<string, unknown>): Record<string, unknown> {
  // Object.assign, not `{ ...body }`: V8 (Node 20) takes a ~3 µs slow path when fields are
  // added to a spread copy, which the params below may do.
  const out: Record<string, unknown> = Object.assign({}, body);
  for (const [name, value] of Object.entries(ep.params)) {
    if (value === undefined) continue;
    if (ep.lockParams || out[name] === undefined || out[name] === null) out[name] = value;
  }
  const { system, template } = ep.prompt;
  if (system === undefined && template === undefined) return out;
  let messages = [...(body['messages'] as Record<string, unknown>[])];
  if (template !== undefined) {
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i] as Record<string, unknown>;
      if (m['role'] !== 'user') continue;
      messages[i] = { ...m, content: wrapContent(template, m['content']) };
      break;
    }
  }
  if (system !== undefined) messages = [{ role: 'system', content: system }, ...messages];
  out['messages'] = messages;
  return out;
}

export function transformStage(): Stage {
  return async function transform(ctx: RequestContext, next: Next): Promise<void> {
    if (ctx.endpoint !== undefined && ctx.body !== undefined) ctx.upstreamBody = applyEndpoint(ctx.endpoint, ctx.body);
    const adapt = ctx.route.dialect.applyEndpointNative;
    if (ctx.endpoint !== undefined && ctx.native !== undefined && adapt !== undefined) ctx.native = adapt(ctx.endpoint, ctx.native);
    return next();
  };
}
