// `npm run bench`: the serve benchmark (bench/serve.ts; its flags pass through), then issue 16's
// throughput and latency targets measured interleaved (bench/interleaved.ts), whose ratios are
// the ones to read on a VM whose speed drifts. With flags, only serve.ts runs (they are its).
// Each runs as its own process, one after the other, so they never share the CPU.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const flags = process.argv.slice(2);
const scripts = flags.length > 0 ? ['serve.ts'] : ['serve.ts', 'interleaved.ts'];
for (const script of scripts) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, script), ...flags], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
