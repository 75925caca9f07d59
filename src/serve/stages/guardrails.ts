// The guardrail stages: input (before the endpoint's own prompt is added, so only what the caller
// sent is checked: every message, tool-call arguments and tool results included) and output (the
// JSON answer, or the stream as it passes). The codec of the format at hand finds the texts;
// policy/guardrails.ts decides. A block before the answer began is a 422 in the caller's
// dialect; in the middle of a stream, the stream ends with the dialect's error event (sse.ts).
import type { CompiledGuardrail } from '../../compile/routing-table.js';
import { guardrailsFor, StreamGuard, TextGuard } from '../../policy/guardrails.js';
import { codecFor, openaiCodec } from '../../wire/index.js';
import type { Obj, TextPlace, WireCodec } from '../../wire/index.js';
import type { RequestContext } from '../context.js';
import type { Next, Stage } from '../stage.js';

/**
 * Checks every text of `obj` at `place`; when a mask changed any, returns a masked copy (the
 * given object is never changed: it may be the upstream's own answer, sent as its bytes), else
 * undefined. Throws GW_ERR_GUARDRAIL_BLOCKED.
 */
function guardObject(
  obj: Obj,
  place: TextPlace,
  codec: WireCodec,
  gs: readonly CompiledGuardrail[],
  hits: Set<string>,
): Obj | undefined {
  const check = new TextGuard(gs, hits);
  let changed = false;
  // The check hands every text back unchanged (mapText writes the same strings back).
  codec.mapText(obj, place, (text) => {
    if (check.text(text) !== text) changed = true;
    return text;
  });
  return changed ? masked(obj, place, codec, gs, hits) : undefined;
}

function masked(
  obj: Obj,
  place: TextPlace,
  codec: WireCodec,
  gs: readonly CompiledGuardrail[],
  hits: Set<string>,
): Obj {
  const copy = structuredClone(obj);
  const mask = new TextGuard(gs, hits);
  codec.mapText(copy, place, (text) => mask.text(text));
  return copy;
}

function guardInput(ctx: RequestContext, gs: readonly CompiledGuardrail[]): void {
  const hits = (ctx.guardrailHits ??= new Set());
  const native = ctx.native;
  // What the caller sent: its own body when it has one, else the hub body read from it.
  const sent = native?.body ?? ctx.body;
  if (sent === undefined) return;
  if (guardObject(sent, 'request', codecFor(native?.dialect), gs, hits) === undefined) return;
  // Masked: both bodies that may go upstream are replaced by masked copies.
  if (ctx.body !== undefined) ctx.body = masked(ctx.body, 'request', openaiCodec, gs, hits);
  if (native !== undefined)
    ctx.native = { dialect: native.dialect, body: masked(native.body, 'request', codecFor(native.dialect), gs, hits) };
}

/** Input guardrails (block 422 / mask / log) over what the caller sent. */
export function inputGuardrailsStage(): Stage {
  // A plain function (no async wrapper) for endpoints without guardrails: the common case.
  return function inputGuardrails(ctx: RequestContext, next: Next): Promise<void> {
    const all = ctx.endpoint?.guardrails;
    if (all === undefined || all.length === 0) return next();
    const gs = guardrailsFor(all, 'input');
    if (gs.length === 0) return next();
    try {
      guardInput(ctx, gs);
    } catch (err) {
      return Promise.reject(err);
    }
    return next();
  };
}

/** The event carrying `text` in place of the text it had (the first text field gets it all). */
function setEventText(event: Obj, text: string, codec: WireCodec): void {
  let first = true;
  codec.mapText(event, 'event', () => {
    const out = first ? text : '';
    first = false;
    return out;
  });
}

/**
 * The stream with its text guarded. Text events go out with the text decided so far; the rest
 * (at most holdBack characters) waits for the next text, and goes out in a copy of the last text
 * event before any event without text (a finish, a block stop) or at the end.
 */
export async function* guardStream(
  stream: AsyncIterable<Obj>,
  codec: WireCodec,
  gs: readonly CompiledGuardrail[],
  hits: Set<string>,
): AsyncGenerator<Obj> {
  const guard = new StreamGuard(gs, hits);
  let template: Obj | undefined;
  const held = (): Obj | undefined => {
    if (!guard.pending || template === undefined) return undefined;
    const rest = guard.flush();
    if (rest === '') return undefined;
    const ev = structuredClone(template);
    setEventText(ev, rest, codec);
    return ev;
  };
  for await (const event of stream) {
    const text = codec.eventText(event);
    if (text === '') {
      const rest = held();
      if (rest !== undefined) yield rest;
      yield event;
      continue;
    }
    template = event;
    const out = guard.push(text);
    if (out !== text) setEventText(event, out, codec);
    yield event;
  }
  const rest = held();
  if (rest !== undefined) yield rest;
}

/** Output guardrails over the JSON answer or the stream. */
export function outputGuardrailsStage(): Stage {
  return function outputGuardrails(ctx: RequestContext, next: Next): Promise<void> {
    const all = ctx.endpoint?.guardrails;
    const o = ctx.outcome;
    if (all === undefined || all.length === 0 || o === undefined) return next();
    const gs = guardrailsFor(all, 'output');
    if (gs.length === 0) return next();
    const hits = (ctx.guardrailHits ??= new Set());
    const codec = codecFor(o.dialect);
    try {
      if (o.json !== undefined) {
        const copy = guardObject(o.json, 'answer', codec, gs, hits);
        if (copy !== undefined) o.json = copy;
      }
      if (o.stream !== undefined) o.stream = guardStream(o.stream, codec, gs, hits);
    } catch (err) {
      return Promise.reject(err);
    }
    return next();
  };
}
