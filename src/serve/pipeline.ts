// The request pipelines: one positive, named stage list per surface, in PIPELINES and nowhere
// else. Each stage is factory(deps) -> named async function (ctx, next); compose() chains them
// onion-style, so a stage can act before and after the ones that follow it ('usage' wraps
// everything to record failed requests too; 'errors' turns any throw below it into the
// dialect's answer). A surface that does a thing differently lists another stage under the
// same name (body, upstream): stages never branch on the route's api. The stage types live in
// stage.ts, so no stage imports this file.
import type { Api, RequestContext } from './context.js';
import type { Stage, StageDeps, StageFactory } from './stage.js';
import { authStage } from './stages/auth.js';
import { bodyStage, readChatBody, readCountBody, readEmbeddingsBody } from './stages/body.js';
import { errorsStage } from './stages/errors.js';
import { limitsStage } from './stages/limits.js';
import { mcpToolBodyStage } from './stages/mcp.js';
import { budgetStage } from './stages/budget.js';
import { inputGuardrailsStage, outputGuardrailsStage } from './stages/guardrails.js';
import { inputSchemaStage, outputSchemaStage } from './stages/schema.js';
import { sessionSaveStage, sessionStage } from './stages/session.js';
import { endpointsStage, readSimpleApiBody, simpleRespondStage, simpleTransformStage } from './stages/simple.js';
import { tokenCapStage } from './stages/token-cap.js';
import { respondStage } from './stages/respond.js';
import { modelsStage, routeStage } from './stages/route.js';
import { proxyRouteStage, proxyUpstreamStage } from './stages/proxy.js';
import { responsesGetStage } from './stages/responses.js';
import { transformStage } from './stages/transform.js';
import { chatUpstreamStage, countTokensStage, embeddingsUpstreamStage } from './stages/upstream.js';
import { usageStage } from './stages/usage.js';

export type { Next, Stage, StageDeps, StageFactory } from './stage.js';

export type PipelineSpec = readonly (readonly [name: string, factory: StageFactory])[];

/** Every surface's stages, in order. */
export const PIPELINES: Readonly<Record<Api, PipelineSpec>> = Object.freeze({
  chat: [
    ['usage', usageStage],
    ['errors', errorsStage],
    ['auth', authStage],
    ['body', bodyStage(readChatBody)],
    ['route', routeStage],
    ['limits', limitsStage],
    ['budget', budgetStage],
    ['tokenCap', tokenCapStage],
    ['inputGuardrails', inputGuardrailsStage],
    ['inputSchema', inputSchemaStage],
    ['transform', transformStage],
    ['session', sessionStage],
    ['upstream', chatUpstreamStage],
    ['outputGuardrails', outputGuardrailsStage],
    ['outputSchema', outputSchemaStage],
    ['sessionSave', sessionSaveStage],
    ['respond', respondStage],
  ],
  embeddings: [
    ['usage', usageStage],
    ['errors', errorsStage],
    ['auth', authStage],
    ['body', bodyStage(readEmbeddingsBody)],
    ['route', routeStage],
    ['limits', limitsStage],
    ['budget', budgetStage],
    ['tokenCap', tokenCapStage],
    ['inputGuardrails', inputGuardrailsStage],
    ['inputSchema', inputSchemaStage],
    ['upstream', embeddingsUpstreamStage],
    ['respond', respondStage],
  ],
  // Token counting reads the body the call would send (route, transform) and answers locally.
  count_tokens: [
    ['usage', usageStage],
    ['errors', errorsStage],
    ['auth', authStage],
    ['body', bodyStage(readCountBody)],
    ['route', routeStage],
    ['transform', transformStage],
    ['countTokens', countTokensStage],
    ['respond', respondStage],
  ],
  // GET /v1/responses/{id}: gw stores no responses, so the key is checked and the call refused.
  // (POST /v1/responses is the chat pipeline: its dialect reads the body into the hub shape.)
  responses_get: [
    ['usage', usageStage],
    ['errors', errorsStage],
    ['auth', authStage],
    ['refuse', responsesGetStage],
  ],
  // A model listing never reads a body or goes upstream.
  models: [
    ['usage', usageStage],
    ['errors', errorsStage],
    ['auth', authStage],
    ['models', modelsStage],
    ['respond', respondStage],
  ],
  // POST /api/{workspace}/{endpoint}: the chat pipeline with the simple API's body, input
  // template and envelope answer.
  simple: [
    ['usage', usageStage],
    ['errors', errorsStage],
    ['auth', authStage],
    ['body', bodyStage(readSimpleApiBody)],
    ['route', routeStage],
    ['limits', limitsStage],
    ['budget', budgetStage],
    ['tokenCap', tokenCapStage],
    ['inputGuardrails', inputGuardrailsStage],
    ['inputSchema', inputSchemaStage],
    ['transform', simpleTransformStage],
    ['session', sessionStage],
    ['upstream', chatUpstreamStage],
    ['outputGuardrails', outputGuardrailsStage],
    ['outputSchema', outputSchemaStage],
    ['sessionSave', sessionSaveStage],
    ['respond', simpleRespondStage],
  ],
  // An MCP tools/call (serve/mcp/): the simple pipeline run without a socket. Its body is the
  // tool's arguments (no HTTP body to read) and its answer goes to a MemorySink, which the
  // bridge turns into the tool result.
  mcp_tool: [
    ['usage', usageStage],
    ['errors', errorsStage],
    ['auth', authStage],
    ['body', mcpToolBodyStage],
    ['route', routeStage],
    ['limits', limitsStage],
    ['budget', budgetStage],
    ['tokenCap', tokenCapStage],
    ['inputGuardrails', inputGuardrailsStage],
    ['inputSchema', inputSchemaStage],
    ['transform', simpleTransformStage],
    ['session', sessionStage],
    ['upstream', chatUpstreamStage],
    ['outputGuardrails', outputGuardrailsStage],
    ['outputSchema', outputSchemaStage],
    ['sessionSave', sessionSaveStage],
    ['respond', simpleRespondStage],
  ],
  // GET /api/{workspace}/endpoints: answered locally, like a model listing.
  simple_endpoints: [
    ['usage', usageStage],
    ['errors', errorsStage],
    ['auth', authStage],
    ['endpoints', endpointsStage],
    ['respond', respondStage],
  ],
  // The transparent proxy: no body is read or parsed here (it streams through the upstream
  // stage), no tokens are counted, so no budget, token cap, guardrails or transform.
  proxy: [
    ['usage', usageStage],
    ['errors', errorsStage],
    ['auth', authStage],
    ['route', proxyRouteStage],
    ['limits', limitsStage],
    ['upstream', proxyUpstreamStage],
    ['respond', respondStage],
  ],
});

export function stageNames(api: Api): string[] {
  return PIPELINES[api].map(([name]) => name);
}

/** Builds one surface's pipeline once, at startup. */
export function buildPipeline(api: Api, deps: StageDeps): (ctx: RequestContext) => Promise<void> {
  return compose(PIPELINES[api].map(([, factory]) => factory(deps)));
}

export function compose(stages: readonly Stage[]): (ctx: RequestContext) => Promise<void> {
  return function run(ctx: RequestContext): Promise<void> {
    let last = -1;
    const dispatch = (i: number): Promise<void> => {
      if (i <= last) return Promise.reject(new Error('next() called more than once in one stage'));
      last = i;
      const stage = stages[i];
      if (stage === undefined) return Promise.resolve();
      return stage(ctx, () => dispatch(i + 1));
    };
    return dispatch(0);
  };
}
