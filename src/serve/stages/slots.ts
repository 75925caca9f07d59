// Pipeline slots the limits, guardrails, schema and sessions issue fills. Each passes the
// request on unchanged today; its place in STAGES (pipeline.ts) is already the final one.
import type { Next, Stage } from '../pipeline.js';
import type { RequestContext } from '../context.js';

type Slot = () => Stage;

/** Rate limits (rpm/rph/tpm per key and endpoint, 429 + Retry-After): not enforced yet. */
export const limitsStage: Slot = () => async function limits(_ctx: RequestContext, next: Next) { return next(); };
/** Monthly budget per key and endpoint (422 when spent): not enforced yet. */
export const budgetStage: Slot = () => async function budget(_ctx: RequestContext, next: Next) { return next(); };
/** limits.maxInputTokens (422): not enforced yet. */
export const tokenCapStage: Slot = () => async function tokenCap(_ctx: RequestContext, next: Next) { return next(); };
/** Input guardrails (block 422 / mask / log): not applied yet. */
export const inputGuardrailsStage: Slot = () => async function inputGuardrails(_ctx: RequestContext, next: Next) { return next(); };
/** Endpoint input JSON Schema (422): not checked yet. */
export const inputSchemaStage: Slot = () => async function inputSchema(_ctx: RequestContext, next: Next) { return next(); };
/** Sessions (session_id history, ttl, maxMessages): not kept yet. */
export const sessionStage: Slot = () => async function session(_ctx: RequestContext, next: Next) { return next(); };
/** Output guardrails: not applied yet. */
export const outputGuardrailsStage: Slot = () => async function outputGuardrails(_ctx: RequestContext, next: Next) { return next(); };
/** Endpoint output JSON Schema (502): not checked yet. */
export const outputSchemaStage: Slot = () => async function outputSchema(_ctx: RequestContext, next: Next) { return next(); };
