// The adapter interface the core owns. Inside gw every request and response is an OpenAI
// chat-completions shaped plain object; an adapter translates at the edge, either as pure
// functions around an HTTP exchange (the executor does the I/O) or, for built-in providers such
// as mock, by answering in-process. The core never branches on a provider type.
import type { CompiledProvider, ProviderType } from '../compile/routing-table.js';

/** An OpenAI-shaped JSON object: request, chat.completion, chat.completion.chunk, embeddings. */
export type OpenAIObject = Record<string, unknown>;

/** A wire dialect: the hub is 'openai'; a caller and a target of the same dialect skip translation. */
export type Dialect = 'openai' | 'anthropic';

/** Token counts as the core records them. promptTokens includes cached input tokens. */
export interface TokenUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Input tokens read from the provider's prompt cache. */
  readonly cacheReadTokens?: number | undefined;
  /** Input tokens written to the provider's prompt cache. */
  readonly cacheWriteTokens?: number | undefined;
}

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  /** blocked: the upstream's safety system refused (a caller's problem, not a broken upstream). */
  | { readonly ok: false; readonly message: string; readonly blocked?: boolean };

/** The HTTP request an adapter wants sent; provider auth and custom headers are added by the core. */
export interface HttpRequestSpec {
  readonly method: 'GET' | 'POST';
  /** Absolute path on the provider's origin, base path included, e.g. /v1/chat/completions. */
  readonly path: string;
  /** Protocol headers only (content-type, accept, API version), lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

/** A finished upstream request, as `authorize` sees it: every header but the ones it adds. */
export interface AuthorizableRequest {
  readonly method: string;
  /** scheme://host[:port] of the provider. */
  readonly origin: string;
  readonly path: string;
  /** Lower-case names: protocol, provider and tracing headers. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Buffer | undefined;
}

/** One dispatched Server-Sent Event. */
export interface SseEvent {
  /** 'message' when the event had no `event:` field. */
  readonly event: string;
  readonly data: string;
  readonly id: string | undefined;
}

/** What the upstream said went wrong, in words a caller can act on. */
export interface UpstreamErrorInfo {
  readonly message: string;
  readonly type?: string | undefined;
  readonly code?: string | undefined;
  /** Set by stream decoders when the event was not the upstream's API at all (not JSON, not an object). */
  readonly protocol?: boolean | undefined;
  /** The upstream's content filter or safety system refused the prompt. */
  readonly blocked?: boolean | undefined;
}

/**
 * The outcome of one SSE event: chunks to pass on (OpenAI chunks, or the upstream's own event
 * objects for a native decoder), end of stream, or an in-band error.
 */
export interface StreamStep {
  readonly chunks: readonly OpenAIObject[];
  readonly done: boolean;
  /**
   * The event's data text when chunks is that text parsed and nothing else (one line, no
   * change): a writer of the same format may send it on as it came instead of serialising.
   */
  readonly raw?: string | undefined;
  readonly error?: UpstreamErrorInfo | undefined;
}

/** Per-stream state lives in the closure (an Anthropic stream carries ids across events). */
export type StreamDecoder = (event: SseEvent) => StreamStep;

/**
 * Splits a streamed body into events, one instance per stream: bytes arrive in arbitrary pieces.
 * The default is Server-Sent Events; an upstream with another framing (e.g. AWS's binary event
 * stream) supplies its own, mapping each frame to an event name and its data for the decoder.
 * Throws on a malformed frame or one larger than the limit; the core fails the stream as a
 * protocol error with that message.
 */
export interface StreamFramer {
  push(piece: Uint8Array): SseEvent[];
  /** The body ended: the events still held, or a throw when it ended mid-frame. */
  end(): SseEvent[];
}

export interface AdapterCapabilities {
  readonly chat: boolean;
  readonly embeddings: boolean;
  readonly streaming: boolean;
}

/**
 * Same-dialect passthrough: how the core reads answers in the adapter's own dialect, untranslated.
 * Objects here are the upstream's own JSON (e.g. an Anthropic message, Anthropic event data).
 */
export interface NativeCodec {
  /** Checks the upstream JSON is a message of the dialect; the value is returned as is. */
  parseChatResponse(json: unknown): Parsed<Record<string, unknown>>;
  /** A fresh decoder per stream: SSE events -> the upstream's event objects, each with its `type`. */
  createStreamDecoder(): StreamDecoder;
  /** True when the event carries content: until then a stream is held back and may fall back. */
  isContentEvent(event: Record<string, unknown>): boolean;
  /** Usage after this message or stream event; prev when it carries none (stream events add up). */
  usage(obj: Record<string, unknown>, prev: TokenUsage | undefined): TokenUsage | undefined;
}

/** An adapter whose provider is reached over HTTP; every function is pure. */
export interface HttpAdapter {
  readonly kind: 'http';
  readonly type: ProviderType;
  readonly capabilities: AdapterCapabilities;
  /** The upstream's wire dialect; undefined means 'openai'. */
  readonly dialect?: Dialect;
  /**
   * Passthrough: the caller's body in this adapter's dialect (model already the upstream model),
   * sent with nothing dropped. Set together with native.
   */
  buildNativeChatRequest?(
    provider: CompiledProvider,
    nativeBody: Record<string, unknown>,
    stream: boolean,
  ): HttpRequestSpec;
  readonly native?: NativeCodec;
  /**
   * Maps an OpenAI chat request (body.model already the upstream model) to the upstream's.
   * With stream, the adapter asks the upstream for token usage so the core can record it.
   */
  buildChatRequest(provider: CompiledProvider, body: OpenAIObject, stream: boolean): HttpRequestSpec;
  /**
   * Upstream JSON -> OpenAI chat.completion. model: the upstream model the request named, for
   * upstreams whose answers do not repeat it.
   */
  parseChatResponse(json: unknown, model?: string): Parsed<OpenAIObject>;
  /** A fresh decoder per stream: upstream SSE events -> OpenAI chat.completion.chunk objects. */
  createStreamDecoder(model?: string): StreamDecoder;
  /** A fresh framer per stream when the upstream does not stream Server-Sent Events. */
  createStreamFramer?(maxEventBytes: number): StreamFramer;
  buildEmbeddingsRequest?(provider: CompiledProvider, body: OpenAIObject): HttpRequestSpec;
  parseEmbeddingsResponse?(json: unknown): Parsed<OpenAIObject>;
  /** A non-2xx answer's body -> a message; the core classifies by status. */
  parseError(status: number, bodyText: string): UpstreamErrorInfo;
  /**
   * Auth that depends on the finished request or on time (a request signature, an OAuth token
   * that expires): headers added last, over the provider's static ones. Called once per try,
   * after the request is built. Rejects with a GwError when no credentials can be had.
   */
  authorize?(
    provider: CompiledProvider,
    request: AuthorizableRequest,
    signal: AbortSignal,
  ): Promise<Readonly<Record<string, string>>>;
  /** `gw test-connection`: the GET for the upstream's model list. Set together with parseModels. */
  buildModelsRequest?(provider: CompiledProvider): HttpRequestSpec;
  /** The model ids of a model-list answer (JSON); not ok, with what was expected, for another shape. */
  parseModels?(json: unknown): Parsed<string[]>;
}

export interface InProcessRequest {
  readonly op: 'chat' | 'embeddings';
  /** OpenAI request, body.model already the upstream model. */
  readonly body: OpenAIObject;
  readonly stream: boolean;
}

export type InProcessReply =
  | { readonly kind: 'json'; readonly json: OpenAIObject }
  /** OpenAI chunks; include a usage-only chunk last (the core strips it when not asked for). */
  | { readonly kind: 'stream'; readonly chunks: AsyncIterable<OpenAIObject> }
  | {
      readonly kind: 'error';
      readonly status: number;
      readonly error: UpstreamErrorInfo;
      readonly retryAfterMs?: number;
    };

/** An adapter that answers inside the gateway process (mock). */
export interface InProcessAdapter {
  readonly kind: 'in-process';
  readonly type: ProviderType;
  readonly capabilities: AdapterCapabilities;
  /** Must reject promptly with signal.reason when signal aborts (timeout or caller gone). */
  respond(provider: CompiledProvider, request: InProcessRequest, signal: AbortSignal): Promise<InProcessReply>;
}

export type ProviderAdapter = HttpAdapter | InProcessAdapter;
