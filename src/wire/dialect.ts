// A dialect is how one family of client SDKs talks to the gateway. The core pipeline speaks
// OpenAI-shaped objects (the hub); a dialect reads its callers' chat bodies into that shape and
// writes answers back in its own (errors, listings, replies, streams), so adding Anthropic or
// the simple API is adding a caller dialect in its wire folder, not touching the stages.
import type { GwError } from '../errors.js';

/** The shape of an upstream outcome: the hub's ('openai') or a same-dialect passthrough. */
export type WireDialect = 'openai' | 'anthropic';

export interface ErrorAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** The caller's body in its own dialect, for targets that speak it (sent with nothing dropped). */
export interface NativeRequest {
  readonly dialect: 'anthropic';
  readonly body: Record<string, unknown>;
}

/** A chat body read by a dialect. */
export interface ChatRequest {
  /** The OpenAI request every target type can be sent (the hub). */
  readonly body: Record<string, unknown>;
  /** Set when the dialect's own targets should get the caller's body untranslated. */
  readonly native?: NativeRequest | undefined;
}

/** What a reply needs besides the upstream's answer. */
export interface ReplyInfo {
  /** The model name the caller sent (echoed back where the dialect carries one). */
  readonly model: string;
  readonly requestId: string;
  /** The gateway's estimate of the request's input tokens (for stream starts that need a count before the upstream gives one). */
  readonly inputTokens?: () => number;
}

/** Turns one outcome stream into the caller's SSE text; one writer per stream (it keeps state). */
export interface StreamWriter {
  /** SSE text for one upstream event ('' writes nothing). */
  event(data: Record<string, unknown>): string;
  /** SSE text after a clean end of the upstream stream. */
  end(): string;
  /**
   * SSE text for an upstream event passed on unchanged, from its own data text (see
   * StreamStep.raw); only on writers whose events are the upstream's as they are.
   */
  raw?(data: string, event: Record<string, unknown>): string;
}

export interface Dialect {
  readonly name: string;
  /** The one mapping from a GwError to this dialect's HTTP answer. */
  error(err: GwError, requestId?: string): ErrorAnswer;
  /** The SSE bytes that tell a streaming client the stream broke (no clean end follows). */
  streamError(err: GwError): string;
  /** The body of a model listing. */
  modelList(names: readonly string[], created: number): unknown;
  /**
   * Checks a chat body (GwError 400 with the field) and reads it into the hub shape. 'count':
   * the body of a token-count route, which leaves out what only generation needs (max_tokens).
   */
  chatRequest(body: Record<string, unknown>, purpose: 'chat' | 'count'): ChatRequest;
  /** A JSON answer (`from` is the shape the upstream outcome has) in this dialect. */
  reply(json: Record<string, unknown>, from: WireDialect, info: ReplyInfo): unknown;
  /** A writer for one stream whose events have the shape `from`. */
  streamWriter(from: WireDialect, info: ReplyInfo): StreamWriter;
  /** The answer of a token-count route over the hub body (only dialects that have the route). */
  countTokens?(body: Record<string, unknown>): Record<string, unknown>;
}
