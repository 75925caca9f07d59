// Fixtures for the transparent proxy tests: a recording HTTP(S) upstream that keeps bodies as
// bytes, a throwaway CA with a server and a client certificate (openssl), and a raw request
// helper that sends a request target exactly as written (fetch and URL would normalise it).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';

export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  /** CN of the client certificate, when the connection had one. */
  readonly clientCn: string | undefined;
}

export type ProxyHandler = (seen: Seen, res: ServerResponse) => void;

export interface ProxyUpstream {
  readonly url: string;
  readonly seen: Seen[];
  close(): Promise<void>;
}

function clientCn(req: IncomingMessage): string | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const cn = socket.getPeerCertificate().subject?.CN;
  return typeof cn === 'string' ? cn : undefined;
}

/** Records each request (body read whole: test bodies are small) and hands it to `handler`. */
export async function startProxyUpstream(
  handler: ProxyHandler,
  tls?: { cert: string; key: string; ca: string },
): Promise<ProxyUpstream> {
  const seen: Seen[] = [];
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
        clientCn: clientCn(req),
      };
      seen.push(s);
      handler(s, res);
    });
  };
  const server: Server =
    tls === undefined
      ? createServer(onRequest)
      : createTlsServer({ ...tls, requestCert: true, rejectUnauthorized: false }, onRequest);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise((done) => server.close(() => done()));
    },
  };
}

export interface TestPki {
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate (CN gw-client), made with openssl. */
export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'gw-pki-'));
  const at = (f: string): string => join(dir, f);
  const ossl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    ossl('req', '-x509', ...ec, '-keyout', at('ca.key'), '-out', at('ca.pem'), '-subj', '/CN=gw-test-ca', '-days', '2');
    const leaf = (name: string, cn: string, ext: string): void => {
      writeFileSync(at(`${name}.ext`), ext);
      ossl('req', ...ec, '-keyout', at(`${name}.key`), '-out', at(`${name}.csr`), '-subj', `/CN=${cn}`);
      ossl(
        'x509',
        '-req',
        '-in',
        at(`${name}.csr`),
        '-CA',
        at('ca.pem'),
        '-CAkey',
        at('ca.key'),
        '-CAcreateserial',
        '-out',
        at(`${name}.pem`),
        '-days',
        '2',
        '-extfile',
        at(`${name}.ext`),
      );
    };
    leaf('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    leaf('client', 'gw-client', 'extendedKeyUsage=clientAuth\n');
    const read = (f: string): string => readFileSync(at(f), 'utf8');
    return {
      ca: read('ca.pem'),
      serverCert: read('server.pem'),
      serverKey: read('server.key'),
      clientCert: read('client.pem'),
      clientKey: read('client.key'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A PEM block as a YAML block scalar at `indent` spaces. */
export function yamlBlock(pem: string, indent: number): string {
  const pad = ' '.repeat(indent);
  return `|\n${pem
    .trim()
    .split('\n')
    .map((l) => pad + l)
    .join('\n')}`;
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

/** Sends `path` as the request target byte for byte (no normalisation) and reads the whole answer. */
export function rawRequest(
  base: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<RawAnswer> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, method: opts.method ?? 'GET', path, headers: opts.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
