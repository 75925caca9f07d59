// One node:http listener with keep-alive and a two-step close: stop accepting (idle keep-alive
// sockets close as they go idle), then cut whatever is left once the drain is over. The proxy
// uses one; the admin API (a later issue) adds a second through the same shape.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listener {
  readonly name: string;
  /** Binds; resolves with the base URL (http://host:port). */
  listen(host: string, port: number): Promise<string>;
  /** Stops accepting connections and closes idle keep-alive sockets from now on. */
  stopAccepting(): void;
  /** Closes every remaining socket; resolves when the server is fully closed. */
  closeAll(): Promise<void>;
}

export function createListener(name: string, handler: RequestListener): Listener {
  const server: Server = createServer({ keepAlive: true }, handler);
  // Above the 60 s idle timeout of common load balancers, so gw never closes a socket the
  // balancer is about to reuse.
  server.keepAliveTimeout = 65_000; // 65s
  server.headersTimeout = 66_000; // 66s, must exceed keepAliveTimeout
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
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
      server.closeAllConnections();
      await closed;
    },
  };
}
