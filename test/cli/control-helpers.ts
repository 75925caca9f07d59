// A tiny admin API on 127.0.0.1 that speaks the control-plane contract (GET config, POST apply
// with dryRun/ifRevision, POST rollback, GET status) over in-memory revisions, so the CLI side
// is tested without a real gateway. It records every request it gets.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Manifest } from '../../src/manifest/types.js';
import { plan } from '../../src/state/plan.js';
import { planJson } from '../../src/state/report.js';
import { buildSnapshot } from '../../src/state/snapshot.js';
import type { StatusResponse } from '../../src/cli/admin-client.js';
import type { CliIO } from '../../src/cli/io.js';

export interface FakeRevision {
  readonly number: number;
  readonly manifests: readonly Manifest[];
  readonly source: string;
}

export interface FakeCall {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly body: unknown;
}

export interface FakeAdmin {
  readonly url: string;
  readonly revisions: FakeRevision[];
  readonly calls: FakeCall[];
  status: StatusResponse;
  current(): FakeRevision | undefined;
  close(): Promise<void>;
}

/** A manifest the fake refuses with 422, as a server whose environment lacks a variable would. */
export const SERVER_INVALID_LABEL = 'fake-server-invalid';

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((done, fail) => {
    let text = '';
    req.setEncoding('utf8').on('data', (d: string) => (text += d));
    req.on('end', () => {
      try {
        done(text === '' ? undefined : JSON.parse(text));
      } catch (err) {
        fail(err);
      }
    });
    req.on('error', fail);
  });
}

export interface FakeAdminOptions {
  readonly key?: string;
  readonly initial?: readonly Manifest[];
  /** Runs after GET /admin/v1/config is answered: a change made between a plan and its apply. */
  readonly afterConfig?: (fake: FakeAdmin) => void;
}

export async function startFakeAdmin(opts: FakeAdminOptions = {}): Promise<FakeAdmin> {
  const revisions: FakeRevision[] = opts.initial ? [{ number: 1, manifests: opts.initial, source: 'file' }] : [];
  const calls: FakeCall[] = [];
  const current = (): FakeRevision | undefined => revisions[revisions.length - 1];
  const fake: FakeAdmin = {
    url: '',
    revisions,
    calls,
    current,
    status: { revision: null, hash: null, uptimeS: 0, endpoints: [] },
    close: async () => {},
  };
  const mutable = fake as { url: string; close: () => Promise<void> };
  const send = (res: import('node:http').ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const record = (manifests: readonly Manifest[], source: string): number => {
    const number = (current()?.number ?? 0) + 1;
    revisions.push({ number, manifests, source });
    return number;
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      calls.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
      if (opts.key !== undefined && req.headers.authorization !== `Bearer ${opts.key}`) {
        send(res, 401, {
          error: { message: 'admin key missing or wrong', type: 'authentication_error', code: 'GW_ERR_ADMIN_AUTH' },
        });
        return;
      }
      const cur = current();
      if (req.method === 'GET' && req.url === '/admin/v1/config') {
        send(res, 200, {
          revision: cur?.number ?? null,
          hash: cur ? `h${cur.number}` : null,
          source: cur?.source ?? null,
          appliedAt: cur ? new Date(0).toISOString() : null,
          manifests: cur?.manifests ?? [],
        });
        opts.afterConfig?.(fake);
      } else if (req.method === 'POST' && req.url === '/admin/v1/apply') {
        const b = body as { manifests: Manifest[]; dryRun?: boolean; ifRevision?: number };
        if (b.ifRevision !== undefined && b.ifRevision !== (cur?.number ?? 0)) {
          send(res, 409, {
            error: {
              code: 'GW_ERR_REVISION_CONFLICT',
              message: `the live config is at revision ${cur?.number}`,
              type: 'conflict',
            },
            currentRevision: cur?.number ?? null,
          });
          return;
        }
        const badAt = b.manifests.findIndex((m) => m.metadata.labels?.[SERVER_INVALID_LABEL] !== undefined);
        const bad = b.manifests[badAt];
        if (bad !== undefined) {
          // named as the real gateway names it: the index of the manifest sent, a line of its own
          const d = {
            code: 'GW_ERR_ENV_UNSET',
            severity: 'error',
            message: `${bad.metadata.name}: SERVER_ONLY is not set on the gateway`,
            file: `apply[${badAt}]`,
            line: 9,
            col: 3,
            path: 'spec.routing',
          };
          send(res, 422, {
            error: { code: 'GW_ERR_CONFIG_INVALID', message: 'the config is invalid', type: 'invalid_request_error' },
            diagnostics: [d],
          });
          return;
        }
        const p = plan(buildSnapshot(b.manifests), buildSnapshot(cur?.manifests ?? []));
        const applied = b.dryRun !== true && p.changes.length > 0;
        const revision = applied ? record(b.manifests, 'apply') : (cur?.number ?? 0);
        send(res, 200, { applied, revision, plan: planJson(p), diagnostics: [] });
      } else if (req.method === 'POST' && req.url === '/admin/v1/rollback') {
        const b = (body ?? {}) as { revision?: number; dryRun?: boolean; ifRevision?: number };
        if (b.ifRevision !== undefined && b.ifRevision !== (cur?.number ?? 0)) {
          send(res, 409, {
            error: { code: 'GW_ERR_REVISION_CONFLICT', message: 'moved', type: 'conflict' },
            currentRevision: cur?.number ?? null,
          });
          return;
        }
        const want = b.revision ?? (cur ? cur.number - 1 : 0);
        const target = revisions.find((r) => r.number === want);
        if (target === undefined) {
          send(res, 404, {
            error: { code: 'GW_ERR_REVISION_NOT_FOUND', message: `no revision ${want}`, type: 'not_found_error' },
          });
          return;
        }
        const p = plan(buildSnapshot(target.manifests), buildSnapshot(cur?.manifests ?? []));
        if (b.dryRun === true) {
          send(res, 200, {
            applied: false,
            revision: cur?.number ?? 0,
            rolledBackTo: target.number,
            plan: planJson(p),
          });
          return;
        }
        const revision = record(target.manifests, 'rollback');
        send(res, 200, { applied: true, revision, rolledBackTo: target.number, plan: planJson(p) });
      } else if (req.method === 'GET' && req.url === '/admin/v1/status') {
        send(res, 200, fake.status);
      } else {
        send(res, 404, {
          error: { code: 'GW_ERR_ROUTE_NOT_FOUND', message: 'no such route', type: 'not_found_error' },
        });
      }
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  mutable.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  mutable.close = () => new Promise<void>((done) => server.close(() => done()));
  return fake;
}

/** A CliIO that keeps what a command printed and the exit code it set. */
export function captureIO(): CliIO & { stdout: string; stderr: string; code: number | undefined } {
  const io = {
    stdout: '',
    stderr: '',
    code: undefined as number | undefined,
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
    exit: (c: number) => void (io.code = c),
  };
  return io;
}

export const KEY_HASH = `sha256:${'cd'.repeat(32)}`;

/** Provider + endpoint + key, all mock: valid offline, needs no secrets. */
export function baseManifests(opts: { reply?: string; endpointLabels?: string } = {}): string {
  return `apiVersion: gw/v1
kind: Provider
metadata: { name: mock-llm }
spec:
  type: mock
  mock: { reply: "${opts.reply ?? 'hello'}" }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: support-bot${opts.endpointLabels !== undefined ? `, labels: { ${opts.endpointLabels} }` : ''} }
spec:
  type: chat
  routing:
    targets:
      - provider: mock-llm
        models: { fast: mock-1 }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: support-app }
spec:
  keyHash: ${KEY_HASH}
  allow: { endpoints: [support-bot] }
`;
}
