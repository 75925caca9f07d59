// Pipeline slots the schema and sessions issue fills (guardrails: stages/guardrails.ts). Each passes the
// request on unchanged today; its place in each surface's list (PIPELINES, pipeline.ts) is already the final one.
import type { Next, Stage } from '../stage.js';
import type { RequestContext } from '../context.js';

// Plain functions that hand back next()'s promise: an async wrapper per slot would add a
// promise and three microtask hops each, eight times per request.
type Slot = () => Stage;

/** Endpoint input JSON Schema (422): not checked yet. */
export const inputSchemaStage: Slot = () =>
  function inputSchema(_ctx: RequestContext, next: Next) {
    return next();
  };
/** Sessions (session_id history, ttl, maxMessages): not kept yet. */
export const sessionStage: Slot = () =>
  function session(_ctx: RequestContext, next: Next) {
    return next();
  };
/** Endpoint output JSON Schema (502): not checked yet. */
export const outputSchemaStage: Slot = () =>
  function outputSchema(_ctx: RequestContext, next: Next) {
    return next();
  };
