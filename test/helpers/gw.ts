// Runs the real `gw` binary (bin/gw -> dist/, built by `npm install`).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GW_BIN = fileURLToPath(new URL('../../bin/gw', import.meta.url));

export interface GwRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runGw(
  args: readonly string[],
  opts: { cwd?: string; input?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<GwRun> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
    for (const [k, v] of Object.entries(opts.env ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    const child = spawn(process.execPath, [GW_BIN, ...args], { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Port 0 cannot be written in gateway.yaml: take a free port from the OS and release it. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => done(port));
    });
  });
}

/** Resolves with the first stdout line matching `re`; rejects when the process exits first. */
export function waitForLine(child: ChildProcess, re: RegExp): Promise<string> {
  return new Promise((done, fail) => {
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      const hit = lines.find((l) => re.test(l));
      if (hit !== undefined) {
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        done(hit);
      }
    };
    const onExit = (code: number | null): void => fail(new Error(`gw exited (${code}) before printing ${re}`));
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** The keyHash a manifest carries for a plaintext caller key (computed here, not by gw). */
export const sha = (s: string): string => `sha256:${createHash('sha256').update(s).digest('hex')}`;

/** A `gw serve` child started by startServe. */
export interface ServingGw {
  readonly proxyUrl: string;
  readonly adminUrl: string;
  readonly child: ChildProcess;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `gw serve` in `dir` (its gateway.yaml listens on the two ports given) and resolves once
 * it printed its listening line; rejects with its stderr when it exits first.
 */
export async function startServe(
  dir: string,
  ports: { readonly proxy: number; readonly admin: number },
  env: Record<string, string>,
): Promise<ServingGw> {
  const child = spawn(process.execPath, [GW_BIN, 'serve'], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  await waitForLine(child, /listening on/).catch((err: Error) => {
    throw new Error(`${err.message}: ${stderr}`);
  });
  return {
    proxyUrl: `http://127.0.0.1:${ports.proxy}`,
    adminUrl: `http://127.0.0.1:${ports.admin}`,
    child,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Manifests of the built-in mock provider: one chat endpoint mapping `model`, one key (`key`'s hash). */
export function mockManifests(key: string, model = 'fast'): string {
  return `apiVersion: gw/v1
kind: Provider
metadata: { name: mock }
spec: { type: mock }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: chat }
spec:
  type: chat
  routing: { targets: [{ provider: mock, models: { ${model}: mock-fast } }] }
---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: app }
spec: { keyHash: "${sha(key)}", scopes: [chat] }
`;
}

export interface MockSite {
  readonly dir: string;
  readonly proxy: number;
  readonly admin: number;
}

/**
 * A new temp folder (the caller removes it) with gateway.yaml on two free ports, mockManifests in
 * manifests/m.yaml and the SQLite file at ./gw.db: what `gw serve` run there serves.
 */
export async function mockSite(prefix: string, key: string): Promise<MockSite> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const [proxy, admin] = [await freePort(), await freePort()];
  await writeFile(
    join(dir, 'gateway.yaml'),
    `apiVersion: gw/v1
kind: Gateway
metadata: { name: mock-site }
spec:
  proxy: { listen: 127.0.0.1:${proxy} }
  admin: { listen: 127.0.0.1:${admin} }
  manifests: [manifests]
  storage: { sqlite: ./gw.db }
`,
  );
  await mkdir(join(dir, 'manifests'));
  await writeFile(join(dir, 'manifests', 'm.yaml'), mockManifests(key));
  return { dir, proxy, admin };
}
