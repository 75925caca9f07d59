// Serve benchmark: a fake OpenAI-compatible upstream, the real `gw serve` in front of it, and
// in one run, direct-to-upstream vs through gw: RPS and p50/p99 at concurrency 32 and 128,
// sequential added latency, streamed time to the first content token (TTFT), gateway RSS idle and after load,
// with the usage log on. Then again with 10k generated resources loaded.
//   npx tsx bench/serve.ts [--duration 10] [--resources 10000] [--only base,limits,redis,large] [--direct-only]
//                          [--profile DIR] [--json FILE] [--keep] [--skip-floor] [--log-level info]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { cpuAtRate, load, paired, type LoadResult, type PairResult, type Target } from './serve-measure.js';
import {
  BENCH_MODEL,
  UPSTREAM_KEY,
  UPSTREAM_MODEL,
  cpuMs,
  rssMb,
  startFloorProxy,
  startGateway,
  startRedisServer,
  startUpstream,
  stop,
  writeGatewayDir,
  type Proc,
} from './serve-procs.js';
import { machine } from './util.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    resources: { type: 'string', default: '10000' },
    only: { type: 'string' },
    'direct-only': { type: 'boolean', default: false },
    profile: { type: 'string' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'info' },
    'skip-floor': { type: 'boolean', default: false },
    sequential: { type: 'string', default: '1000' },
    streamed: { type: 'string', default: '200' },
    'idle-wait': { type: 'string', default: '45' },
    rate: { type: 'string', default: '1500' },
  },
});
const SECONDS = Math.min(60, Math.max(1, Number(args.duration)));
const SEQUENTIAL = Math.min(10_000, Math.max(10, Number(args.sequential)));
const STREAMED = Math.min(10_000, Math.max(10, Number(args.streamed)));
const CONCURRENCY = [32, 128] as const;
/**
 * Idle RSS is read after this long: the build worker stops after 30 s without a build, and V8's
 * memory reducer gives back the emptied heap pages some seconds later (about 40 s from start).
 */
const IDLE_WAIT_S = Math.max(1, Number(args['idle-wait']));
/** The fixed request rate CPU per request is also read at (below every proxy's saturation here). */
const RATE = Math.max(100, Number(args.rate));

/** CPU µs per request: of the upstream on the direct run, of gw and the upstream through gw. */
interface LoadRow {
  readonly connections: number;
  readonly direct: LoadResult;
  readonly gw: LoadResult;
  readonly upstreamUsPerReqDirect: number;
  readonly gwUsPerReq: number;
  readonly upstreamUsPerReqGw: number;
}

interface RunReport {
  readonly label: string;
  readonly resources: number;
  readonly startMs: number;
  readonly rssIdleMb: number;
  readonly rssAfterMb: number;
  /** 10 s after the load ended. */
  readonly rssSettledMb: number;
  readonly load: LoadRow[];
  /** gw's CPU µs per request at RATE requests a second. */
  readonly cpuAtRate: number;
  readonly sequential: PairResult;
  readonly ttfb: PairResult;
  readonly usageRows: number;
  readonly exitCode: number | null;
}

const procs: Proc[] = [];
const dirs: string[] = [];

async function cleanup(): Promise<void> {
  for (const p of procs.splice(0)) await stop(p);
  for (const d of dirs.splice(0)) {
    if (args.keep) console.error(`kept ${d}`);
    else await rm(d, { recursive: true, force: true });
  }
}

function directTarget(port: number): Target {
  return {
    name: 'direct',
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    headers: { authorization: `Bearer ${UPSTREAM_KEY}` },
    model: UPSTREAM_MODEL,
  };
}

async function directOnly(port: number): Promise<void> {
  const direct = directTarget(port);
  for (const c of CONCURRENCY) {
    const r = await load(direct, c, SECONDS);
    console.log(
      `direct c=${c}: ${r.rps.toFixed(0)} rps, p50 ${r.p50} ms, p99 ${r.p99} ms, errors ${r.errors}, non2xx ${r.non2xx}`,
    );
  }
  const seq = await paired(direct, { ...direct, name: 'direct2' }, SEQUENTIAL, false);
  console.log(`direct sequential p50 ${seq.addedP50.toFixed(3)} ms between two sockets (noise floor)`, seq.p50);
}

async function oneRun(
  label: string,
  upstreamPort: number,
  upstreamPid: number,
  extra: number,
  opts: { readonly limits?: boolean; readonly redisUrl?: string } = {},
): Promise<RunReport> {
  const dir = await mkdtemp(join(tmpdir(), 'gw-bench-serve-'));
  dirs.push(dir);
  const g = await writeGatewayDir(dir, upstreamPort, extra, args['log-level'], opts);
  const nodeArgs = args.profile !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${resolve(args.profile, label)}`] : [];
  const gw = await startGateway(g, nodeArgs);
  procs.push(gw);
  console.error(`[${label}] gw serve up in ${gw.startMs} ms at ${gw.url} with ${g.resources} resources`);
  await new Promise((r) => setTimeout(r, IDLE_WAIT_S * 1000));
  const rssIdleMb = await rssMb(gw.pid);

  const direct = directTarget(upstreamPort);
  const through: Target = {
    name: 'gw',
    url: `${gw.url}/v1/chat/completions`,
    headers: { authorization: `Bearer ${g.callerKey}` },
    model: BENCH_MODEL,
  };
  // Warm-up: JIT, sockets and the upstream pool on both paths.
  await load(direct, 32, 2);
  await load(through, 32, 2);

  const loads: RunReport['load'] = [];
  for (const c of CONCURRENCY) {
    const u0 = await cpuMs(upstreamPid);
    const d = await load(direct, c, SECONDS);
    const u1 = await cpuMs(upstreamPid);
    const g1 = await cpuMs(gw.pid);
    const w = await load(through, c, SECONDS);
    const [u2, g2] = [await cpuMs(upstreamPid), await cpuMs(gw.pid)];
    const perReq = (ms: number, n: number): number => (ms * 1000) / Math.max(1, n);
    loads.push({
      connections: c,
      direct: d,
      gw: w,
      upstreamUsPerReqDirect: perReq(u1 - u0, d.requests),
      gwUsPerReq: perReq(g2 - g1, w.requests),
      upstreamUsPerReqGw: perReq(u2 - u1, w.requests),
    });
    console.error(
      `[${label}] c=${c}: direct ${d.rps.toFixed(0)} rps, gw ${w.rps.toFixed(0)} rps (gw errors ${w.errors}, non2xx ${w.non2xx})`,
    );
  }
  const atRate = await cpuAtRate(through, gw.pid, cpuMs, RATE, SECONDS);
  const sequential = await paired(direct, through, SEQUENTIAL, false);
  const ttfb = await paired(direct, through, STREAMED, true);
  const rssAfterMb = await rssMb(gw.pid);
  await new Promise((r) => setTimeout(r, 10_000));
  const rssSettledMb = await rssMb(gw.pid);
  procs.splice(procs.indexOf(gw), 1);
  const exitCode = await stop(gw);
  const db = new Database(join(dir, 'storage.sqlite'), { readonly: true });
  const usageRows = (db.prepare('SELECT count(*) AS n FROM requests').get() as { n: number }).n;
  db.close();
  return {
    label,
    resources: g.resources,
    startMs: gw.startMs,
    rssIdleMb,
    rssAfterMb,
    rssSettledMb,
    load: loads,
    cpuAtRate: atRate.usPerReq,
    sequential,
    ttfb,
    usageRows,
    exitCode,
  };
}

interface FloorRow {
  readonly connections: number;
  readonly floor: LoadResult;
  readonly floorUsPerReq: number;
}

/** One floor proxy's figures, measured as gw's are. */
interface FloorReport {
  readonly label: 'floor' | 'floor+features';
  readonly rows: FloorRow[];
  readonly cpuAtRate: number;
  readonly sequential: PairResult;
  readonly ttfb: PairResult;
  readonly rssIdleMb: number;
  readonly rssAfterMb: number;
  readonly rssSettledMb: number;
}

/**
 * The same loads through the minimal Node proxy: what any Node.js gateway costs here. With
 * `features`, the floor plus a key lookup, an access-log line, a usage row and two metrics per
 * request: what the features issue 16's throughput target keeps on cost at the least.
 */
async function floorRun(upstreamPort: number, features: boolean): Promise<FloorReport> {
  const label = features ? 'floor+features' : 'floor';
  const floor = await startFloorProxy(upstreamPort, features);
  procs.push(floor);
  const t: Target = {
    name: 'floor',
    url: `http://127.0.0.1:${floor.port}/v1/chat/completions`,
    headers: {},
    model: BENCH_MODEL,
  };
  await new Promise((r) => setTimeout(r, 2000));
  const rssIdleMb = await rssMb(floor.pid);
  await load(t, 32, 2);
  const rows: FloorRow[] = [];
  for (const c of CONCURRENCY) {
    const c0 = await cpuMs(floor.pid);
    const r = await load(t, c, SECONDS);
    rows.push({
      connections: c,
      floor: r,
      floorUsPerReq: (((await cpuMs(floor.pid)) - c0) * 1000) / Math.max(1, r.requests),
    });
    console.error(`[${label}] c=${c}: ${r.rps.toFixed(0)} rps`);
  }
  const atRate = await cpuAtRate(t, floor.pid, cpuMs, RATE, SECONDS);
  const sequential = await paired(directTarget(upstreamPort), t, SEQUENTIAL, false);
  const ttfb = await paired(directTarget(upstreamPort), t, STREAMED, true);
  const rssAfterMb = await rssMb(floor.pid);
  await new Promise((r) => setTimeout(r, 10_000));
  const rssSettledMb = await rssMb(floor.pid);
  procs.splice(procs.indexOf(floor), 1);
  await stop(floor);
  return { label, rows, cpuAtRate: atRate.usPerReq, sequential, ttfb, rssIdleMb, rssAfterMb, rssSettledMb };
}

const f0 = (n: number): string => n.toFixed(0);
const f2 = (n: number): string => n.toFixed(3);
const verdict = (ok: boolean): string => (ok ? 'met' : '**missed**');

function report(runs: readonly RunReport[], floors: readonly FloorReport[]): void {
  const floor = floors.find((f) => f.label === 'floor');
  const featured = floors.find((f) => f.label === 'floor+features');
  console.log(
    '\n| run | resources | conc. | direct RPS | gw RPS | direct p50 / p99 ms | gw p50 / p99 ms | gw errors + non-2xx | CPU µs/req: upstream direct / gw / upstream via gw |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of runs) {
    for (const l of r.load) {
      console.log(
        `| ${r.label} | ${r.resources} | ${l.connections} | ${f0(l.direct.rps)} | ${f0(l.gw.rps)} | ${l.direct.p50} / ${l.direct.p99} | ${l.gw.p50} / ${l.gw.p99} | ${l.gw.errors + l.gw.non2xx} | ${f0(l.upstreamUsPerReqDirect)} / ${f0(l.gwUsPerReq)} / ${f0(l.upstreamUsPerReqGw)} |`,
      );
    }
  }
  console.log(
    `\n| run | gw CPU µs/req at ${RATE} req/s | sequential p50 direct / gw ms | added p50 ms | streamed TTFT p50 direct / gw ms | added TTFT p50 ms | RSS idle / after load / 10 s later MB | usage rows | start ms |`,
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of runs) {
    const s = r.sequential;
    const t = r.ttfb;
    console.log(
      `| ${r.label} | ${f0(r.cpuAtRate)} | ${f2(s.p50.direct ?? NaN)} / ${f2(s.p50.gw ?? NaN)} | ${f2(s.addedP50)} | ${f2(t.p50.direct ?? NaN)} / ${f2(t.p50.gw ?? NaN)} | ${f2(t.addedP50)} | ${f0(r.rssIdleMb)} / ${f0(r.rssAfterMb)} / ${f0(r.rssSettledMb)} | ${r.usageRows} | ${r.startMs} |`,
    );
  }
  if (floors.length > 0) {
    console.log(
      '\nminimal Node proxy (bench/floor-proxy.mjs: node:http + undici Pool + JSON parse/stringify; floor+features adds a key lookup, a pino access-log line, a batched SQLite usage row and two prom-client metrics per request):',
    );
    console.log(
      `| proxy | conc. | RPS | p50 / p99 ms | errors + non-2xx | proxy CPU µs/req | CPU µs/req at ${RATE} req/s | added p50 sequential ms | added TTFT p50 ms | RSS idle / after load / 10 s later MB |`,
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const fl of floors)
      for (const f of fl.rows)
        console.log(
          `| ${fl.label} | ${f.connections} | ${f0(f.floor.rps)} | ${f.floor.p50} / ${f.floor.p99} | ${f.floor.errors + f.floor.non2xx} | ${f0(f.floorUsPerReq)} | ${f0(fl.cpuAtRate)} | ${f2(fl.sequential.addedP50)} | ${f2(fl.ttfb.addedP50)} | ${f0(fl.rssIdleMb)} / ${f0(fl.rssAfterMb)} / ${f0(fl.rssSettledMb)} |`,
        );
  }
  const base = runs.find((r) => r.label === 'base');
  const large = runs.find((r) => r.label === 'large');
  const limited = runs.find((r) => r.label === 'limits');
  const gw32 = (r: RunReport | undefined): LoadRow | undefined => r?.load.find((l) => l.connections === 32);
  const floor32 = floor?.rows.find((f) => f.connections === 32);
  console.log(
    `\ntargets (issue 16; the floor is bench/floor-proxy.mjs in this run; [floor …] is the floor's own figure on the same yardstick):`,
  );
  if (base && floor32 !== undefined) {
    const b = gw32(base);
    const rps = (b?.gw.rps ?? NaN) / floor32.floor.rps;
    const cpu = (b?.gwUsPerReq ?? NaN) / floor32.floorUsPerReq;
    const feat32 = featured?.rows.find((f) => f.connections === 32);
    const featNote = (x: number | undefined): string => (x === undefined ? '' : ` [floor+features: ${f2(x)}x]`);
    console.log(
      `- gw RPS at c=32 >= 0.8x the floor's: ${f2(rps)}x → ${verdict(rps >= 0.8)}${featNote(feat32 && feat32.floor.rps / floor32.floor.rps)}`,
    );
    console.log(
      `- gw CPU per request <= 1.25x the floor's: ${f2(cpu)}x → ${verdict(cpu <= 1.25)}${featNote(feat32 && feat32.floorUsPerReq / floor32.floorUsPerReq)}`,
    );
    if (floor !== undefined) {
      const atRate = base.cpuAtRate / floor.cpuAtRate;
      console.log(
        `  the same at a fixed ${RATE} req/s: ${f2(atRate)}x → ${verdict(atRate <= 1.25)}${featNote(featured && featured.cpuAtRate / floor.cpuAtRate)}`,
      );
    }
    if (limited) {
      const l = (gw32(limited)?.gw.rps ?? NaN) / floor32.floor.rps;
      console.log(`- with rpm + budget + a guardrail, RPS >= 0.7x the floor's: ${f2(l)}x → ${verdict(l >= 0.7)}`);
    }
  }
  if (base && floor !== undefined) {
    const limit = floor.sequential.addedP50 + 0.1;
    console.log(
      `- sequential added p50 <= the floor's + 0.1 ms (${f2(limit)}): ${f2(base.sequential.addedP50)} → ${verdict(base.sequential.addedP50 <= limit)}${featured ? ` [floor+features: ${f2(featured.sequential.addedP50)}]` : ''}`,
    );
  }
  const floorNote = (pick: (f: FloorReport) => number, unit = ''): string =>
    floor === undefined
      ? ''
      : ` [floor: ${f2(pick(floor))}${unit}${featured ? `, floor+features: ${f2(pick(featured))}${unit}` : ''}]`;
  if (base) {
    console.log(
      `- added time to the first content token (p50) <= 0.3 ms: ${f2(base.ttfb.addedP50)} → ${verdict(base.ttfb.addedP50 <= 0.3)}${floorNote((f) => f.ttfb.addedP50)}`,
    );
    console.log(
      `- RSS idle <= 64 MB (3 resources): ${f0(base.rssIdleMb)} MB → ${verdict(base.rssIdleMb <= 64)}${floorNote((f) => f.rssIdleMb, ' MB')}`,
    );
    const growth = base.rssAfterMb - base.rssIdleMb;
    console.log(
      `- RSS growth under load <= 30 MB: +${f0(growth)} MB → ${verdict(growth <= 30)}${floorNote((f) => f.rssAfterMb - f.rssIdleMb, ' MB')}`,
    );
    console.log(
      `  RSS 10 s after the load: ${f0(base.rssSettledMb)} MB (idle ${f0(base.rssIdleMb)})${floorNote((f) => f.rssSettledMb, ' MB')}`,
    );
  }
  const redis = runs.find((r) => r.label === 'redis');
  if (redis && limited) {
    // Issue 13's targets: CPU per request at most +10 % and added p50 at most +0.2 ms over the memory backend.
    for (const l of redis.load) {
      const b = limited.load.find((x) => x.connections === l.connections);
      if (b === undefined) continue;
      const rise = l.gwUsPerReq / b.gwUsPerReq - 1;
      console.log(
        `- CPU per request, limits on redis vs memory at c=${l.connections}: ${f0(l.gwUsPerReq)} vs ${f0(b.gwUsPerReq)} µs (${(rise * 100).toFixed(1)}%) → ${verdict(rise <= 0.1)} (≤ 10%)`,
      );
    }
    const added = redis.sequential.addedP50 - limited.sequential.addedP50;
    console.log(
      `- added p50 sequentially, redis vs memory: ${f2(redis.sequential.addedP50)} vs ${f2(limited.sequential.addedP50)} ms (+${f2(added)}) → ${verdict(added <= 0.2)} (≤ 0.2 ms)`,
    );
  }
  if (large) {
    console.log(
      `- RSS <= 100 MB with ${large.resources} resources: ${f0(large.rssIdleMb)} MB idle → ${verdict(large.rssIdleMb <= 100)} (${f0(large.rssAfterMb)} MB after load: the growth target covers that)`,
    );
    console.log(
      `- start-up with ${large.resources} resources < 2 s to first answer: ${large.startMs} ms → ${verdict(large.startMs < 2000)}`,
    );
    if (base) {
      const ratio = (gw32(large)?.gw.rps ?? NaN) / (gw32(base)?.gw.rps ?? NaN);
      console.log(
        `- throughput unchanged with ${large.resources} resources: ${(ratio * 100).toFixed(0)}% of the base run → ${verdict(ratio >= 0.9)}`,
      );
    }
  }
}

async function main(): Promise<void> {
  const m = machine();
  console.log(
    `machine: ${m.nproc} cores, ${m.cpu}, node ${m.node}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    `load ${SECONDS} s per figure, ${SEQUENTIAL} sequential and ${STREAMED} streamed requests each way; gw log level ${args['log-level']} to a file, usage log on`,
  );
  const upstream = await startUpstream();
  procs.push(upstream);
  if (args['direct-only']) return directOnly(upstream.port);
  const runs: RunReport[] = [];
  const only = args.only?.split(',');
  const wanted = (label: string): boolean => only === undefined || only.includes(label);
  if (wanted('base')) runs.push(await oneRun('base', upstream.port, upstream.pid, 0));
  if (wanted('limits')) runs.push(await oneRun('limits', upstream.port, upstream.pid, 0, { limits: true }));
  // The same limits with limits.backend redis (a local redis-server): the fleet backend's cost.
  if (wanted('redis')) {
    const dir = await mkdtemp(join(tmpdir(), 'gw-bench-redis-'));
    dirs.push(dir);
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    procs.push(await startRedisServer(port, dir));
    const redisUrl = `redis://127.0.0.1:${port}`;
    runs.push(await oneRun('redis', upstream.port, upstream.pid, 0, { limits: true, redisUrl }));
  }
  if (wanted('large')) runs.push(await oneRun('large', upstream.port, upstream.pid, Number(args.resources)));
  const floors = args['skip-floor'] ? [] : [await floorRun(upstream.port, false), await floorRun(upstream.port, true)];
  report(runs, floors);
  if (args.json !== undefined) await writeFile(args.json, `${JSON.stringify({ machine: m, runs, floors }, null, 2)}\n`);
}

const onSignal = (): void => void cleanup().finally(() => process.exit(130));
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
try {
  await main();
} finally {
  await cleanup();
}
