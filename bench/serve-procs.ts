// Child processes of the serve benchmark: the fake upstream and the real `gw serve`, with the
// temp gateway.yaml and manifests it reads. Every wait is bounded; every process is ended.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateManifests } from './generate.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const UPSTREAM_KEY = `sk-bench-${randomBytes(8).toString('hex')}`;
export const BENCH_MODEL = 'bench-model';
export const UPSTREAM_MODEL = 'bench-upstream-model';

export interface Proc {
  readonly child: ChildProcess;
  readonly pid: number;
}

/** Ends `p`: SIGTERM, then SIGKILL after `graceMs`. Resolves with the exit code (null: signal). */
export async function stop(p: Proc, graceMs = 15_000): Promise<number | null> {
  const { child } = p;
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, 'exit') as Promise<[number | null]>;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const [code] = await exited;
  clearTimeout(timer);
  return code;
}

async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  dead: () => Promise<string | undefined>,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const value = await probe();
    if (value !== undefined) return value;
    const why = await dead();
    if (why !== undefined) throw new Error(`${what}: ${why}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms`);
}

/**
 * Runs bench/<script> as its own process and waits for its `listening <port>` line. A .mjs
 * script runs without tsx (whose loader thread would count in its RSS).
 */
export async function startScript(
  script: string,
  args: readonly string[] = [],
  wrap: readonly string[] = [],
  nodeArgs: readonly string[] = [],
): Promise<Proc & { port: number }> {
  const loader = script.endsWith('.mjs') ? [] : ['--import', 'tsx'];
  const argv = [process.execPath, ...nodeArgs, ...loader, join(ROOT, 'bench', script), ...args];
  const command = [...wrap, ...argv];
  const child = spawn(command[0] as string, command.slice(1), {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, GW_BENCH_UPSTREAM_KEY: UPSTREAM_KEY },
  });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString('utf8')));
  const port = await waitFor(
    script,
    wrap.length > 0 ? 300_000 : 20_000,
    async () => {
      const m = /listening (\d+)/.exec(out);
      return m ? Number(m[1]) : undefined;
    },
    async () => (child.exitCode !== null ? `exited with ${child.exitCode}` : undefined),
  );
  return { child, pid: child.pid as number, port };
}

export const startUpstream = (): Promise<Proc & { port: number }> => startScript('fake-upstream.ts');

/** A redis-server on `port` (no persistence, its files in `dir`), for the redis limits run. */
export async function startRedisServer(port: number, dir: string): Promise<Proc> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString('utf8')));
  await waitFor(
    'redis-server',
    10_000,
    async () => (out.includes('Ready to accept connections') ? true : undefined),
    async () => (child.exitCode !== null ? `exited with ${child.exitCode}` : undefined),
  );
  return { child, pid: child.pid as number };
}

/**
 * The minimal Node proxy (bench/floor-proxy.mjs) in front of the fake upstream; with `features`,
 * plus a key lookup, an access-log line, a usage row and two metrics per request.
 */
export const startFloorProxy = (
  upstreamPort: number,
  features = false,
  wrap: readonly string[] = [],
  nodeArgs: readonly string[] = [],
): Promise<Proc & { port: number }> =>
  startScript('floor-proxy.mjs', [String(upstreamPort), ...(features ? ['--features'] : [])], wrap, nodeArgs);

export interface GatewayDir {
  readonly dir: string;
  readonly configPath: string;
  readonly callerKey: string;
  readonly resources: number;
}

/** gateway.yaml + one endpoint on the fake upstream, plus `extra` generated resources. */
export async function writeGatewayDir(
  dir: string,
  upstreamPort: number,
  extra: number,
  logLevel = 'info',
  opts: { readonly limits?: boolean; readonly redisUrl?: string; readonly flushIntervalMs?: number } = {},
): Promise<GatewayDir> {
  // rpm, tpm and a budget on the key and on the endpoint, high enough never to refuse: what
  // enforcing them costs per request, not what refusing costs.
  const limits =
    opts.limits === true ? '  limits: { rpm: 1000000000, tpm: 1000000000, monthlyBudgetUsd: 100000000 }\n' : '';
  // And one input guardrail (a regex and keywords) that never matches the bench prompt.
  const guardrail = opts.limits === true ? '  guardrails: [bench-secrets]\n' : '';
  const guardrailDoc =
    opts.limits === true
      ? `---
apiVersion: gw/v1
kind: Guardrail
metadata: { name: bench-secrets }
spec:
  stage: input
  action: block
  rules:
    - regex: '(?i)api[_-]?key\\s*[:=]\\s*\\S+'
    - keywords: [internal-only, do-not-share]
`
      : '';
  const callerKey = `gw-bench-${randomBytes(16).toString('hex')}`;
  const hash = createHash('sha256').update(callerKey).digest('hex');
  await mkdir(join(dir, 'manifests'), { recursive: true });
  await writeFile(
    join(dir, 'gateway.yaml'),
    `apiVersion: gw/v1
kind: Gateway
metadata: { name: bench }
spec:
  proxy: { listen: 127.0.0.1:0 }
  admin: { listen: 127.0.0.1:0 }
  manifests: [./manifests]
  storage: { sqlite: ./storage.sqlite${opts.flushIntervalMs !== undefined ? `, flushInterval: ${opts.flushIntervalMs}ms` : ''} }
  log: { level: ${logLevel} }
${opts.redisUrl !== undefined ? `  limits: { backend: redis, url: "${opts.redisUrl}" }\n` : ''}`,
  );
  await writeFile(
    join(dir, 'manifests', 'bench.yaml'),
    `apiVersion: gw/v1
kind: Provider
metadata: { name: upstream }
spec:
  type: openai
  baseUrl: http://127.0.0.1:${upstreamPort}/v1
  auth: { bearer: "\${env:GW_BENCH_UPSTREAM_KEY}" }
  models:
    ${UPSTREAM_MODEL}: { inputPer1k: 0.00015, outputPer1k: 0.0006 }
---
apiVersion: gw/v1
kind: Endpoint
metadata: { name: bench }
spec:
  type: chat
  routing:
    targets:
      - provider: upstream
        models: { ${BENCH_MODEL}: ${UPSTREAM_MODEL} }
  defaultModel: ${BENCH_MODEL}
${limits}${guardrail}---
apiVersion: gw/v1
kind: ApiKey
metadata: { name: bench }
spec:
  keyHash: sha256:${hash}
  scopes: [chat]
${limits}${guardrailDoc}`,
  );
  let resources = 3;
  if (extra > 0) {
    const g = await generateManifests(join(dir, 'manifests', 'generated'), extra);
    const c = g.counts;
    resources += c.providers + c.endpoints + c.keys + c.guardrails;
  }
  return { dir, configPath: join(dir, 'gateway.yaml'), callerKey, resources };
}

export interface GatewayProc extends Proc {
  readonly url: string;
  readonly logPath: string;
  readonly startMs: number;
}

/** Starts the real `gw serve -c <dir>/gateway.yaml`; its log goes to a file, as under systemd. */
/** `wrap`: a command the node process runs under (e.g. valgrind and its options). */
export async function startGateway(
  g: GatewayDir,
  nodeArgs: readonly string[] = [],
  wrap: readonly string[] = [],
): Promise<GatewayProc> {
  // GW_BENCH_BIN benchmarks another build of gw (e.g. a patched copy) with the same harness.
  const bin = resolve(process.env['GW_BENCH_BIN'] ?? join(ROOT, 'bin', 'gw'));
  if (
    !(await stat(join(dirname(bin), '..', 'dist', 'cli', 'main.js')).then(
      () => true,
      () => false,
    ))
  ) {
    throw new Error(`${bin} needs the compiled dist/ beside it: run \`npm run build\` first`);
  }
  const logPath = join(g.dir, 'gw.log');
  const log = await open(logPath, 'w');
  const t0 = Date.now();
  const argv = [...wrap, process.execPath, ...nodeArgs, bin, 'serve', '-c', g.configPath];
  const child = spawn(argv[0] as string, argv.slice(1), {
    cwd: g.dir,
    stdio: ['ignore', log.fd, log.fd],
    env: { ...process.env, GW_BENCH_UPSTREAM_KEY: UPSTREAM_KEY },
  });
  await log.close();
  const url = await waitFor(
    'gw serve',
    wrap.length > 0 ? 600_000 : 120_000,
    async () => /listening on (http:\/\/\S+)/.exec(await readFile(logPath, 'utf8'))?.[1],
    async () =>
      child.exitCode !== null
        ? `exited with ${child.exitCode}; log:\n${(await readFile(logPath, 'utf8')).slice(-2000)}`
        : undefined,
  );
  return { child, pid: child.pid as number, url, logPath, startMs: Date.now() - t0 };
}

/** Resident set size of `pid` in MB, from /proc/<pid>/status. */
export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

/** CPU time (user + system) `pid` has used so far, in ms, from /proc/<pid>/stat. */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at state, field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
  return (ticks * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux
