// The MCP tool call's own stage (the mcp_tool list in pipeline.ts): the 'body' of a call that
// has no HTTP body of its own. The tool's arguments become the simple API's envelope (`input`
// for an endpoint with schema.input, else `message`), read by the simple API's reader, so every
// later stage (route, limits, budget, guardrails, schemas, upstream, usage) runs as it does for
// POST /api/{workspace}/{endpoint}.
import { GwError } from '../../errors.js';
import type { RequestContext } from '../context.js';
import type { Next, Stage } from '../stage.js';
import { readSimpleApiBody } from './simple.js';

export function mcpToolBodyStage(): Stage {
  return async function body(ctx: RequestContext, next: Next): Promise<void> {
    const call = ctx.toolCall;
    if (call === undefined || ctx.key === undefined) {
      throw new GwError('GW_ERR_INTERNAL', 'the MCP tool stage ran without a tool call or a key');
    }
    const ep = ctx.workspace?.endpoints.get(call.endpoint);
    // An endpoint that is not exposed is no tool, whatever the key may reach otherwise.
    if (ep === undefined || ep.type !== 'chat' || !ep.enabled || !ep.mcp.expose) {
      throw new GwError('GW_ERR_MODEL_NOT_FOUND', `no tool '${call.endpoint.slice(0, 64)}' in this MCP server`);
    }
    const args = call.arguments;
    let envelope: Record<string, unknown>;
    if (ep.schemaJson.input !== undefined) envelope = { model: ep.name, input: args };
    else {
      const extra = Object.keys(args).find((k) => k !== 'message');
      if (typeof args['message'] !== 'string' || extra !== undefined) {
        throw new GwError('GW_ERR_BAD_REQUEST', `tool '${ep.name}' takes {"message": string} and nothing else`);
      }
      envelope = { model: ep.name, message: args['message'] };
    }
    ctx.bodyBytes = Buffer.byteLength(JSON.stringify(args));
    ctx.modelAsked = ep.name;
    readSimpleApiBody(ctx, envelope);
    ctx.stream = false;
    return next();
  };
}
