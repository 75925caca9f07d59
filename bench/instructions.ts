// Instructions per request, counted by valgrind's callgrind: gw, the floor proxy and the floor
// with features, each run under callgrind in turn, loaded with a fixed count of requests after a
// warm-up, instrumenting only while the measured requests run. A count of instructions does not move
// with what else the VM is doing (the CPU-time figures of this folder move by a third between
// rounds), so it tells a change of a few µs per request from noise. It is not time: it does not
// see cache misses, the kernel or being descheduled, and under callgrind the process runs about
// 50× slower, so its timers fire at other points (the usage log's batch window is stretched to match).
//   npx tsx bench/instructions.ts [--only gw,floor,features] [--requests 1500] [--windows 8] [--warmup 2000] [--connections 8]
//                                 [--base DIR]   (DIR: a copy of another build of gw with bin/ and dist/, as bench/ab.ts)
// GW_BENCH_KEEP=1 keeps the callgrind files (one per window, in a gw-bench-ir-* temp folder);
// GW_BENCH_PERF_MAP=1 also runs node with --perf-basic-prof, whose /tmp/perf-PID.map names the
// JavaScript functions behind the addresses callgrind lists for JIT code (it adds V8 code-move
// logging to the count: compare builds with it off).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { chatBody, type Target } from './serve-measure.js';
import {
  BENCH_MODEL,
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
    only: { type: 'string', default: 'gw,floor,features' },
    requests: { type: 'string', default: '1500' },
    warmup: { type: 'string', default: '2000' },
    connections: { type: 'string', default: '8' },
    windows: { type: 'string', default: '8' },
    base: { type: 'string' },
    limits: { type: 'boolean', default: false },
  },
});
const REQUESTS = Math.max(100, Number(args.requests));
const WARMUP = Math.max(0, Number(args.warmup));
const CONNECTIONS = Math.max(1, Number(args.connections));
const WINDOWS = Math.max(1, Number(args.windows));
// Optimising compiles run on the main thread, when V8 decides them, instead of on a helper thread
// that valgrind schedules late: the warm-up then ends at the same point in every run.
const NODE_ARGS = ['--no-concurrent-recompilation', ...(process.env['GW_BENCH_PERF_MAP'] ? ['--perf-basic-prof'] : [])];
// The usage log's batch window, stretched by callgrind's slow-down, so that a batch holds about
// as many rows as at full speed (gw's and the floor with features' alike).
const FLUSH_MS = 5000;
process.env['GW_BENCH_FLUSH_MS'] = String(FLUSH_MS);

const procs: Proc[] = [];
const dirs: string[] = [];

/** Runs `amount` requests at CONNECTIONS; throws if any failed. */
async function requests(t: Target, amount: number): Promise<void> {
  if (amount === 0) return;
  const r = await autocannon({
    url: t.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...t.headers },
    body: chatBody(t.model),
    connections: CONNECTIONS,
    amount,
    timeout: 60,
  });
  if (r.errors + r.non2xx > 0) throw new Error(`${t.name}: ${r.errors} errors, ${r.non2xx} non-2xx`);
}

async function callgrindControl(pid: number, ...opts: string[]): Promise<void> {
  const child = spawn('callgrind_control', [...opts, String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`callgrind_control ${opts.join(' ')} exited with ${code}: ${err}`);
}

/** The instruction total callgrind wrote for the collected part of the run. */
async function totalInstructions(outFile: string): Promise<number> {
  const text = await readFile(outFile, 'utf8');
  const m = /^totals: (\d+)/m.exec(text);
  if (m === null) throw new Error(`${outFile}: no summary line`);
  return Number(m[1]);
}

/**
 * V8's garbage collector's functions (its young-generation scavenger above all). Under callgrind
 * they count several times what they cost at full speed (`--trace-gc` there: a few µs a
 * request, gw and the floor with features alike), and a window with a full collection in it
 * stands out, so the figure without them is the one to compare.
 */
const GC_FUNCTION =
  /Scaveng|MarkCompact|Marking|Sweeper|Evacuat|IteratePointers|heap::base::|RememberedSet|PretenuringHandler|SemiSpaceNewSpace::|BodyDescriptorApply<.*Visitor|GCTracer|HeapObject::SizeFromMap/;

/** Instructions in the garbage collector's functions, from callgrind_annotate's per-function list. */
async function gcInstructions(outFile: string): Promise<number> {
  const child = spawn('callgrind_annotate', ['--threshold=100', outFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`callgrind_annotate ${outFile} exited with ${code}`);
  let gc = 0;
  for (const line of out.split('\n')) {
    const m = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$/.exec(line);
    if (m !== null && GC_FUNCTION.test(m[2] as string)) gc += Number((m[1] as string).replaceAll(',', ''));
  }
  return gc;
}

async function measure(
  name: string,
  start: (wrap: string[]) => Promise<{ proc: Proc; target: Target }>,
): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'gw-bench-ir-'));
  dirs.push(dir);
  const outFile = join(dir, 'callgrind.out');
  const wrap = ['valgrind', '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${outFile}`, '-q'];
  const t0 = Date.now();
  const { proc, target } = await start(wrap);
  procs.push(proc);
  await requests(target, WARMUP);
  await callgrindControl(proc.pid, '-i', 'on');
  // Each window: counters zeroed, the requests, a dump (callgrind.out.1, .2, ...).
  const perWindow: number[] = [];
  const withoutGc: number[] = [];
  for (let w = 1; w <= WINDOWS; w++) {
    await callgrindControl(proc.pid, '-z');
    await requests(target, REQUESTS);
    await callgrindControl(proc.pid, '-d');
    const total = await totalInstructions(`${outFile}.${w}`);
    perWindow.push(total / REQUESTS);
    withoutGc.push((total - (await gcInstructions(`${outFile}.${w}`))) / REQUESTS);
  }
  await stop(proc, 120_000);
  // The first windows after instrumentation is switched on count up to 3× more (seen with every
  // subject, whatever the warm-up before them); from about the fifth on they settle.
  const half = Math.floor(WINDOWS / 2);
  const perRequest = median(withoutGc.slice(half));
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  console.log(
    `${name.padEnd(10)} ${fmt(perRequest).padStart(9)} instructions per request without the garbage collector ` +
      `(${fmt(median(perWindow.slice(half)))} with it), the medians of the last ${WINDOWS - half} of ${WINDOWS} windows; ` +
      `without it per window: ${withoutGc.map(fmt).join(', ')} (${((Date.now() - t0) / 1000).toFixed(0)} s under callgrind)`,
  );
  return perRequest;
}

async function main(): Promise<void> {
  const m = machine();
  const la = (): string =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  console.log(
    `machine: ${m.nproc} cores, ${m.cpu}, node ${m.node}, load average ${la()}; ` +
      `${WARMUP} warm-up then ${REQUESTS} measured requests at c=${CONNECTIONS}${args.limits ? ', limits on' : ''}`,
  );
  const upstream = await startUpstream();
  procs.push(upstream);
  const only = new Set((args.only as string).split(','));
  const results = new Map<string, number>();
  const gateway = async (bin: string | undefined, wrap: string[]): Promise<{ proc: Proc; target: Target }> => {
    const dir = await mkdtemp(join(tmpdir(), 'gw-bench-ir-gw-'));
    dirs.push(dir);
    const g = await writeGatewayDir(dir, upstream.port, 0, 'info', {
      limits: args.limits,
      flushIntervalMs: FLUSH_MS,
    });
    if (bin === undefined) delete process.env['GW_BENCH_BIN'];
    else process.env['GW_BENCH_BIN'] = bin;
    const proc = await startGateway(g, NODE_ARGS, wrap);
    const target = {
      name: 'gw',
      url: `${proc.url}/v1/chat/completions`,
      headers: { authorization: `Bearer ${g.callerKey}` },
      model: BENCH_MODEL,
    };
    return { proc, target };
  };
  const floor = (features: boolean) => async (wrap: string[]) => {
    const proc = await startFloorProxy(upstream.port, features, wrap, NODE_ARGS);
    const target = {
      name: features ? 'features' : 'floor',
      url: `http://127.0.0.1:${proc.port}/v1/chat/completions`,
      headers: {},
      model: BENCH_MODEL,
    };
    return { proc, target };
  };
  if (args.base !== undefined) {
    results.set('base', await measure('base', (w) => gateway(resolve(args.base as string, 'bin', 'gw'), w)));
  }
  if (only.has('gw')) results.set('gw', await measure('gw', (w) => gateway(undefined, w)));
  if (only.has('floor')) results.set('floor', await measure('floor', floor(false)));
  if (only.has('features')) results.set('features', await measure('features', floor(true)));
  const f = results.get('floor');
  if (f !== undefined) {
    const ratios = [...results].filter(([n]) => n !== 'floor').map(([n, v]) => `${n} ${(v / f).toFixed(2)}×`);
    console.log(`against the floor: ${ratios.join(', ')}`);
  }
  console.log(`load average ${la()}`);
}

try {
  await main();
} finally {
  for (const p of procs.reverse()) await stop(p);
  if (process.env['GW_BENCH_KEEP'] === undefined) for (const d of dirs) await rm(d, { recursive: true, force: true });
}
