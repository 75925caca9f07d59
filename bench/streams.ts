// Many-streams benchmark: N concurrent streamed chat requests, each ~10 s long (the fake
// upstream sends a content chunk every 100 ms), straight to the upstream, through the floor
// proxy (bench/floor-proxy.mjs, which pipes a stream untouched) and through the real `gw serve`,
// one after another in one run. Per target: failures, time to the first content token (p50,
// p99), and for the proxy in the middle its RSS growth per open stream and CPU per chunk.
//   npx tsx bench/streams.ts [--streams 5000] [--interval 100] [--chunks 100] [--ramp 2]
//                            [--only direct,floor,gw] [--json FILE] [--keep] [--rounds N]
// --rounds N: the floor and gw take turns N times (both started once); each round's CPU ratio is
// read within the round and the median is the verdict (this VM's speed drifts between minutes).
import { Agent, request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { chatBody } from './serve-measure.js';
import {
  BENCH_MODEL,
  UPSTREAM_KEY,
  UPSTREAM_MODEL,
  cpuMs,
  rssMb,
  startFloorProxy,
  startGateway,
  startScript,
  stop,
  writeGatewayDir,
  type Proc,
} from './serve-procs.js';
import { machine, median, percentile } from './util.js';

const { values: args } = parseArgs({
  options: {
    streams: { type: 'string', default: '5000' },
    interval: { type: 'string', default: '100' },
    chunks: { type: 'string', default: '100' },
    ramp: { type: 'string', default: '2' },
    only: { type: 'string', default: 'direct,floor,gw' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
    profile: { type: 'string' },
    rounds: { type: 'string', default: '1' },
  },
});
const ROUNDS = Math.max(1, Number(args.rounds));
const STREAMS = Math.max(1, Number(args.streams));
const INTERVAL_MS = Math.max(1, Number(args.interval));
const CHUNKS = Math.max(1, Number(args.chunks));
const RAMP_S = Math.max(0, Number(args.ramp));
const ONLY = new Set(args.only.split(','));

interface Target {
  readonly name: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly model: string;
  /** The process in the middle (floor proxy or gw), measured while the streams run. */
  readonly middle?: Proc | undefined;
}

interface StreamResult {
  readonly ok: boolean;
  /** ms from sending the request to the first content token. */
  readonly ttft: number;
  readonly why?: string;
}

interface PhaseReport {
  readonly target: string;
  readonly streams: number;
  readonly failures: number;
  readonly failureSamples: readonly string[];
  readonly ttftP50: number;
  readonly ttftP99: number;
  readonly wallS: number;
  readonly upstreamCpuUsPerChunk: number;
  readonly middle?: {
    readonly rssBeforeMb: number;
    readonly rssPeakMb: number;
    readonly rssAfterMb: number;
    readonly kbPerStream: number;
    readonly cpuUsPerChunk: number;
  };
  readonly loadavg: readonly number[];
}

// One socket per stream: streams are long, nothing to reuse.
const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
const CONTENT = Buffer.from('"content":"tok');
const DONE = Buffer.from('[DONE]');

function oneStream(t: Target, body: string): Promise<StreamResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let ttft = Number.NaN;
    let tail: Buffer = Buffer.alloc(0);
    const req = request(
      t.url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', ...t.headers } },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return resolve({ ok: false, ttft, why: `HTTP ${res.statusCode}` });
        }
        res.on('data', (b: Buffer) => {
          if (Number.isNaN(ttft) && b.includes(CONTENT)) ttft = performance.now() - t0;
          tail = b.length >= 16 ? b : Buffer.concat([tail, b]);
        });
        res.on('end', () => {
          const done = tail.includes(DONE);
          resolve({ ok: done && !Number.isNaN(ttft), ttft, ...(done ? {} : { why: 'ended without [DONE]' }) });
        });
        res.on('error', (err) => resolve({ ok: false, ttft, why: err.message }));
      },
    );
    req.on('error', (err) => resolve({ ok: false, ttft, why: err.message }));
    req.end(body);
  });
}

async function phase(t: Target, upstream: Proc): Promise<PhaseReport> {
  const body = chatBody(t.model, true);
  // Warm the path (JIT, pools) with a few streams first.
  await Promise.all(Array.from({ length: 20 }, () => oneStream(t, body)));
  const rssBefore = t.middle !== undefined ? await rssMb(t.middle.pid) : 0;
  const cpu0 = t.middle !== undefined ? await cpuMs(t.middle.pid) : 0;
  const up0 = await cpuMs(upstream.pid);
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    if (t.middle === undefined) return;
    void rssMb(t.middle.pid).then(
      (r) => (rssPeak = Math.max(rssPeak, r)),
      () => undefined,
    );
  }, 250);
  const t0 = performance.now();
  const running: Promise<StreamResult>[] = [];
  // Opened over RAMP_S seconds in batches every 50 ms, not all at once (a listen backlog of
  // 511 would drop connects and add 1 s SYN retries that are the kernel's, not gw's).
  const batches = Math.max(1, Math.round((RAMP_S * 1000) / 50));
  const perBatch = Math.ceil(STREAMS / batches);
  for (let started = 0; started < STREAMS;) {
    const n = Math.min(perBatch, STREAMS - started);
    for (let i = 0; i < n; i++) running.push(oneStream(t, body));
    started += n;
    if (started < STREAMS) await new Promise((r) => setTimeout(r, 50));
  }
  const results = await Promise.all(running);
  const wallS = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const chunks = STREAMS * CHUNKS;
  const upstreamCpu = (await cpuMs(upstream.pid)) - up0;
  let middle: PhaseReport['middle'];
  if (t.middle !== undefined) {
    const cpu = (await cpuMs(t.middle.pid)) - cpu0;
    rssPeak = Math.max(rssPeak, await rssMb(t.middle.pid));
    await new Promise((r) => setTimeout(r, 5000)); // then RSS once the streams' garbage can go
    const rssAfter = await rssMb(t.middle.pid);
    middle = {
      rssBeforeMb: rssBefore,
      rssPeakMb: rssPeak,
      rssAfterMb: rssAfter,
      kbPerStream: ((rssPeak - rssBefore) * 1024) / STREAMS,
      cpuUsPerChunk: (cpu * 1000) / chunks,
    };
  }
  const ok = results.filter((r) => r.ok);
  const failed = results.filter((r) => !r.ok);
  const ttfts = ok.map((r) => r.ttft);
  return {
    target: t.name,
    streams: STREAMS,
    failures: failed.length,
    failureSamples: [...new Set(failed.map((r) => r.why ?? 'no content'))].slice(0, 5),
    ttftP50: percentile(ttfts, 50),
    ttftP99: percentile(ttfts, 99),
    wallS,
    upstreamCpuUsPerChunk: (upstreamCpu * 1000) / chunks,
    ...(middle !== undefined ? { middle } : {}),
    loadavg: loadavg(),
  };
}

const f1 = (n: number): string => n.toFixed(1);

async function main(): Promise<void> {
  const m = machine();
  console.log(
    `machine: ${m.nproc} cores, ${m.cpu}, node ${m.node}; ${STREAMS} streams of ${CHUNKS} chunks every ${INTERVAL_MS} ms; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const dir = await mkdtemp(join(tmpdir(), 'gw-bench-streams-'));
  const procs: Proc[] = [];
  const reports: PhaseReport[] = [];
  try {
    const upstream = await startScript('fake-upstream.ts', ['--slow', String(INTERVAL_MS), String(CHUNKS)]);
    procs.push(upstream);
    const direct: Target = {
      name: 'direct',
      url: `http://127.0.0.1:${upstream.port}/v1/chat/completions`,
      headers: { authorization: `Bearer ${UPSTREAM_KEY}` },
      model: UPSTREAM_MODEL,
    };
    if (ONLY.has('direct')) reports.push(await phase(direct, upstream));
    const turns: Target[] = [];
    if (ONLY.has('floor')) {
      const floor = await startFloorProxy(upstream.port);
      procs.push(floor);
      turns.push({
        name: 'floor',
        url: `http://127.0.0.1:${floor.port}/`,
        headers: {},
        model: BENCH_MODEL,
        middle: floor,
      });
    }
    if (ONLY.has('gw')) {
      const g = await writeGatewayDir(dir, upstream.port, 0, 'info');
      // --profile DIR: gw runs under --cpu-prof (bench/profile-top.ts reads the file).
      const gw = await startGateway(
        g,
        args.profile !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [],
      );
      procs.push(gw);
      turns.push({
        name: 'gw',
        url: `${gw.url}/v1/chat/completions`,
        headers: { authorization: `Bearer ${g.callerKey}` },
        model: BENCH_MODEL,
        middle: gw,
      });
    }
    for (let round = 0; round < ROUNDS; round++) for (const t of turns) reports.push(await phase(t, upstream));
  } finally {
    agent.destroy();
    for (const p of procs.reverse()) await stop(p);
    if (!args.keep) await rm(dir, { recursive: true, force: true });
  }
  console.log(
    '\n| target | streams | failures | TTFT p50 / p99 ms | wall s | upstream CPU µs/chunk | middle RSS before / peak / after MB | KB per open stream | middle CPU µs/chunk | load average after |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of reports) {
    const mid = r.middle;
    console.log(
      `| ${r.target} | ${r.streams} | ${r.failures}${r.failureSamples.length > 0 ? ` (${r.failureSamples.join('; ')})` : ''} | ${f1(r.ttftP50)} / ${f1(r.ttftP99)} | ${f1(r.wallS)} | ${f1(r.upstreamCpuUsPerChunk)} | ${
        mid !== undefined ? `${f1(mid.rssBeforeMb)} / ${f1(mid.rssPeakMb)} / ${f1(mid.rssAfterMb)}` : '—'
      } | ${mid !== undefined ? f1(mid.kbPerStream) : '—'} | ${mid !== undefined ? f1(mid.cpuUsPerChunk) : '—'} | ${r.loadavg
        .map((l) => l.toFixed(2))
        .join(' ')} |`,
    );
  }
  const d = reports.find((r) => r.target === 'direct');
  const g = reports.find((r) => r.target === 'gw');
  if (d !== undefined && g !== undefined) {
    console.log(`\ngw added TTFT: p50 ${f1(g.ttftP50 - d.ttftP50)} ms, p99 ${f1(g.ttftP99 - d.ttftP99)} ms`);
  }
  // One ratio per round: the floor's and gw's turns of the same round.
  const cpuOf = (name: string): number[] =>
    reports.filter((r) => r.target === name).map((r) => r.middle?.cpuUsPerChunk ?? Number.NaN);
  const ratios = cpuOf('gw')
    .map((x, i) => x / (cpuOf('floor')[i] ?? Number.NaN))
    .filter((x) => Number.isFinite(x));
  if (ratios.length > 0) {
    const each = ratios.length > 1 ? ` (rounds: ${ratios.map((x) => x.toFixed(2)).join(', ')})` : '';
    console.log(`gw CPU per chunk / floor's: ${median(ratios).toFixed(2)}×${each}`);
  }
  if (args.json !== undefined) await writeFile(args.json, JSON.stringify({ machine: m, reports }, null, 2));
}

await main();
