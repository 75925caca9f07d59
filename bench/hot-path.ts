// Micro-benchmarks behind the hot-path rules of thumb in bench/README.md: object spread followed
// by new fields against a literal and Object.assign, an AbortController against a plain object,
// one-shot sha256 against a Hash object. In process, fixed iteration counts; prints ns per op.
// `npx tsx bench/hot-path.ts`
import { createHash, hash } from 'node:crypto';

const N = 200_000;
let sink: unknown;

function time(name: string, fn: (i: number) => unknown): void {
  for (let i = 0; i < N / 10; i++) sink = fn(i); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) sink = fn(i);
  const ns = Number(process.hrtime.bigint() - t0) / N;
  console.log(`${name.padEnd(48)} ${ns.toFixed(0).padStart(7)} ns/op`);
}

const base = { id: 'r1', t0: 1, table: {}, endpoint: 'e', model: 'm', stream: false };
const big = { ...base, a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10, k: 11 };

time('spread of 6 fields + 2 new', (i) => ({ ...base, body: i, requestId: 'x' }));
time('literal of 8 fields', (i) => ({
  id: base.id,
  t0: base.t0,
  table: base.table,
  endpoint: base.endpoint,
  model: base.model,
  stream: base.stream,
  body: i,
  requestId: 'x',
}));
time('Object.assign copy of 6 fields + 2 new', (i) => {
  const o: Record<string, unknown> = Object.assign({}, base);
  o.body = i;
  o.requestId = 'x';
  return o;
});
time('spread of 17 fields + 2 new', (i) => ({ ...big, body: i, requestId: 'x' }));
time('new AbortController().signal', () => new AbortController().signal);
time('plain object with aborted/reason', () => ({ aborted: false, reason: undefined }));
const key = 'gw-key-0123456789abcdef0123456789abcdef';
time('crypto.hash sha256 hex', () => hash('sha256', key, 'hex'));
time('createHash sha256 hex', () => createHash('sha256').update(key).digest('hex'));
void sink;
