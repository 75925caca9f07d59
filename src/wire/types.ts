// The codec interface the core owns: one implementation per wire format (openai/, anthropic/;
// later the simple API and MCP). Every stage that touches content goes through the codec of the
// format at hand, so no file outside src/wire/ parses OpenAI or Anthropic shapes for the core.
// Next to the codec, each format folder holds both directions: the caller dialect (openai/caller.ts,
// anthropic/caller/) and the upstream adapter (upstream/). They translate between formats; the codec
// reads and rewrites one format in place.

export type Obj = Record<string, unknown>;

/** A wire format: the hub is 'openai'; a caller and a target of the same format skip translation. */
export type WireFormat = 'openai' | 'anthropic';

/** Rewrites one piece of text (masking, templates). */
export type TextMap = (text: string) => string;

/**
 * What mapText visits: a request body (every text the caller sent: system, messages, tool-call
 * arguments, tool results, embeddings input), a whole answer, or one stream event.
 */
export type TextPlace = 'request' | 'answer' | 'event';

/** The endpoint settings that shape a request; a CompiledChatEndpoint fits. */
export interface RequestShaping {
  /** Param name -> value (undefined: not set). */
  readonly params: object;
  readonly lockParams: boolean;
  readonly prompt: { readonly system: string | undefined; readonly template: string | undefined };
}

export interface WireCodec {
  readonly format: WireFormat;
  /**
   * Endpoint param -> the request field of this format, in the order they are applied; params
   * without an entry do not apply. undefined: every param under its own name, in the endpoint's order.
   */
  readonly params: ReadonlyArray<readonly [param: string, field: string]> | undefined;

  // Requests. `body` is a request of this format; replace* and prependSystem write into it,
  // so callers hand them a copy they own (applyEndpoint does).
  /** The conversation, as the body carries it; undefined when it has none. */
  readMessages(body: Obj): readonly Obj[] | undefined;
  replaceMessages(body: Obj, messages: Obj[]): void;
  /** The system prompt as one text; undefined when there is none. */
  readSystem(body: Obj): string | undefined;
  /** Sets the system prompt to `text` (undefined removes it). */
  replaceSystem(body: Obj, text: string | undefined): void;
  /** Puts `text` before the caller's own system prompt (the endpoint's prompt.system). */
  prependSystem(body: Obj, text: string): void;
  /**
   * The user message with its text rewritten by `wrap` (a new object; the given one is not
   * changed), or undefined when it carries no text this format wraps.
   */
  wrapUserText(message: Obj, wrap: TextMap): Obj | undefined;
  /** Everything a request sends as text: system, messages, tool calls, tool definitions. */
  requestText(body: Obj): string;
  /** Characters of prompt text, cheaply: the usage estimate when the upstream reports no usage. */
  promptChars(body: Obj): number;

  // Answers.
  /** The generated text of a whole answer. */
  answerText(json: Obj): string;
  answerChars(json: Obj): number;
  /** The generated text one stream event carries ('' for none). */
  eventText(event: Obj): string;
  eventChars(event: Obj): number;

  /** Rewrites every piece of text in place (the object is changed: pass one you own). */
  mapText(obj: Obj, place: TextPlace, fn: TextMap): void;
}
