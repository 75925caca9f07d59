// One try against one provider: build the request through the adapter, send it on the
// origin's pool (or let an in-process adapter answer), and turn whatever happens into either
// a result or a Failure. Retries, fallback and streaming policy live in the callers.
import { constants as bufferConstants } from 'node:buffer';
import type { Dispatcher } from 'undici';
import type { CompiledProvider } from '../compile/routing-table.js';
import type {
  Dialect,
  HttpAdapter,
  HttpRequestSpec,
  InProcessAdapter,
  NativeCodec,
  OpenAIObject,
  ProviderAdapter,
} from '../providers/types.js';
import { AttemptGuard } from './attempt-guard.js';
import type { CallerSignal } from '../util/pause.js';
import { classOfStatus, parseRetryAfter, prematureClose, type Failure } from './failure.js';
import { discardBody } from './discard.js';
import { upstreamHeaders } from './headers.js';
import type { PoolRegistry } from './pool.js';
import { scrubFailure, secretsOf } from './scrub.js';
import { sseChunks, type ChunkSource } from './sse-chunks.js';
import { credentialSecrets } from '../util/credentials.js';
import { LARGE_BODY_BYTES, largeBodySteps } from '../util/turns.js';

export interface AttemptInput {
  readonly provider: CompiledProvider;
  readonly adapter: ProviderAdapter;
  readonly op: 'chat' | 'embeddings';
  /** OpenAI request with model set to the upstream model (the adapter's own dialect when native is set). */
  readonly body: OpenAIObject;
  /** Passthrough: body is in the adapter's dialect and the answer comes back untranslated. */
  readonly native?: NativeCodec | undefined;
  readonly stream: boolean;
  readonly timeoutMs: number;
  /** A multi-megabyte body: serialise it in a turn of its own (src/util/turns.ts). */
  readonly large?: boolean | undefined;
  /** The caller's signal. */
  readonly signal: CallerSignal;
  readonly requestId: string;
  readonly pools: PoolRegistry;
  /** Largest non-streamed answer (gateway upstream.maxAnswerBytes); default DEFAULT_MAX_ANSWER_BYTES. */
  readonly maxAnswerBytes?: number | undefined;
  /** Largest stream line or event (gateway upstream.maxEventBytes); default DEFAULT_MAX_EVENT_BYTES. */
  readonly maxEventBytes?: number | undefined;
}

/** The defaults of the gateway settings upstream.maxAnswerBytes / maxEventBytes. */
export const DEFAULT_MAX_ANSWER_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_EVENT_BYTES = 8 * 1024 * 1024;
/** A body of at most this many bytes always decodes to a string V8 can hold. */
const MAX_DECODABLE = bufferConstants.MAX_STRING_LENGTH;

export type AttemptResult =
  | { readonly ok: true; readonly status: number; readonly headersAt: number; readonly json: OpenAIObject }
  | {
      readonly ok: true;
      readonly status: number;
      readonly headersAt: number;
      readonly chunks: ChunkSource;
    }
  | { readonly ok: false; readonly failure: Failure };

const MAX_ERROR_BODY = 64 * 1024; // enough for any error message; the rest is discarded

/** A non-streamed answer went over its cap; the body was destroyed. */
class AnswerTooLarge extends Error {
  constructor(limit: number) {
    super(`the upstream answer is larger than ${limit} bytes (upstream.maxAnswerBytes)`);
    this.name = 'AnswerTooLarge';
  }
}

/** The upstream's text of each JSON answer the adapter kept as parsed, by that object. */
const rawAnswers = new WeakMap<object, string>();

/**
 * The upstream's own text of `json`, when `json` is the very object parsed from it: sending it
 * spares re-serialising the answer. Only valid while nobody changed the object in place, so
 * stages that alter an answer replace outcome.json rather than edit it.
 */
export function rawAnswer(json: object): string | undefined {
  return rawAnswers.get(json);
}

/** The adapter's passthrough codec when it speaks the caller's dialect and can pass it through. */
export function nativeCodecFor(adapter: ProviderAdapter, dialect: Dialect | undefined): NativeCodec | undefined {
  if (dialect === undefined || adapter.kind !== 'http' || (adapter.dialect ?? 'openai') !== dialect) return undefined;
  return adapter.buildNativeChatRequest !== undefined ? adapter.native : undefined;
}

export function runAttempt(input: AttemptInput): Promise<AttemptResult> {
  return input.adapter.kind === 'http' ? httpAttempt(input, input.adapter) : inProcessAttempt(input, input.adapter);
}

async function inProcessAttempt(input: AttemptInput, adapter: InProcessAdapter): Promise<AttemptResult> {
  const guard = new AttemptGuard(input.signal, input.timeoutMs);
  try {
    const reply = await adapter.respond(
      input.provider,
      { op: input.op, body: input.body, stream: input.stream },
      guard.signal,
    );
    const headersAt = performance.now();
    if (reply.kind === 'error') {
      const failure: Failure = {
        cls: classOfStatus(reply.status),
        status: reply.status,
        message: reply.error.message,
        retryAfterMs: reply.retryAfterMs,
      };
      return { ok: false, failure };
    }
    if (reply.kind === 'json') return { ok: true, status: 200, headersAt, json: reply.json };
    return { ok: true, status: 200, headersAt, chunks: asGenerator(reply.chunks) };
  } catch (err) {
    const f = guard.failure(err);
    if (f.cls === 'timeout') return { ok: false, failure: f };
    return { ok: false, failure: { cls: '5xx', message: `in-process provider failed: ${String(err)}` } };
  } finally {
    guard.done();
  }
}

/** Lets in-process chunk sources be pulled like HTTP streams (they are never relayed). */
async function* asGenerator(chunks: AsyncIterable<OpenAIObject>): AsyncGenerator<OpenAIObject, undefined> {
  yield* chunks;
}

async function httpAttempt(input: AttemptInput, adapter: HttpAdapter): Promise<AttemptResult> {
  const { provider, timeoutMs } = input;
  const native = input.op === 'chat' ? input.native : undefined;
  const build = (): HttpRequestSpec | undefined => {
    if (native !== undefined && adapter.buildNativeChatRequest !== undefined)
      return adapter.buildNativeChatRequest(provider, input.body, input.stream);
    if (input.op === 'chat') return adapter.buildChatRequest(provider, input.body, input.stream);
    return adapter.buildEmbeddingsRequest?.(provider, input.body);
  };
  // A multi-megabyte body is serialised (and encoded, so undici need not) in a turn of its own.
  const spec = input.large === true ? await largeBodySteps.run(() => encoded(build())) : build();
  if (spec === undefined)
    return { ok: false, failure: { cls: '4xx', message: `provider type ${provider.type} serves no embeddings` } };

  const guard = new AttemptGuard(input.signal, timeoutMs);
  const upstreamModel = typeof input.body.model === 'string' ? input.body.model : undefined;
  let res: Dispatcher.ResponseData;
  let secrets = secretsOf(provider);
  try {
    let headers = upstreamHeaders(spec.headers, provider.headers, input.requestId);
    if (adapter.authorize !== undefined) {
      const request = { method: spec.method, origin: provider.origin, path: spec.path, headers, body: spec.body };
      const added = await adapter.authorize(provider, request, guard.signal);
      headers = Object.assign(headers, added);
      // Per-request credentials (an access token, a signature) are scrubbed like the static ones.
      secrets = [...secrets, ...credentialSecrets(added)].sort((a, b) => b.length - a.length);
    }
    res = await input.pools.get(provider).request({
      path: spec.path,
      method: spec.method,
      headers,
      body: spec.body,
      signal: guard.emitter,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  } catch (err) {
    guard.done();
    return { ok: false, failure: guard.failure(err) };
  }
  const headersAt = performance.now();
  guard.arm(); // from here the clock measures silence in the body
  const status = res.statusCode;
  const contentType = String(res.headers['content-type'] ?? '');

  if (status < 200 || status >= 300) {
    const text = await readCapped(res.body, MAX_ERROR_BODY, guard);
    guard.done();
    const info = adapter.parseError(status, text);
    // Upstream text is scrubbed where the failure is made (here, in sseChunks and for protocol
    // messages), so the caller's error, the attempt log and the log lines all get the clean text.
    const failure: Failure = {
      cls: classOfStatus(status),
      status,
      message: info.message,
      retryAfterMs: parseRetryAfter(res.headers),
      ...(info.blocked === true ? { blocked: true } : {}),
    };
    return { ok: false, failure: scrubFailure(failure, secrets) };
  }

  if (input.stream && !contentType.includes('application/json')) {
    // The guard stays linked until the stream ends: a caller leaving mid-stream aborts the upstream.
    const limits = { maxEventBytes: input.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES, secrets };
    const framer = adapter.createStreamFramer?.(limits.maxEventBytes);
    const decoder = native !== undefined ? native.createStreamDecoder() : adapter.createStreamDecoder(upstreamModel);
    return { ok: true, status, headersAt, chunks: sseChunks(res.body, decoder, guard, limits, framer) };
  }

  const limit = Math.min(input.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES, MAX_DECODABLE);
  try {
    // A declared length over the cap fails before a byte is read.
    const declared = Number(res.headers['content-length']);
    if (declared > limit) throw new AnswerTooLarge(limit);
    const text = await readAll(res.body, guard, limit);
    let json: unknown;
    try {
      // A multi-megabyte answer is parsed in a turn of its own (src/util/turns.ts).
      json =
        text.length >= LARGE_BODY_BYTES
          ? await largeBodySteps.run(() => JSON.parse(text) as unknown)
          : JSON.parse(text);
    } catch {
      return { ok: false, failure: { cls: '5xx', status, protocol: true, message: 'the upstream answer is not JSON' } };
    }
    if (input.stream) {
      return {
        ok: false,
        failure: { cls: '5xx', status, protocol: true, message: 'the upstream answered JSON to a stream request' },
      };
    }
    const parsed =
      input.op === 'chat'
        ? (native ?? adapter).parseChatResponse(json, upstreamModel)
        : (adapter.parseEmbeddingsResponse?.(json) ?? { ok: true as const, value: json as OpenAIObject });
    if (!parsed.ok) {
      // A safety block comes as a 200 whose answer holds no candidate: the caller's 4xx, not a broken upstream.
      const f: Failure =
        parsed.blocked === true
          ? { cls: '4xx', status: 400, blocked: true, message: parsed.message }
          : { cls: '5xx', status, protocol: true, message: parsed.message };
      return { ok: false, failure: scrubFailure(f, secrets) };
    }
    if (parsed.value === json) rawAnswers.set(parsed.value, text);
    return { ok: true, status, headersAt, json: parsed.value };
  } catch (err) {
    if (err instanceof AnswerTooLarge)
      return { ok: false, failure: { cls: '5xx', status, protocol: true, message: err.message } };
    return { ok: false, failure: guard.failure(err) };
  } finally {
    guard.done();
    // Over the cap (checked before readAll listens) or failed: stop reading.
    if (!res.body.readableEnded) discardBody(res.body);
  }
}

function encoded(
  spec: HttpRequestSpec | undefined,
): (Omit<HttpRequestSpec, 'body'> & { readonly body: string | Buffer | undefined }) | undefined {
  return spec === undefined || spec.body === undefined ? spec : { ...spec, body: Buffer.from(spec.body) };
}

type Body = Dispatcher.ResponseData['body'];

/**
 * Reads the whole body, at most limit bytes, as pieces decoded once at the end; the guard's
 * clock restarts with every piece. Plain listeners rather than `for await`: an async iterator
 * per answer (with its end-of-stream watchers) cost more. A listener must never throw (the
 * throw would escape to the process): each settles the promise at most once, and decoding is
 * guarded.
 */
function readAll(body: Body, guard: AttemptGuard, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      parts.length = 0;
      reject(err);
    };
    body.on('data', (piece: Buffer) => {
      if (settled) return;
      guard.arm();
      size += piece.length;
      if (size > limit) {
        fail(new AnswerTooLarge(limit));
        body.destroy(); // stop reading: the connection is closed, not drained
        return;
      }
      parts.push(piece);
    });
    body.on('end', () => {
      if (settled) return;
      settled = true;
      try {
        const only = parts.length === 1 ? parts[0] : undefined;
        resolve((only ?? Buffer.concat(parts, size)).toString('utf8'));
      } catch (err) {
        reject(err);
      }
    });
    body.on('error', fail);
    // Closed without an end or an error: what `for await` reports as a premature close.
    // (The error is made only then: 'close' follows every 'end', and an Error's stack costs ~15 µs.)
    body.on('close', () => {
      if (!settled) fail(prematureClose());
    });
  });
}

/** Reads at most limit bytes of an error body, then drops the rest. */
async function readCapped(body: Body, limit: number, guard: AttemptGuard): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const piece of body as AsyncIterable<Buffer>) {
      guard.arm();
      parts.push(piece);
      size += piece.length;
      if (size >= limit) break; // leaving the loop destroys the body
    }
  } catch {
    // a broken error body still leaves the status to classify by
  }
  return Buffer.concat(parts).subarray(0, limit).toString('utf8');
}
