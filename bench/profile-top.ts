// Prints the top self-time frames of a V8 .cpuprofile (from `node --cpu-prof`), and the
// top total-time frames of the project's own code (src/ or dist/).
//   npx tsx bench/profile-top.ts <file.cpuprofile> [count] [skip-ms]   (skip-ms: ignore the first ms, e.g. startup)
import { readFile } from 'node:fs/promises';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const label = (f: CallFrame): string => {
  const path = f.url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  const file = nm >= 0 ? path.slice(nm) : path.replace(/^.*\/(src\/|dist\/|bench\/)/, '$1');
  return `${f.functionName || '(anonymous)'} ${file ? `${file}:${f.lineNumber + 1}` : ''}`.trim();
};

/** Where a frame's code lives: a package, a folder of the project, node internals, or V8. */
const groupOf = (f: CallFrame): string => {
  const url = f.url;
  if (url === '') return f.functionName.startsWith('(') ? f.functionName : 'native';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[url.includes('internal/') ? 1 : 0] ?? ''}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  const own = /\/(?:src|dist)\/([^/]+(?:\/[^/.]+(?=\/))?)/.exec(url);
  return own ? `gw ${own[1]}` : url.replace(/^.*\//, '');
};

export function topFrames(
  profile: Profile,
  count: number,
  skipMs = 0,
): {
  self: [string, number][];
  total: [string, number][];
  groups: [string, number][];
  nearest: [string, number][];
  totalMs: number;
} {
  const selfById = new Map<number, number>();
  let at = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (at < skipMs * 1000) continue; // startup: module loading, schema compilation
    const id = profile.samples[i] as number;
    selfById.set(id, (selfById.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const groups = new Map<string, number>();
  const total = new Map<string, number>();
  // Each sample charged to the innermost project frame on its stack (what that function costs
  // with the library and Node code it calls); stacks without one, to the leaf's group.
  const nearest = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfById) {
    totalUs += us;
    const node = byId.get(id);
    if (node === undefined) continue;
    const name = label(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + us);
    const group = groupOf(node.callFrame);
    groups.set(group, (groups.get(group) ?? 0) + us);
    // Inclusive time for the project's own frames (src/ under tsx, dist/ from bin/gw): each frame counted once per sample stack.
    const seen = new Set<string>();
    let inner: string | undefined;
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)?.callFrame;
      if (f === undefined || !/\/(src|dist)\//.test(f.url) || f.url.includes('node_modules/')) continue;
      const l = label(f);
      inner ??= l;
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + us);
    }
    const charged = inner ?? `[${group}]`;
    nearest.set(charged, (nearest.get(charged) ?? 0) + us);
  }
  const top = (m: Map<string, number>): [string, number][] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([k, v]) => [k, v / 1000]);
  return { self: top(self), total: top(total), groups: top(groups), nearest: top(nearest), totalMs: totalUs / 1000 };
}

async function main(): Promise<void> {
  const [file, n, skip] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: profile-top.ts <file.cpuprofile> [count] [skip-ms]');
  const { self, total, groups, nearest, totalMs } = topFrames(
    JSON.parse(await readFile(file, 'utf8')) as Profile,
    Number(n ?? 25),
    Number(skip ?? 0),
  );
  const pct = (ms: number): string => `${((100 * ms) / totalMs).toFixed(1)}%`.padStart(6);
  console.log(`profile: ${totalMs.toFixed(0)} ms sampled\n\ntop self time:`);
  for (const [name, ms] of self) console.log(`${pct(ms)} ${ms.toFixed(0).padStart(7)} ms  ${name}`);
  console.log('\nself time by where the code lives:');
  for (const [name, ms] of groups) console.log(`${pct(ms)} ${ms.toFixed(0).padStart(7)} ms  ${name}`);
  console.log('\ntop total time in src/ or dist/:');
  for (const [name, ms] of total) console.log(`${pct(ms)} ${ms.toFixed(0).padStart(7)} ms  ${name}`);
  console.log('\nby the innermost project frame (its own time plus the library code it calls):');
  for (const [name, ms] of nearest) console.log(`${pct(ms)} ${ms.toFixed(0).padStart(7)} ms  ${name}`);
}

if (process.argv[1]?.endsWith('profile-top.ts')) await main();
