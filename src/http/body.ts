// Reads a request body with a hard size limit, an idle timeout and (for JSON) a nesting bound.
// A declared Content-Length over the limit is refused before a byte is read; a chunked body is
// refused the moment it passes the limit, and nothing more of it is kept (the answer closes the
// connection so the rest is never read). A caller that sends nothing for `idleMs` gets 408.
// Nesting is counted by a linear byte scan before JSON.parse ever sees the text, so a body of
// 100k `[` costs one pass over its bytes, not a deep recursion (V8's parser and everything that
// walks the parsed value afterwards).
import type { IncomingMessage } from 'node:http';
import { continueBody } from './continue.js';
import { GwError } from '../errors.js';

/** proxy.maxJsonDepth's default; the admin listener uses it too. */
export const DEFAULT_MAX_JSON_DEPTH = 64;
/** proxy.bodyTimeout's default. */
export const DEFAULT_BODY_TIMEOUT_MS = 60_000;

function tooLarge(max: number): GwError {
  return new GwError('GW_ERR_BODY_TOO_LARGE', `the request body is larger than ${max} bytes`, { maxBodyBytes: max });
}

function tooDeep(max: number): GwError {
  return new GwError('GW_ERR_JSON_TOO_DEEP', `the JSON body nests arrays and objects deeper than ${max} levels`, {
    maxJsonDepth: max,
  });
}

/**
 * Counts the nesting of `[`/`{` over a JSON text fed in pieces, skipping string contents
 * (escapes included). One pass, constant memory; it does not validate: JSON.parse does that
 * once the depth is known to be bounded.
 */
export class JsonDepthScan {
  #depth = 0;
  #inString = false;
  #escaped = false;
  constructor(readonly max: number) {}

  /** False as soon as the nesting went deeper than max. */
  push(buf: Uint8Array): boolean {
    let depth = this.#depth;
    let inString = this.#inString;
    let escaped = this.#escaped;
    const max = this.max;
    const n = buf.length;
    // Inside a string only '"' and '\\' matter: jump to the next of either with indexOf (native,
    // and most of a big body is string content). The next positions are cached so no byte is
    // searched twice, whatever the mix of quotes and escapes: still one pass.
    let nextQuote = -2;
    let nextEscape = -2;
    for (let i = 0; i < n; i++) {
      if (inString) {
        if (escaped) {
          escaped = false;
          continue;
        }
        if (nextQuote !== -1 && nextQuote < i) nextQuote = buf.indexOf(0x22, i);
        if (nextEscape !== -1 && nextEscape < i) nextEscape = buf.indexOf(0x5c, i);
        const q = nextQuote === -1 ? n : nextQuote;
        const e = nextEscape === -1 ? n : nextEscape;
        if (e < q) {
          escaped = true;
          i = e;
        } else if (q < n) {
          inString = false;
          i = q;
        } else break; // the string goes on in the next piece
        continue;
      }
      const c = buf[i] as number;
      if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) {
        if (++depth > max) {
          this.#depth = depth;
          return false;
        }
      } else if (c === 0x7d || c === 0x5d) depth--;
    }
    this.#depth = depth;
    this.#inString = inString;
    this.#escaped = escaped;
    return true;
  }
}

export interface ReadBodyOptions {
  /** No body byte for this long → 408 GW_ERR_REQUEST_TIMEOUT; 0 turns it off. */
  readonly idleMs?: number;
  /** Refuse a (JSON) body nesting deeper than this while it arrives → 400 GW_ERR_JSON_TOO_DEEP. */
  readonly maxJsonDepth?: number;
}

export function readBody(req: IncomingMessage, max: number, opts: ReadBodyOptions = {}): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > max) return Promise.reject(tooLarge(max));
  const idleMs = opts.idleMs ?? DEFAULT_BODY_TIMEOUT_MS;
  const scan = opts.maxJsonDepth !== undefined ? new JsonDepthScan(opts.maxJsonDepth) : undefined;
  continueBody(req);
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let timer: NodeJS.Timeout | undefined;
    const cleanup = (): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    // Stop reading and drop what came: the answer closes the connection.
    const refuse = (err: GwError): void => {
      cleanup();
      req.pause();
      chunks.length = 0;
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      timer?.refresh();
      size += chunk.length;
      if (size > max) return refuse(tooLarge(max));
      if (scan !== undefined && !scan.push(chunk)) return refuse(tooDeep(scan.max));
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    // The caller went away before sending the whole body.
    const onClose = (): void => {
      if (req.complete) return;
      cleanup();
      reject(new GwError('GW_ERR_BAD_REQUEST', 'the request body ended early'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
    if (idleMs > 0 && !req.complete) {
      timer = setTimeout(
        () =>
          refuse(
            new GwError('GW_ERR_REQUEST_TIMEOUT', `no request body bytes arrived for ${idleMs} ms`, {
              bodyTimeoutMs: idleMs,
            }),
          ),
        idleMs,
      );
    }
  });
}

// `__proto__` as a key: JSON.parse makes it an own property, but any later copy by assignment
// (Object.assign, obj[k] = v) would turn it into the copy's prototype. Such keys are dropped at
// the door. The reviver (slower) runs only on texts that could spell the key at all.
const PROTO = Buffer.from('__proto__');
const ESCAPE_U = Buffer.from('\\u');
const dropProto = (key: string, value: unknown): unknown => (key === '__proto__' ? undefined : value);

/**
 * Parses a JSON object body; anything else (array, number, garbage) is a 400. Nesting deeper
 * than maxDepth is a 400 GW_ERR_JSON_TOO_DEEP before parsing (Infinity: the caller scanned the
 * bytes already, e.g. readBody with maxJsonDepth). `__proto__` keys are dropped.
 */
export function parseJsonObject(buf: Buffer, maxDepth: number = DEFAULT_MAX_JSON_DEPTH): Record<string, unknown> {
  if (maxDepth !== Infinity && !new JsonDepthScan(maxDepth).push(buf)) throw tooDeep(maxDepth);
  const risky = buf.indexOf(PROTO) !== -1 || buf.indexOf(ESCAPE_U) !== -1;
  let value: unknown;
  try {
    value = risky ? JSON.parse(buf.toString('utf8'), dropProto) : JSON.parse(buf.toString('utf8'));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new GwError('GW_ERR_INVALID_JSON', `the request body is not valid JSON: ${why}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GwError('GW_ERR_INVALID_JSON', 'the request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}
