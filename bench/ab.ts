// Two builds of gw side by side: this tree's (bin/gw and its dist/) and another (`--base DIR`,
// a copy with its own bin/ and dist/), with the floor proxy beside them, loaded in turns round by
// round as bench/interleaved.ts does. Per round: the sequential added p50 over direct, less the
// floor's of the same round, and CPU per request at a fixed rate. On this VM a change worth less
// than about a tenth of a request's work does not show in one run; `--rounds` buys resolution.
//   npx tsx bench/ab.ts --base /tmp/gw-base [--rounds 8] [--pairs 400] [--rate 1500] [--seconds 4] [--limits]
// Make the base copy before changing the tree: `mkdir /tmp/gw-base && cp -r bin dist package.json
// schemas /tmp/gw-base && ln -s "$PWD/node_modules" /tmp/gw-base/node_modules`.
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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
    base: { type: 'string' },
    rounds: { type: 'string', default: '8' },
    pairs: { type: 'string', default: '400' },
    rate: { type: 'string', default: '1500' },
    seconds: { type: 'string', default: '4' },
    limits: { type: 'boolean', default: false },
  },
});
if (args.base === undefined) throw new Error('usage: bench/ab.ts --base DIR (a copy of gw with bin/ and dist/)');
const ROUNDS = Math.max(1, Number(args.rounds));
const PAIRS = Math.max(20, Number(args.pairs));
const RATE = Math.max(100, Number(args.rate));
const SECONDS = Math.max(1, Number(args.seconds));

interface Subject {
  readonly name: 'base' | 'tree' | 'floor';
  readonly target: Target;
  readonly pid: number;
}

const procs: Proc[] = [];
const dirs: string[] = [];

async function gateway(upstreamPort: number, name: 'base' | 'tree', bin: string | undefined): Promise<Subject> {
  const dir = await mkdtemp(join(tmpdir(), 'gw-bench-ab-'));
  dirs.push(dir);
  const g = await writeGatewayDir(dir, upstreamPort, 0, 'info', { limits: args.limits });
  // startGateway reads GW_BENCH_BIN when it starts the process.
  if (bin === undefined) delete process.env['GW_BENCH_BIN'];
  else process.env['GW_BENCH_BIN'] = bin;
  const gw = await startGateway(g);
  procs.push(gw);
  const target = {
    name,
    url: `${gw.url}/v1/chat/completions`,
    headers: { authorization: `Bearer ${g.callerKey}` },
    model: BENCH_MODEL,
  };
  return { name, target, pid: gw.pid };
}

async function main(): Promise<void> {
  const m = machine();
  const la = (): string =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  console.log(`machine: ${m.nproc} cores, ${m.cpu}, node ${m.node}, load average ${la()}`);
  const upstream = await startUpstream();
  procs.push(upstream);
  const direct: Target = {
    name: 'direct',
    url: `http://127.0.0.1:${upstream.port}/v1/chat/completions`,
    headers: { authorization: `Bearer ${UPSTREAM_KEY}` },
    model: UPSTREAM_MODEL,
  };
  const base = await gateway(upstream.port, 'base', resolve(args.base as string, 'bin', 'gw'));
  const tree = await gateway(upstream.port, 'tree', undefined);
  const fp = await startFloorProxy(upstream.port, false);
  procs.push(fp);
  const floor: Subject = {
    name: 'floor',
    target: { name: 'floor', url: `http://127.0.0.1:${fp.port}/v1/chat/completions`, headers: {}, model: BENCH_MODEL },
    pid: fp.pid,
  };
  const subjects = [base, tree, floor];
  for (const s of subjects) await load(s.target, 32, 2); // warm-up: JIT, sockets, pools
  const seq = { base: [] as number[], tree: [] as number[] };
  const cpu = { base: [] as number[], tree: [] as number[], floor: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    const order = i % 2 === 0 ? subjects : [...subjects].reverse();
    const added = new Map<Subject['name'], number>();
    const us = new Map<Subject['name'], number>();
    for (const s of order) {
      added.set(s.name, (await paired(direct, s.target, PAIRS, false)).addedP50);
      us.set(s.name, (await cpuAtRate(s.target, s.pid, cpuMs, RATE, SECONDS)).usPerReq);
    }
    const f = added.get('floor') as number;
    const row = (n: 'base' | 'tree'): string => {
      seq[n].push((added.get(n) as number) - f);
      cpu[n].push(us.get(n) as number);
      return `${n} seq−floor ${((added.get(n) as number) - f).toFixed(3)} ms, ${(us.get(n) as number).toFixed(0)} µs/req`;
    };
    cpu.floor.push(us.get('floor') as number);
    console.log(
      `round ${i + 1}/${ROUNDS}: ${row('base')}; ${row('tree')}; floor ${(us.get('floor') as number).toFixed(0)} µs/req`,
    );
  }
  const diffs = (a: number[], b: number[]): number[] => a.map((x, k) => (b[k] as number) - x);
  console.log(
    `\nmedians: sequential added p50 over the floor base ${median(seq.base).toFixed(3)} ms, tree ${median(seq.tree).toFixed(3)} ms ` +
      `(tree − base per round ${median(diffs(seq.base, seq.tree)).toFixed(3)}); CPU per request at ${RATE} req/s base ` +
      `${median(cpu.base).toFixed(0)} µs, tree ${median(cpu.tree).toFixed(0)} µs (tree − base per round ` +
      `${median(diffs(cpu.base, cpu.tree)).toFixed(0)}), floor ${median(cpu.floor).toFixed(0)} µs; load average ${la()}`,
  );
}

try {
  await main();
} finally {
  for (const p of procs.reverse()) await stop(p);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
}
