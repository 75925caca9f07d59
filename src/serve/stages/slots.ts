// Pipeline slots the guardrails issue fills. Each passes the
// request on unchanged today; its place in each surface's list (PIPELINES, pipeline.ts) is already the final one.
import type { Next, Stage } from '../stage.js';
import type { RequestContext } from '../context.js';

// Plain functions that hand back next()'s promise: an async wrapper per slot would add a
// promise and three microtask hops each, eight times per request.
type Slot = () => Stage;

/** Input guardrails (block 422 / mask / log): not applied yet. */
export const inputGuardrailsStage: Slot = () =>
  function inputGuardrails(_ctx: RequestContext, next: Next) {
    return next();
  };
/** Output guardrails: not applied yet. */
export const outputGuardrailsStage: Slot = () =>
  function outputGuardrails(_ctx: RequestContext, next: Next) {
    return next();
  };
