// Issue 16's throughput and latency targets measured interleaved: gw (base and limits), the
// floor proxy and floor+features all run at once, idle but for the one under load, and each
// round loads them one after another for a few seconds each. This VM's speed drifts by a third
// over minutes (bench/README.md), so figures taken minutes apart (as in serve.ts, one proxy after
// the other) compare different machines; within a round they share one. Per round: RPS at c=32,
// CPU per request at c=32 and at a fixed rate, and the sequential and streamed added p50 over
// direct; the verdicts use the median over rounds of each per-round ratio.
//   npx tsx bench/interleaved.ts [--rounds 5] [--seconds 5] [--rate 1500] [--pairs 300]
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cpuAtRate, load, paired, type Target } from './serve-measure.js';
import {
  BENCH_MODEL,
  UPSTREAM_KEY,
  UPSTREAM_MODEL,
  cpuMs,
  startFloorProxy,
  startGateway,
  startUpstream,
  stop,
  writeGatewayDir,
  type Proc,
} from './serve-procs.js';
import { machine, median } from './util.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '5' },
    rate: { type: 'string', default: '1500' },
    pairs: { type: 'string', default: '300' },
  },
});
const ROUNDS = Math.max(1, Number(args.rounds));
const SECONDS = Math.max(1, Number(args.seconds));
const RATE = Math.max(100, Number(args.rate));
const PAIRS = Math.max(20, Number(args.pairs));

interface Subject {
  readonly name: 'gw' | 'gw limits' | 'floor' | 'floor+features';
  readonly target: Target;
  readonly pid: number;
}

/** One subject's figures in one round. */
interface Figures {
  readonly rps: number;
  readonly cpuUs: number;
  readonly cpuAtRateUs: number;
  readonly seqAddedMs: number;
  readonly ttftAddedMs: number;
  readonly failed: number;
}

const procs: Proc[] = [];
const dirs: string[] = [];

async function gateway(upstreamPort: number, name: Subject['name'], limits: boolean): Promise<Subject> {
  const dir = await mkdtemp(join(tmpdir(), 'gw-bench-interleaved-'));
  dirs.push(dir);
  const g = await writeGatewayDir(dir, upstreamPort, 0, 'info', { limits });
  const gw = await startGateway(g);
  procs.push(gw);
  const target = {
    name: 'gw',
    url: `${gw.url}/v1/chat/completions`,
    headers: { authorization: `Bearer ${g.callerKey}` },
    model: BENCH_MODEL,
  };
  return { name, target, pid: gw.pid };
}

async function floor(upstreamPort: number, features: boolean): Promise<Subject> {
  const p = await startFloorProxy(upstreamPort, features);
  procs.push(p);
  const target = {
    name: features ? 'floor+features' : 'floor',
    url: `http://127.0.0.1:${p.port}/v1/chat/completions`,
    headers: {},
    model: BENCH_MODEL,
  };
  return { name: features ? 'floor+features' : 'floor', target, pid: p.pid };
}

async function measure(s: Subject, direct: Target): Promise<Figures> {
  const c0 = await cpuMs(s.pid);
  const r = await load(s.target, 32, SECONDS);
  const c1 = await cpuMs(s.pid);
  const atRate = await cpuAtRate(s.target, s.pid, cpuMs, RATE, SECONDS);
  const seq = await paired(direct, s.target, PAIRS, false);
  const ttft = await paired(direct, s.target, Math.max(20, Math.round(PAIRS / 3)), true);
  return {
    rps: r.rps,
    cpuUs: ((c1 - c0) * 1000) / Math.max(1, r.requests),
    cpuAtRateUs: atRate.usPerReq,
    seqAddedMs: seq.addedP50,
    ttftAddedMs: ttft.addedP50,
    failed: r.errors + r.non2xx + atRate.failed + seq.failures + ttft.failures,
  };
}

const f0 = (n: number): string => n.toFixed(0);
const f2 = (n: number): string => n.toFixed(2);
const f3 = (n: number): string => n.toFixed(3);
const verdict = (ok: boolean): string => (ok ? 'met' : '**missed**');

async function main(): Promise<void> {
  const m = machine();
  const la = (): string =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  console.log(`machine: ${m.nproc} cores, ${m.cpu}, node ${m.node}, load average ${la()}`);
  console.log(
    `${ROUNDS} rounds; per subject and round: ${SECONDS} s at c=32, ${SECONDS} s at ${RATE} req/s, ${PAIRS} sequential and ${Math.round(PAIRS / 3)} streamed pairs against direct`,
  );
  const upstream = await startUpstream();
  procs.push(upstream);
  const direct: Target = {
    name: 'direct',
    url: `http://127.0.0.1:${upstream.port}/v1/chat/completions`,
    headers: { authorization: `Bearer ${UPSTREAM_KEY}` },
    model: UPSTREAM_MODEL,
  };
  const subjects = [
    await gateway(upstream.port, 'gw', false),
    await gateway(upstream.port, 'gw limits', true),
    await floor(upstream.port, false),
    await floor(upstream.port, true),
  ];
  // Warm-up: JIT, sockets and the upstream pools of every subject.
  for (const s of subjects) await load(s.target, 32, 2);
  const rounds: Map<Subject['name'], Figures>[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const round = new Map<Subject['name'], Figures>();
    // A different order each round, so no subject always runs first after a pause.
    const order = subjects.map((_, k) => subjects[(k + i) % subjects.length] as Subject);
    for (const s of order) round.set(s.name, await measure(s, direct));
    rounds.push(round);
    console.error(`round ${i + 1}/${ROUNDS} done, load average ${la()}`);
  }

  console.log(
    '\n| subject | RPS c=32 | CPU µs/req c=32 | CPU µs/req at rate | added p50 sequential ms | added TTFT p50 ms | failed |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  const pick = (name: Subject['name'], f: (x: Figures) => number): number[] =>
    rounds.map((r) => f(r.get(name) as Figures));
  const spread = (xs: number[], fmt: (n: number) => string): string =>
    `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
  for (const s of subjects) {
    console.log(
      `| ${s.name} | ${spread(
        pick(s.name, (x) => x.rps),
        f0,
      )} | ${spread(
        pick(s.name, (x) => x.cpuUs),
        f0,
      )} | ${spread(
        pick(s.name, (x) => x.cpuAtRateUs),
        f0,
      )} | ${spread(
        pick(s.name, (x) => x.seqAddedMs),
        f3,
      )} | ${spread(
        pick(s.name, (x) => x.ttftAddedMs),
        f3,
      )} | ${pick(s.name, (x) => x.failed).reduce((a, b) => a + b, 0)} |`,
    );
  }
  // Per-round ratios against the floor of the same round, then their median.
  const ratio = (name: Subject['name'], f: (x: Figures) => number): number[] =>
    rounds.map((r) => f(r.get(name) as Figures) / f(r.get('floor') as Figures));
  const diff = (name: Subject['name'], f: (x: Figures) => number): number[] =>
    rounds.map((r) => f(r.get(name) as Figures) - f(r.get('floor') as Figures));
  const line = (label: string, xs: number[], ok: (v: number) => boolean, feat?: number[]): void =>
    console.log(
      `- ${label}: ${spread(xs, f2)} → ${verdict(ok(median(xs)))}${feat ? ` [floor+features: ${spread(feat, f2)}]` : ''}`,
    );
  console.log('\ntargets (median of the per-round figures, range in brackets):');
  line(
    'gw RPS at c=32 ≥ 0.8× the floor',
    ratio('gw', (x) => x.rps),
    (v) => v >= 0.8,
    ratio('floor+features', (x) => x.rps),
  );
  // floor+features has no limits: no figure of its own to set beside this one.
  line(
    'with rpm + tpm + budget + a guardrail, RPS ≥ 0.7× the floor',
    ratio('gw limits', (x) => x.rps),
    (v) => v >= 0.7,
  );
  line(
    'gw CPU per request at c=32 ≤ 1.25× the floor',
    ratio('gw', (x) => x.cpuUs),
    (v) => v <= 1.25,
    ratio('floor+features', (x) => x.cpuUs),
  );
  line(
    `gw CPU per request at ${RATE} req/s ≤ 1.25× the floor`,
    ratio('gw', (x) => x.cpuAtRateUs),
    (v) => v <= 1.25,
    ratio('floor+features', (x) => x.cpuAtRateUs),
  );
  const seq = diff('gw', (x) => x.seqAddedMs);
  console.log(
    `- sequential added p50 ≤ the floor's + 0.1 ms: gw − floor ${spread(seq, f3)} ms → ${verdict(median(seq) <= 0.1)} [floor+features − floor: ${spread(
      diff('floor+features', (x) => x.seqAddedMs),
      f3,
    )} ms]`,
  );
  const ttft = pick('gw', (x) => x.ttftAddedMs);
  console.log(
    `- stream: added time to the first content token p50 ≤ 0.3 ms: ${spread(ttft, f3)} ms → ${verdict(median(ttft) <= 0.3)} [floor: ${spread(
      pick('floor', (x) => x.ttftAddedMs),
      f3,
    )}, floor+features: ${spread(
      pick('floor+features', (x) => x.ttftAddedMs),
      f3,
    )}]`,
  );
  console.log(`\nload average at the end ${la()}`);
}

async function cleanup(): Promise<void> {
  for (const p of procs.splice(0).reverse()) await stop(p);
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
}
const onSignal = (): void => void cleanup().finally(() => process.exit(130));
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
try {
  await main();
} finally {
  await cleanup();
}
