// Prints the top self-time frames of a V8 .cpuprofile (from `node --cpu-prof`), and the
// top total-time frames of the project's own code (src/).
//   npx tsx bench/profile-top.ts <file.cpuprofile> [count]
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
  const file = f.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules\/|src\/|bench\/)/, '$1');
  return `${f.functionName || '(anonymous)'} ${file ? `${file}:${f.lineNumber + 1}` : ''}`.trim();
};

export function topFrames(profile: Profile, count: number): { self: [string, number][]; total: [string, number][]; totalMs: number } {
  const selfById = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    selfById.set(id, (selfById.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfById) {
    totalUs += us;
    const node = byId.get(id);
    if (node === undefined) continue;
    const name = label(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + us);
    // Inclusive time for src/ frames: each frame counted once per sample stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)?.callFrame;
      if (f === undefined || !f.url.includes('/src/')) continue;
      const l = label(f);
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + us);
    }
  }
  const top = (m: Map<string, number>): [string, number][] => [...m].sort((a, b) => b[1] - a[1]).slice(0, count).map(([k, v]) => [k, v / 1000]);
  return { self: top(self), total: top(total), totalMs: totalUs / 1000 };
}

async function main(): Promise<void> {
  const [file, n] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: profile-top.ts <file.cpuprofile> [count]');
  const { self, total, totalMs } = topFrames(JSON.parse(await readFile(file, 'utf8')) as Profile, Number(n ?? 25));
  const pct = (ms: number): string => `${((100 * ms) / totalMs).toFixed(1)}%`.padStart(6);
  console.log(`profile: ${totalMs.toFixed(0)} ms sampled\n\ntop self time:`);
  for (const [name, ms] of self) console.log(`${pct(ms)} ${ms.toFixed(0).padStart(7)} ms  ${name}`);
  console.log('\ntop total time in src/:');
  for (const [name, ms] of total) console.log(`${pct(ms)} ${ms.toFixed(0).padStart(7)} ms  ${name}`);
}

if (process.argv[1]?.endsWith('profile-top.ts')) await main();
