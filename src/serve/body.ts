// Reads a request body with a hard size limit. A declared Content-Length over the limit is
// refused before a byte is read; a chunked body is refused the moment it passes the limit,
// and nothing more of it is kept (the answer closes the connection so the rest is never read).
import type { IncomingMessage } from 'node:http';
import { GwError } from '../errors.js';

function tooLarge(max: number): GwError {
  return new GwError('GW_ERR_BODY_TOO_LARGE', `the request body is larger than ${max} bytes`, { maxBodyBytes: max });
}

export function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > max) return Promise.reject(tooLarge(max));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        cleanup();
        req.pause();
        chunks.length = 0;
        reject(tooLarge(max));
        return;
      }
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
  });
}

/** Parses a JSON object body; anything else (array, number, garbage) is a 400. */
export function parseJsonObject(buf: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(buf.toString('utf8'));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new GwError('GW_ERR_INVALID_JSON', `the request body is not valid JSON: ${why}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GwError('GW_ERR_INVALID_JSON', 'the request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}
