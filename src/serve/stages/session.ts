// Sessions (Endpoint spec.sessions): gw keeps the conversation server-side. A caller names a
// session with the x-gw-session-id header (any route) or the simple API's session_id field; its
// history goes in front of the new turn, after the system prompt. A call without one starts a
// new session, whose id comes back in x-gw-session-id (and the simple API's meta.session_id).
// The oldest messages are dropped beyond maxMessages and maxTokens (the system prompt is never
// stored: the endpoint adds it to every call). A session belongs to the key and the endpoint
// that created it: its store id includes both, so another key asking for it finds nothing and
// gets the same 404 as for an unknown or expired id. The turn and the answer are stored once the
// answer is complete, before its last byte goes out (sessionSave); a failed or cut answer leaves
// the session as it was.
import { randomUUID } from 'node:crypto';
import { GwError } from '../../errors.js';
import { estimateTokens } from '../../util/estimate-tokens.js';
import { now } from '../../util/clock.js';
import { codecFor, openaiCodec, type Obj } from '../../wire/index.js';
import type { CompiledChatEndpoint } from '../../compile/routing-table.js';
import type { Outcome, RequestContext, SessionState } from '../context.js';
import type { Next, Stage, StageDeps } from '../stage.js';

export const SESSION_HEADER = 'x-gw-session-id';

/** A session id a caller may send: short and plain (it is echoed in a header and used as a key). */
const SANE_SESSION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Text kept of a streamed answer for the session, at most (a longer answer is stored cut). */
const MAX_STORED_ANSWER_CHARS = 1 << 20;

/** How often, at most, expired sessions are swept out of the store. */
const SWEEP_EVERY_MS = 60_000;

/** A message as kept in a session: the hub (OpenAI) shape. */
export type SessionMessage = Readonly<Obj>;

/** The session id the caller sent, checked; undefined when none. */
export function askedSession(value: unknown, from: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !SANE_SESSION_ID.test(value)) {
    throw new GwError(
      'GW_ERR_BAD_REQUEST',
      `${from} must be 1 to 128 letters, digits or . _ : - (the id gw returned when the session started)`,
    );
  }
  return value;
}

function messageTokens(m: SessionMessage): number {
  const c = m['content'];
  return estimateTokens(typeof c === 'string' ? c : JSON.stringify(c ?? '')) + 1;
}

/**
 * The newest messages that fit maxMessages and maxTokens, `keep` newest ones always kept (the
 * new turn). What is kept starts with a user message, so no conversation opens with an answer.
 */
export function trimHistory(
  messages: readonly SessionMessage[],
  limits: { readonly maxMessages: number; readonly maxTokens: number | undefined },
  keep = 0,
): SessionMessage[] {
  let from = Math.max(0, messages.length - Math.max(limits.maxMessages, keep));
  if (limits.maxTokens !== undefined) {
    let tokens = 0;
    for (let i = messages.length - 1; i >= from; i--) {
      tokens += messageTokens(messages[i] as SessionMessage);
      if (tokens > limits.maxTokens && i < messages.length - keep) {
        from = i + 1;
        break;
      }
    }
  }
  while (from < messages.length - keep && (messages[from] as SessionMessage)['role'] !== 'user') from++;
  return messages.slice(from);
}

function isSystem(m: Obj): boolean {
  return m['role'] === 'system' || m['role'] === 'developer';
}

/** Loads the caller's session (or starts one) and puts its history in front of the new turn. */
export function sessionStage(deps: StageDeps): Stage {
  const store = deps.sessions;
  const clock = deps.clock ?? now;
  let lastSweep = 0;
  // Not async itself: a request without sessions passes with no promise of its own.
  return function session(ctx: RequestContext, next: Next): Promise<void> {
    const asked = ctx.sessionAsked ?? askedSession(ctx.req.headers[SESSION_HEADER], `the ${SESSION_HEADER} header`);
    const ep = ctx.endpoint;
    if (ep?.sessions === undefined) {
      if (asked !== undefined && ep !== undefined) {
        throw new GwError('GW_ERR_BAD_REQUEST', `endpoint '${ep.name}' keeps no sessions (spec.sessions is not set)`);
      }
      return next();
    }
    return open(ctx, ep, asked, next);
  };

  async function open(
    ctx: RequestContext,
    ep: CompiledChatEndpoint,
    asked: string | undefined,
    next: Next,
  ): Promise<void> {
    const limits = ep.sessions;
    if (limits === undefined || ctx.key === undefined || ctx.body === undefined) return next();
    if (store === undefined) throw new GwError('GW_ERR_INTERNAL', 'the session stage has no store');
    const now = clock();
    if (now - lastSweep >= SWEEP_EVERY_MS) {
      lastSweep = now;
      await store.expire(now);
    }
    const id = asked ?? randomUUID();
    const storeId = `${ep.workspace}\u0000${ep.name}\u0000${ctx.key.name}\u0000${id}`;
    let history: readonly SessionMessage[] = [];
    if (asked !== undefined) {
      const found = await store.get(storeId, now);
      if (found === undefined) {
        throw new GwError(
          'GW_ERR_SESSION_NOT_FOUND',
          `no session '${id}' for this key on endpoint '${ep.name}' (unknown or expired)`,
        );
      }
      history = found;
    }
    const given = openaiCodec.readMessages(ctx.body) ?? [];
    const system = given.filter(isSystem);
    const turn = given.filter((m) => !isSystem(m));
    const kept = trimHistory([...history, ...turn], limits, turn.length);
    if (history.length > 0) {
      const body = Object.assign({}, ctx.body);
      openaiCodec.replaceMessages(body, [...system, ...kept]);
      ctx.body = body;
      // The history is in the hub shape: the caller's native body (which lacks it) is not sent.
      ctx.native = undefined;
    }
    const state: SessionState = { id, storeId, messages: kept, ttlMs: limits.ttlMs };
    ctx.session = state;
    ctx.sink.setHeader(SESSION_HEADER, id);
    return next();
  }
}

/**
 * The stream, its text collected on the way; when it ended complete (not cut, not broken, not
 * left by the caller), `ended` runs before the stream reports its end, so before the caller's
 * end event goes out.
 */
async function* collect(
  stream: AsyncIterable<Obj>,
  eventText: (e: Obj) => string,
  ended: (text: string) => Promise<void>,
): AsyncGenerator<Obj> {
  let text = '';
  for await (const event of stream) {
    if (text.length < MAX_STORED_ANSWER_CHARS) text += eventText(event);
    yield event;
  }
  await ended(text);
}

/**
 * Stores the turn and the answer before the caller has all of it: a JSON answer before it is
 * sent, a stream before its end event. A caller who continues at once (on any instance of a
 * fleet) so always finds the turn it was answered.
 */
export function sessionSaveStage(deps: StageDeps): Stage {
  const { logger } = deps;
  const store = deps.sessions;
  const clock = deps.clock ?? now;
  return function sessionSave(ctx: RequestContext, next: Next): Promise<void> {
    const state = ctx.session;
    const o = ctx.outcome;
    const limits = ctx.endpoint?.sessions;
    if (state === undefined || o === undefined || store === undefined || limits === undefined) return next();
    return save(ctx, state, o, limits, store, next);
  };

  async function save(
    ctx: RequestContext,
    state: SessionState,
    o: Outcome,
    limits: NonNullable<CompiledChatEndpoint['sessions']>,
    store: NonNullable<StageDeps['sessions']>,
    next: Next,
  ): Promise<void> {
    const codec = codecFor(o.dialect);
    const put = async (text: string): Promise<void> => {
      if (ctx.caller.aborted) return;
      const all = [...state.messages, { role: 'assistant', content: text.slice(0, MAX_STORED_ANSWER_CHARS) }];
      try {
        await store.put(state.storeId, trimHistory(all, limits), state.ttlMs, clock());
      } catch (err) {
        // A store that failed (a networked one) costs the caller this turn only.
        logger.warn({ reqId: ctx.id, err: err instanceof Error ? err.message : String(err) }, 'session not stored');
      }
    };
    if (o.stream !== undefined) o.stream = collect(o.stream, (e) => codec.eventText(e), put);
    else await put(o.json !== undefined ? codec.answerText(o.json) : '');
    return next();
  }
}
