// One node:http listener with keep-alive and a two-step close: stop accepting (idle keep-alive
// sockets close as they go idle), then cut whatever is left once the drain is over. The proxy
// and the admin API each use one.
//
// The caller-facing bounds live here too, so both listeners get them (README: Limits and
// timeouts): the size of the request head (431), how long the head may take (408, slowloris),
// how many connections may be open, how long an idle keep-alive socket is kept, and how long a
// caller may leave the answer unread (send timeout: the socket is destroyed, which aborts the
// upstream request through the CallerLink). A request head the parser refuses gets a JSON answer
// in the OpenAI error shape and `Connection: close`, never a bare 400.
import { createServer, type RequestListener, type Server } from 'node:http';
import { deferContinue } from './continue.js';
import type { AddressInfo, Socket } from 'node:net';
import { GwError, type ErrorCode } from '../errors.js';

export interface Listener {
  readonly name: string;
  /** Binds; resolves with the base URL (http://host:port). */
  listen(host: string, port: number): Promise<string>;
  /** Stops accepting connections and closes idle keep-alive sockets from now on. */
  stopAccepting(): void;
  /** Closes every remaining socket; resolves when the server is fully closed. */
  closeAll(): Promise<void>;
}

/** The listener-level part of proxy.* (GatewaySettings.proxy has every field). */
export interface ListenerLimits {
  readonly maxHeaderBytes: number;
  readonly maxConnections: number;
  readonly headersTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly sendTimeoutMs: number;
  /** Node's own bound on receiving a whole request (headers and body); gw's deadline covers the rest. */
  readonly requestTimeoutMs: number;
}

/** The defaults of proxy.* in schemas/gateway.schema.json (close to nginx's and Envoy's). */
export const DEFAULT_LIMITS: ListenerLimits = {
  maxHeaderBytes: 16 * 1024,
  maxConnections: 4096,
  headersTimeoutMs: 60_000,
  keepAliveTimeoutMs: 75_000,
  sendTimeoutMs: 60_000,
  requestTimeoutMs: 600_000,
};

/** How often a timeout is checked: a quarter of it, between 25 ms and 1 s, so it fires close to its setting. */
function checkEvery(ms: number): number {
  return Math.min(1000, Math.max(25, Math.floor(ms / 4)));
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/** A raw HTTP/1.1 answer for a request the parser refused (no ServerResponse exists for it). */
function rawError(code: ErrorCode, message: string): string {
  const err = new GwError(code, message);
  const status = err.status;
  const body = JSON.stringify({ error: { message, type: err.type, code, param: null } });
  return (
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Bad Request'}\r\n` +
    'content-type: application/json; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  );
}

function clientErrorAnswer(err: NodeJS.ErrnoException, limits: ListenerLimits): string {
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return rawError(
      'GW_ERR_HEADERS_TOO_LARGE',
      `the request line and headers are larger than ${limits.maxHeaderBytes} bytes`,
    );
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return rawError(
      'GW_ERR_REQUEST_TIMEOUT',
      `the request was not received in time (headers within ${limits.headersTimeoutMs} ms)`,
    );
  }
  return rawError('GW_ERR_BAD_REQUEST', 'the request is not valid HTTP/1.1');
}

/** libuv's count of bytes still queued on the socket: it shrinks as a big write goes out piece by piece. */
function queuedBytes(socket: Socket): number {
  const handle = (socket as unknown as { _handle?: { writeQueueSize?: number } | null })._handle;
  return handle?.writeQueueSize ?? 0;
}

interface SendState {
  done: number;
  queued: number;
  /** Date.now() when the socket was last seen making progress; 0: nothing pending. */
  since: number;
}

export function createListener(name: string, handler: RequestListener, given: Partial<ListenerLimits> = {}): Listener {
  const limits: ListenerLimits = { ...DEFAULT_LIMITS, ...given };
  const server: Server = createServer(
    {
      keepAlive: true,
      maxHeaderSize: limits.maxHeaderBytes,
      // Node checks the headers timeout on this interval; its default (30 s) would let a
      // slowloris hold a socket up to headersTimeout + 30 s.
      connectionsCheckingInterval: checkEvery(limits.headersTimeoutMs),
      headersTimeout: limits.headersTimeoutMs,
      // Node requires headersTimeout <= requestTimeout.
      requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
    },
    handler,
  );
  // `100 Continue` only once gw reads the body (continue.ts), not as soon as the head arrives.
  server.on('checkContinue', deferContinue(handler));
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const busy = (socket as unknown as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (err.code === 'ECONNRESET' || !socket.writable || busy) return void socket.destroy();
    socket.end(clientErrorAnswer(err, limits), () => socket.destroy());
  });

  // The send timeout: every socket with bytes the caller has not taken is watched; one whose
  // pending bytes made no progress for sendTimeoutMs is destroyed. One timer per listener, no
  // per-write cost.
  const sockets = new Map<Socket, SendState>();
  server.on('connection', (socket: Socket) => {
    sockets.set(socket, { done: 0, queued: 0, since: 0 });
    socket.once('close', () => sockets.delete(socket));
  });
  const sendCheck = setInterval(() => {
    const now = Date.now();
    for (const [socket, st] of sockets) {
      if (socket.writableLength === 0) {
        st.since = 0;
        continue;
      }
      const done = socket.bytesWritten - socket.writableLength;
      const queued = queuedBytes(socket);
      if (st.since === 0 || done !== st.done || queued !== st.queued) {
        st.done = done;
        st.queued = queued;
        st.since = now;
      } else if (now - st.since >= limits.sendTimeoutMs) {
        sockets.delete(socket);
        socket.destroy();
      }
    }
  }, checkEvery(limits.sendTimeoutMs));
  sendCheck.unref();
  server.once('close', () => clearInterval(sendCheck));

  let closed: Promise<void> | undefined;
  let sweep: NodeJS.Timeout | undefined;

  return {
    name,
    listen(host: string, port: number): Promise<string> {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const a = server.address() as AddressInfo;
          resolve(`http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
        });
      });
    },
    stopAccepting(): void {
      if (closed !== undefined) return;
      closed = new Promise((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Sockets of requests that finish during the drain close once idle, so a keep-alive
      // client cannot hold the process open.
      sweep = setInterval(() => server.closeIdleConnections(), 50);
      sweep.unref();
    },
    async closeAll(): Promise<void> {
      this.stopAccepting();
      clearInterval(sweep);
      clearInterval(sendCheck);
      server.closeAllConnections();
      await closed;
    },
  };
}
