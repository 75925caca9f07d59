// `gw test-connection --chat`: one real chat completion of at most one token per mapped model,
// through the provider's adapter, so a provider that lists models but fails every chat (a key
// without chat rights, a model the account may not use) shows up as failed.
import { performance } from 'node:perf_hooks';
import type { CompiledProvider } from '../compile/routing-table.js';
import type { HttpAdapter } from '../providers/types.js';
import { providerHeaders } from '../upstream/headers.js';
import type { PoolRegistry } from '../upstream/pool.js';

export interface ChatProbe {
  /** The upstream model name the probe asked for. */
  readonly model: string;
  readonly ok: boolean;
  /** 'ok', 'HTTP 404', 'timeout', 'bad answer', ... */
  readonly status: string;
  readonly httpStatus: number | null;
  /** Short reason for failures: the upstream's error message when it sent one, never headers. */
  readonly message: string | null;
  readonly latencyMs: number;
}

/** A chat answer's error text is read up to this size; the rest is dropped. */
const MAX_ERROR_BYTES = 64 * 1024;
const MAX_ANSWER_BYTES = 1024 * 1024;

async function readText(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const piece of body) {
    size += piece.length;
    if (size > limit) break;
    parts.push(piece);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** The upstream's own error message ({error:{message}} in both dialects), shortened. */
function upstreamMessage(text: string): string | null {
  try {
    const json = JSON.parse(text) as { error?: { message?: unknown } };
    const m = json.error?.message;
    return typeof m === 'string' && m !== '' ? m.slice(0, 200) : null;
  } catch {
    return null;
  }
}

export async function probeChatModel(
  p: CompiledProvider,
  adapter: HttpAdapter,
  model: string,
  pools: PoolRegistry,
  timeoutMs: number,
): Promise<ChatProbe> {
  const body = { model, messages: [{ role: 'user', content: 'Reply with one word.' }], max_tokens: 1 };
  const spec = adapter.buildChatRequest(p, body, false);
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort();
  }, timeoutMs);
  const t0 = performance.now();
  const result = (ok: boolean, status: string, httpStatus: number | null, message: string | null): ChatProbe => ({
    model,
    ok,
    status,
    httpStatus,
    message,
    latencyMs: Math.round(performance.now() - t0),
  });
  try {
    const headers: Record<string, string> = { ...spec.headers, ...providerHeaders(p.headers) };
    if (adapter.authorize !== undefined) {
      const request = { method: spec.method, origin: p.origin, path: spec.path, headers, body: spec.body };
      Object.assign(headers, await adapter.authorize(p, request, ac.signal));
    }
    const res = await pools
      .get(p)
      .request({ origin: p.origin, path: spec.path, method: spec.method, headers, body: spec.body, signal: ac.signal });
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    const text = await readText(res.body as AsyncIterable<Buffer>, ok ? MAX_ANSWER_BYTES : MAX_ERROR_BYTES);
    if (!ok) return result(false, `HTTP ${res.statusCode}`, res.statusCode, upstreamMessage(text));
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return result(false, 'bad answer', res.statusCode, 'the answer is not JSON');
    }
    const parsed = adapter.parseChatResponse(json);
    return parsed.ok
      ? result(true, 'ok', res.statusCode, null)
      : result(false, 'bad answer', res.statusCode, parsed.message);
  } catch (err) {
    if (timedOut) return result(false, 'timeout', null, `no complete answer within ${timeoutMs} ms`);
    return result(false, 'network error', null, err instanceof Error ? err.message : String(err));
  } finally {
    clearTimeout(timer);
  }
}
