// Measurements of the serve benchmark: throughput under load (autocannon), sequential
// latency and streamed time to first byte (one keep-alive socket each way, interleaved so
// both sides see the same machine load). Every loop has a fixed count or duration.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { percentile } from './util.js';

export interface Target {
  readonly name: string;
  /** Full URL of the chat completions route. */
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly model: string;
}

export interface LoadResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  readonly errors: number;
  readonly non2xx: number;
}

export const chatBody = (model: string, stream = false): string =>
  JSON.stringify({
    model,
    messages: [{ role: 'user', content: 'Say hello in five words.' }],
    max_tokens: 16,
    ...(stream ? { stream: true } : {}),
  });

export async function load(t: Target, connections: number, seconds: number): Promise<LoadResult> {
  const r = await autocannon({
    url: t.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...t.headers },
    body: chatBody(t.model),
    connections,
    duration: seconds,
    timeout: 10,
  });
  return {
    rps: r.requests.total / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    errors: r.errors,
    non2xx: r.non2xx,
  };
}

/**
 * CPU of process `pid` per request while `t` gets a fixed `rate` of requests a second for
 * `seconds` (16 connections), in µs. Below every proxy's saturation, so each proxy does the same
 * work in the same time: on this VM the figure at saturation moves by a third between runs,
 * this one far less. `cpuMs` reads the process's user + system time (all its threads).
 */
export async function cpuAtRate(
  t: Target,
  pid: number,
  cpuMs: (pid: number) => Promise<number>,
  rate: number,
  seconds: number,
): Promise<{ readonly usPerReq: number; readonly requests: number; readonly failed: number }> {
  const c0 = await cpuMs(pid);
  const r = await autocannon({
    url: t.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...t.headers },
    body: chatBody(t.model),
    connections: 16,
    duration: seconds,
    overallRate: rate,
    timeout: 10,
  });
  const c1 = await cpuMs(pid);
  const requests = r.requests.total;
  return { usPerReq: ((c1 - c0) * 1000) / Math.max(1, requests), requests, failed: r.errors + r.non2xx };
}

interface Timing {
  /** ms from sending the request to its first body byte. */
  readonly firstByte: number;
  /** ms from sending the request to the first non-empty `content` of a streamed answer. */
  readonly firstContent: number;
  /** ms from sending the request to the end of the body. */
  readonly total: number;
  readonly status: number;
}

/** A token of text in an OpenAI chunk (the role chunk's empty content is not one). */
const FIRST_CONTENT = /"content":"[^"]/;

function once(t: Target, agent: Agent, body: string): Promise<Timing> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    let firstByte = -1;
    let firstContent = -1;
    const req = request(
      t.url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...t.headers },
      },
      (res) => {
        res.on('data', (b: Buffer) => {
          if (firstByte < 0) firstByte = performance.now() - t0;
          if (firstContent < 0 && FIRST_CONTENT.test(b.toString('latin1'))) firstContent = performance.now() - t0;
        });
        res.on('end', () =>
          done({ firstByte, firstContent, total: performance.now() - t0, status: res.statusCode ?? 0 }),
        );
        res.on('error', fail);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`${t.name}: no answer in 10 s`)));
    req.on('error', fail);
    req.end(body);
  });
}

export interface PairResult {
  readonly count: number;
  /** p50 per target, ms. */
  readonly p50: Record<string, number>;
  readonly p99: Record<string, number>;
  /** p50 of the paired differences b − a, ms. */
  readonly addedP50: number;
  readonly failures: number;
}

/**
 * `count` requests to each of a and b, alternating, one keep-alive socket per target.
 * Measures the whole answer, or with `stream` the first content token of a streamed answer.
 */
export async function paired(a: Target, b: Target, count: number, stream: boolean): Promise<PairResult> {
  const agents = [
    new Agent({ keepAlive: true, maxSockets: 1 }),
    new Agent({ keepAlive: true, maxSockets: 1 }),
  ] as const;
  const times: [number[], number[]] = [[], []];
  const diffs: number[] = [];
  let failures = 0;
  const bodies = [chatBody(a.model, stream), chatBody(b.model, stream)] as const;
  try {
    // Warm the sockets and the JIT on both sides before counting.
    for (let i = 0; i < 50; i++) {
      await once(a, agents[0], bodies[0]);
      await once(b, agents[1], bodies[1]);
    }
    for (let i = 0; i < count; i++) {
      const ra = await once(a, agents[0], bodies[0]);
      const rb = await once(b, agents[1], bodies[1]);
      if (ra.status !== 200 || rb.status !== 200) {
        failures++;
        continue;
      }
      // A stream's latency is its time to the first content token: the first byte may be
      // headers or a role chunk that a gateway could send before the model said anything.
      const va = stream ? ra.firstContent : ra.total;
      const vb = stream ? rb.firstContent : rb.total;
      times[0].push(va);
      times[1].push(vb);
      diffs.push(vb - va);
    }
  } finally {
    agents[0].destroy();
    agents[1].destroy();
  }
  return {
    count,
    p50: { [a.name]: percentile(times[0], 50), [b.name]: percentile(times[1], 50) },
    p99: { [a.name]: percentile(times[0], 99), [b.name]: percentile(times[1], 99) },
    addedP50: percentile(diffs, 50),
    failures,
  };
}
