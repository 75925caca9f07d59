// What an open stream holds in gw's heap: two heap snapshots of the real `gw serve` (taken
// with --heapsnapshot-signal), one with only warm-up done and one with N long streams open
// (the fake upstream sends a chunk every 200 ms for 40 s), compared by what the objects are.
// Prints the heap bytes per open stream and the largest kinds; with WHAT (e.g. '(array)' or
// 'object:Array'), the same for the objects of that kind grouped by what holds them.
//   npx tsx bench/stream-heap.ts [streams=2000] [WHAT]
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chatBody } from './serve-measure.js';
import { BENCH_MODEL, startGateway, startScript, stop, writeGatewayDir } from './serve-procs.js';

const N = Math.max(100, Number(process.argv[2] ?? 2000));
const WHAT = process.argv[3] ?? '';

interface HeapSnapshot {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: string[];
      readonly node_types: [string[]];
      readonly edge_fields: string[];
      readonly edge_types: [string[]];
    };
  };
  readonly nodes: number[];
  readonly edges: number[];
  readonly strings: string[];
}

/** count and self bytes per key */
type Tally = Map<string, [number, number]>;

const add = (m: Tally, key: string, bytes: number): void => {
  const x = m.get(key) ?? [0, 0];
  x[0]++;
  x[1] += bytes;
  m.set(key, x);
};

/** Per kind: '(type)' for V8's internal kinds, 'object:Ctor' / 'closure:name' for JS ones. */
function kinds(h: HeapSnapshot): { name: (i: number) => string; tally: Tally } {
  const {
    node_fields: f,
    node_types: [types],
  } = h.snapshot.meta;
  const w = f.length;
  const name = (i: number): string => {
    const type = types[h.nodes[i] as number] as string;
    return type === 'object' || type === 'closure' ? `${type}:${h.strings[h.nodes[i + 1] as number]}` : `(${type})`;
  };
  const tally: Tally = new Map();
  for (let i = 0; i < h.nodes.length; i += w) add(tally, name(i), h.nodes[i + 3] as number);
  return { name, tally };
}

/**
 * Objects of kind `what`, by the kind of what holds them and the edge's name (weak and prototype
 * links left out). Each object counts once, under the first holder met: an object many requests
 * share (a compiled endpoint) is not counted once per request.
 */
function holders(h: HeapSnapshot, what: string): Tally {
  const {
    node_fields: f,
    edge_fields: ef,
    edge_types: [etypes],
  } = h.snapshot.meta;
  const { name } = kinds(h);
  const tally: Tally = new Map();
  const seen = new Set<number>();
  let e = 0;
  for (let i = 0; i < h.nodes.length; i += f.length) {
    const count = h.nodes[i + 4] as number;
    for (let k = 0; k < count; k++, e += ef.length) {
      const type = etypes[h.edges[e] as number] as string;
      const edge = type === 'element' || type === 'hidden' ? `[${type}]` : String(h.strings[h.edges[e + 1] as number]);
      if (type === 'weak' || edge === '__proto__') continue;
      const to = h.edges[e + 2] as number;
      if (seen.has(to) || name(to) !== what) continue;
      seen.add(to);
      add(tally, `${name(i)} .${edge}`, h.nodes[to + 3] as number);
    }
  }
  return tally;
}

const up = await startScript('fake-upstream.ts', ['--slow', '200', '200']);
const dir = await mkdtemp(join(tmpdir(), 'gw-bench-heap-'));
const g = await writeGatewayDir(dir, up.port, 0, 'info');
const gw = await startGateway(g, ['--heapsnapshot-signal=SIGUSR2']);
const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
const body = chatBody(BENCH_MODEL, true);
/** Opens one stream; resolves at its first bytes (it stays open). */
const open = (): Promise<void> =>
  new Promise((first) => {
    const req = request(
      `${gw.url}/v1/chat/completions`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${g.callerKey}` },
      },
      (res) => {
        res.once('data', () => first());
        res.resume();
      },
    );
    req.on('error', () => first());
    req.end(body);
  });

/** Asks gw for a snapshot and reads it once its file stops growing. */
async function snapshot(): Promise<HeapSnapshot> {
  const before = new Set(await readdir(dir));
  gw.child.kill('SIGUSR2');
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const file = (await readdir(dir)).find((x) => x.endsWith('.heapsnapshot') && !before.has(x));
    if (file === undefined) continue;
    let last = -1;
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      const size = (await stat(join(dir, file))).size;
      if (size === last && size > 0) break;
      last = size;
    }
    return JSON.parse(await readFile(join(dir, file), 'utf8')) as HeapSnapshot;
  }
}

try {
  console.log(
    `${N} open streams; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  await Promise.all(Array.from({ length: 20 }, open)); // warm-up: JIT, pools
  const idle = await snapshot();
  for (let i = 0; i < N; i += 100) await Promise.all(Array.from({ length: Math.min(100, N - i) }, open));
  const busy = await snapshot();
  const a = WHAT === '' ? kinds(idle).tally : holders(idle, WHAT);
  const b = WHAT === '' ? kinds(busy).tally : holders(busy, WHAT);
  let total = 0;
  const rows: [string, number, number][] = [];
  for (const [k, [n, bytes]] of b) {
    const [n0, bytes0] = a.get(k) ?? [0, 0];
    total += bytes - bytes0;
    rows.push([k, (n - n0) / N, (bytes - bytes0) / N]);
  }
  rows.sort((x, y) => y[2] - x[2]);
  console.log(`heap bytes per open stream${WHAT === '' ? '' : ` in ${WHAT}`}: ${(total / N).toFixed(0)}`);
  for (const [k, n, bytes] of rows.slice(0, 30)) {
    console.log(`${bytes.toFixed(0).padStart(7)} B ${n.toFixed(2).padStart(6)} objects  ${k}`);
  }
} finally {
  agent.destroy();
  await stop(gw);
  await stop(up);
  await rm(dir, { recursive: true, force: true });
}
