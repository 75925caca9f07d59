// Config benchmark: generates 1k, 10k and 50k resources and times, in this process,
// load + validate, the whole build (load → validate → resolve → compile) and compile() alone.
// Each size runs 3 times; the median is reported, with ms per 1k resources (linearity) and
// the heap the built table keeps alive.
//   npx tsx bench/config.ts [sizes...]        e.g. npx tsx bench/config.ts 1000 10000
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { compile } from '../src/compile/compile.js';
import type { RoutingTable } from '../src/compile/routing-table.js';
import { buildConfig } from '../src/config/build.js';
import { hasErrors } from '../src/manifest/diagnostics.js';
import { resolveReferences } from '../src/manifest/env.js';
import { validateConfig } from '../src/manifest/validate.js';
import { generateManifests } from './generate.js';
import { collectGarbage, machine, median, mb } from './util.js';

const REPEATS = 3;
const TARGET_10K_MS = 1000;

interface SizeResult {
  readonly size: number;
  readonly files: number;
  readonly validateMs: number;
  readonly buildMs: number;
  readonly buildCpuMs: number;
  readonly compileMs: number;
  readonly heapMb: number;
  readonly peakHeapMb: number;
  readonly runs: { validate: number[]; build: number[]; buildCpu: number[]; compile: number[] };
}

/** Wall-clock ms, and CPU ms of this process (less sensitive to other load on the machine). */
async function timed<T>(fn: () => Promise<T> | T): Promise<[T, number, number]> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return [value, wall, (c.user + c.system) / 1000];
}

type BuildOpts = { files: string[]; cwd: string };

/** Times validateConfig, then compile() alone on the resolved resources; keeps nothing alive. */
async function validateThenCompile(opts: BuildOpts, size: number): Promise<[number, number]> {
  collectGarbage();
  const [v, vMs] = await timed(() => validateConfig(opts));
  if (hasErrors(v.diagnostics) || v.resources.length !== size) {
    throw new Error(
      `generated config is not valid: ${v.resources.length} resources, first: ${v.diagnostics[0]?.message ?? 'none'}`,
    );
  }
  const resolved = await resolveReferences(v.resources, process.env, { root: opts.cwd });
  const [, cMs] = await timed(() => compile(resolved.resources));
  return [vMs, cMs];
}

/** Times buildConfig; returns only the table, and the heap in use right after the build. */
async function buildOnly(opts: BuildOpts): Promise<[RoutingTable, number, number, number]> {
  const [b, bMs, bCpu] = await timed(() => buildConfig(opts));
  const peak = process.memoryUsage().heapUsed;
  if (!b.ok) throw new Error('buildConfig failed on a valid config');
  return [b.table, bMs, bCpu, peak];
}

async function benchSize(size: number): Promise<SizeResult> {
  const dir = await mkdtemp(join(tmpdir(), 'gw-bench-config-'));
  try {
    const gen = await generateManifests(dir, size);
    const opts = { files: [dir], cwd: dir };
    const runs = { validate: [] as number[], build: [] as number[], buildCpu: [] as number[], compile: [] as number[] };
    let heapMb = 0;
    let peakHeapMb = 0;
    for (let i = 0; i < REPEATS; i++) {
      const [vMs, cMs] = await validateThenCompile(opts, size);
      runs.validate.push(vMs);
      runs.compile.push(cMs);

      collectGarbage();
      const before = process.memoryUsage().heapUsed;
      const [table, bMs, bCpu, peak] = await buildOnly(opts);
      runs.build.push(bMs);
      runs.buildCpu.push(bCpu);
      peakHeapMb = Math.max(peakHeapMb, mb(peak - before));
      collectGarbage();
      // What the routing table alone keeps alive once the load's garbage is gone.
      heapMb = Math.max(heapMb, mb(process.memoryUsage().heapUsed - before));
      if (table.counts.endpoints !== gen.counts.endpoints) throw new Error('table lost endpoints');
    }
    return {
      size,
      files: gen.files.length,
      validateMs: median(runs.validate),
      buildMs: median(runs.build),
      buildCpuMs: median(runs.buildCpu),
      compileMs: median(runs.compile),
      heapMb,
      peakHeapMb,
      runs,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number): string => n.toFixed(0);
const per1k = (ms: number, size: number): string => (ms / (size / 1000)).toFixed(1);

async function main(): Promise<void> {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  const list = sizes.length > 0 ? sizes : [1000, 10_000, 50_000];
  const m = machine();
  console.log(
    `machine: ${m.nproc} cores, ${m.cpu}, node ${m.node}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    `each size ${REPEATS} runs, median; heap after build = garbage + table right after buildConfig; table heap = what the table alone retains after GC\n`,
  );
  const results: SizeResult[] = [];
  for (const size of list) {
    const r = await benchSize(size);
    results.push(r);
    console.error(
      `  ${size}: validate ${r.runs.validate.map(fmt).join('/')} ms, build ${r.runs.build.map(fmt).join('/')} ms, compile ${r.runs.compile.map(fmt).join('/')} ms`,
    );
  }
  console.log(
    '| resources | files | load + validate ms | compile ms | build (load→compile) ms | build CPU ms | build ms / 1k | heap after build MB | table heap MB |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(
      `| ${r.size} | ${r.files} | ${fmt(r.validateMs)} | ${fmt(r.compileMs)} | ${fmt(r.buildMs)} | ${fmt(r.buildCpuMs)} | ${per1k(r.buildMs, r.size)} | ${fmt(r.peakHeapMb)} | ${r.heapMb.toFixed(1)} |`,
    );
  }
  console.log(`\npeak RSS of the whole run: ${fmt(mb(process.resourceUsage().maxRSS * 1024))} MB`);
  const tenK = results.find((r) => r.size === 10_000);
  if (tenK) {
    const ok = tenK.buildMs < TARGET_10K_MS;
    console.log(
      `\ntarget: 10k resources built in < ${TARGET_10K_MS} ms: ${fmt(tenK.buildMs)} ms → ${ok ? 'met' : 'MISSED'}`,
    );
  }
}

await main();
