// The request pipeline: the stage order lives in STAGES and nowhere else. Each stage is
// factory(deps) -> named async function (ctx, next); compose() chains them onion-style, so a
// stage can act before and after the ones that follow it ('usage' wraps everything to record
// failed requests too; 'errors' turns any throw below it into the dialect's answer).
import type { Logger } from '../telemetry/logger.js';
import type { UsageRow } from '../telemetry/usage-row.js';
import type { PoolRegistry } from '../upstream/pool.js';
import type { Api, RequestContext } from './context.js';
import { authStage } from './stages/auth.js';
import { bodyStage } from './stages/body.js';
import { errorsStage } from './stages/errors.js';
import {
  budgetStage,
  inputGuardrailsStage,
  inputSchemaStage,
  limitsStage,
  outputGuardrailsStage,
  outputSchemaStage,
  sessionStage,
  tokenCapStage,
} from './stages/slots.js';
import { respondStage } from './stages/respond.js';
import { routeStage } from './stages/route.js';
import { transformStage } from './stages/transform.js';
import { upstreamStage } from './stages/upstream.js';
import type { UpstreamPort } from './stages/upstream.js';
import { usageStage } from './stages/usage.js';

export type Next = () => Promise<void>;
export type Stage = (ctx: RequestContext, next: Next) => Promise<void>;

/** What stages may use besides the request itself. */
export interface StageDeps {
  readonly logger: Logger;
  readonly usageLog: { record(row: UsageRow): void };
  readonly pools: PoolRegistry;
  readonly upstream: UpstreamPort;
}

export type StageFactory = (deps: StageDeps) => Stage;

/** The order every request takes. The pass-through slots are filled by the limits/guardrails issue. */
export const STAGES = [
  ['usage', usageStage],
  ['errors', errorsStage],
  ['auth', authStage],
  ['body', bodyStage],
  ['route', routeStage],
  ['limits', limitsStage],
  ['budget', budgetStage],
  ['tokenCap', tokenCapStage],
  ['inputGuardrails', inputGuardrailsStage],
  ['inputSchema', inputSchemaStage],
  ['transform', transformStage],
  ['session', sessionStage],
  ['upstream', upstreamStage],
  ['outputGuardrails', outputGuardrailsStage],
  ['outputSchema', outputSchemaStage],
  ['respond', respondStage],
] as const satisfies readonly (readonly [string, StageFactory])[];

export type StageName = (typeof STAGES)[number][0];

/** Stages an API leaves out: a model listing never reads a body or goes upstream. */
const SKIP: Readonly<Record<Api, ReadonlySet<StageName>>> = {
  chat: new Set(),
  embeddings: new Set<StageName>(['transform', 'session', 'outputGuardrails', 'outputSchema']),
  // Token counting reads the body the call would send (route, transform) and answers locally.
  count_tokens: new Set<StageName>([
    'limits', 'budget', 'tokenCap', 'inputGuardrails', 'inputSchema', 'session', 'outputGuardrails', 'outputSchema',
  ]),
  models: new Set<StageName>([
    'body', 'limits', 'budget', 'tokenCap', 'inputGuardrails', 'inputSchema',
    'transform', 'session', 'upstream', 'outputGuardrails', 'outputSchema',
  ]),
};

export function stageNames(api: Api): StageName[] {
  return STAGES.filter(([name]) => !SKIP[api].has(name)).map(([name]) => name);
}

/** Builds the pipeline for one API once, at startup. */
export function buildPipeline(api: Api, deps: StageDeps): (ctx: RequestContext) => Promise<void> {
  return compose(STAGES.filter(([name]) => !SKIP[api].has(name)).map(([, factory]) => factory(deps)));
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
