// The simple API's own stages (the simple and simple_endpoints lists in pipeline.ts): its body
// reader, a transform that renders `input` into prompt.template, the envelope answer, and the
// role-filtered endpoint listing. The other stages (route, limits, budget, schemas, sessions,
// upstream) are the chat surface's own, so every check runs the same here.
import type { CompiledChatEndpoint, CompiledKey } from '../../compile/routing-table.js';
import { GwError } from '../../errors.js';
import { endpointDenied, modelDenied, notFound } from '../../policy/access.js';
import { applyEndpoint, openaiCodec, type Obj } from '../../wire/index.js';
import { readSimpleBody, simpleReply, simpleStreamWriter, type SimpleMeta } from '../../wire/simple/caller.js';
import { answerJson } from '../answer.js';
import type { RequestContext } from '../context.js';
import { pipeStream } from '../sse.js';
import type { Next, Stage, StageDeps } from '../stage.js';
import type { BodyReader } from './body.js';
import { askedSession } from './session.js';
import { tokens } from './usage.js';
import { compareText } from '../../util/compare-text.js';

/** `{{input}}` (the whole object as JSON) or `{{input.a.b}}` (one field); compiled once. */
const PLACEHOLDER = /\{\{\s*input((?:\.[A-Za-z0-9_-]+)*)\s*\}\}/g;

function workspaceOf(ctx: RequestContext, key: CompiledKey): string {
  const ws = ctx.route.params['workspace'] ?? '';
  // Another workspace's names are not this key's to know: the same 404 as an unknown endpoint.
  if (ws !== key.workspace) {
    throw notFound(`workspace '${ws.slice(0, 64)}'`, key, ctx.workspace, undefined);
  }
  return ws;
}

/** POST /api/{workspace}/{endpoint}: the envelope body into the hub request. */
export const readSimpleApiBody: BodyReader = (ctx, parsed) => {
  const key = ctx.key;
  if (key === undefined) throw new GwError('GW_ERR_INTERNAL', 'body stage reached without a key');
  workspaceOf(ctx, key);
  const read = readSimpleBody(parsed);
  ctx.body = read.body;
  ctx.input = read.input;
  ctx.sessionAsked = askedSession(read.sessionId, 'session_id');
};

/** The template with `input` in it: a string field as it is, anything else as JSON; a missing field is empty. */
export function renderInput(template: string | undefined, input: Obj): string {
  if (template === undefined) return JSON.stringify(input);
  return template.replace(PLACEHOLDER, (_m, path: string) => {
    let v: unknown = input;
    if (path !== '') {
      for (const part of path.slice(1).split('.'))
        v = v !== null && typeof v === 'object' ? (v as Obj)[part] : undefined;
    }
    if (v === undefined) return '';
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

/**
 * The chat transform, except that an `input` call has its user message made from the template
 * here (the chat transform's template wraps the caller's text instead).
 */
export function simpleTransformStage(): Stage {
  return async function transform(ctx: RequestContext, next: Next): Promise<void> {
    const ep = ctx.endpoint;
    const body = ctx.body;
    if (ep !== undefined && body !== undefined) {
      if (ctx.input === undefined) {
        ctx.body = applyEndpoint(ep, body, openaiCodec);
      } else {
        const withInput = Object.assign({}, body);
        openaiCodec.replaceMessages(withInput, [{ role: 'user', content: renderInput(ep.prompt.template, ctx.input) }]);
        const shaping = {
          params: ep.params,
          lockParams: ep.lockParams,
          prompt: { system: ep.prompt.system, template: undefined },
        };
        ctx.body = applyEndpoint(shaping, withInput, openaiCodec);
      }
    }
    return next();
  };
}

function meta(ctx: RequestContext): SimpleMeta {
  const o = ctx.outcome;
  const u = o === undefined ? undefined : tokens(ctx);
  return {
    session_id: ctx.session?.id ?? null,
    model: ctx.model ?? null,
    provider: o?.provider?.name ?? null,
    usage:
      u === undefined
        ? null
        : { prompt_tokens: u.tokensIn, completion_tokens: u.tokensOut, total_tokens: u.tokensIn + u.tokensOut },
    request_id: ctx.id,
  };
}

/** The envelope: `{ok, content, meta}` as JSON, or delta/done events. */
export function simpleRespondStage(deps: StageDeps): Stage {
  const { logger } = deps;
  return async function respond(ctx: RequestContext): Promise<void> {
    if (ctx.local !== undefined) return answerJson(ctx, 200, ctx.local);
    const o = ctx.outcome;
    const from = o?.dialect ?? 'openai';
    if (o?.stream !== undefined)
      return pipeStream(
        ctx,
        o.stream,
        simpleStreamWriter(from, () => meta(ctx)),
        logger,
      );
    if (o?.json !== undefined) return answerJson(ctx, 200, simpleReply(o.json, from, meta(ctx)));
    throw new GwError('GW_ERR_INTERNAL', 'the pipeline produced no answer');
  };
}

function listed(ep: CompiledChatEndpoint, key: CompiledKey, ws: string): Obj | undefined {
  if (!ep.enabled || endpointDenied(key, ep) !== undefined) return undefined;
  const models = ep.models.filter((m) => modelDenied(key, m) === undefined);
  if (models.length === 0) return undefined;
  return {
    name: ep.name,
    url: `/api/${encodeURIComponent(ws)}/${encodeURIComponent(ep.name)}`,
    description: ep.description ?? null,
    models,
    streaming: ep.streaming,
    sessions: ep.sessions !== undefined,
    input_schema: ep.schemaJson.input ?? null,
  };
}

/** GET /api/{workspace}/endpoints: the chat endpoints this key's roles and allow lists let it call. */
export function endpointsStage(): Stage {
  return async function endpoints(ctx: RequestContext, next: Next): Promise<void> {
    const key = ctx.key;
    if (key === undefined) throw new GwError('GW_ERR_INTERNAL', 'endpoints stage reached without a key');
    const ws = workspaceOf(ctx, key);
    const list: Obj[] = [];
    for (const ep of ctx.workspace?.endpoints.values() ?? []) {
      if (ep.type !== 'chat') continue;
      const item = listed(ep, key, ws);
      if (item !== undefined) list.push(item);
    }
    list.sort((a, b) => compareText(String(a['name']), String(b['name'])));
    ctx.local = { ok: true, workspace: ws, endpoints: list };
    return next();
  };
}
