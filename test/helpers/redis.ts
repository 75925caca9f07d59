// A real redis-server for the fleet tests: a free 127.0.0.1 port, a temp dir, no persistence,
// killed after. Tests that need it skip with a clear message when redis-server is missing
// (.ci/run installs it).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './gw.js';

const CANDIDATES = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'];

/** The redis-server binary, or undefined when none is installed. */
export const REDIS_SERVER: string | undefined = CANDIDATES.find((p) => existsSync(p));

/** For test(..., { skip }): false when redis-server is installed, else why the test is skipped. */
export const SKIP_NO_REDIS: string | false =
  REDIS_SERVER === undefined
    ? 'redis-server is not installed (apt-get install -y redis-server; .ci/run does it)'
    : false;

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Kills the server (SIGKILL: a crash, not a shutdown); its data is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty). */
  restart(): Promise<void>;
  /** Kills it and removes its dir. */
  stop(): Promise<void>;
}

function launch(port: number, dir: string): Promise<ChildProcess> {
  return new Promise((done, fail) => {
    const child = spawn(
      REDIS_SERVER as string,
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        done(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.resume();
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`redis-server exited (${code}) before it was ready: ${out}`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once('exit', () => done());
    child.kill('SIGKILL');
  });
}

export async function startRedis(): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'gw-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined = await launch(port, dir);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      if (child !== undefined) await killed(child);
      child = undefined;
    },
    async restart() {
      if (child !== undefined) await killed(child);
      child = await launch(port, dir);
    },
    async stop() {
      if (child !== undefined) await killed(child);
      child = undefined;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
