// Script calls of the request path, batched (README: Fleet (Redis)). A limited request makes
// several small script calls (the rate take, two budget holds, the token settles, the spend and
// the releases), and every call costs the gw process a command's encoding, reply parsing and
// promise. Calls made while the event loop runs one turn are sent together as one call of a
// dispatcher script that runs each in order, so concurrent requests (and the calls of one
// request that happen together) share one command. Each call stays atomic (a script runs
// alone); a batch fails as a whole (a timeout, Redis down) and each caller then applies its own
// failure path, as before.
import { Script, type RedisLink } from './redis-link.js';

/** Past this many calls a batch is sent at once (one script should not keep Redis busy long). */
const MAX_BATCH = 128;

interface Pending {
  readonly script: Script;
  readonly op: number;
  readonly keys: readonly string[];
  readonly args: readonly (string | number)[];
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

/**
 * The dispatcher: each script's body becomes a function of (KEYS, ARGV), so it runs unchanged
 * on its own slice. ARGV: count, then per call its script index, key count, arg count, args;
 * KEYS: every call's keys in order. Reply: one entry per call.
 */
function dispatcher(scripts: readonly Script[]): Script {
  const fns = scripts.map((s) => `function(KEYS, ARGV)\n${s.source}\nend`).join(',\n');
  return new Script(`
local ops = {
${fns}
}
local out = {}
local k, a = 1, 2
for i = 1, tonumber(ARGV[1]) do
  local op, nk, na = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  a = a + 3
  local keys, argv = {}, {}
  for j = 1, nk do keys[j] = KEYS[k]; k = k + 1 end
  for j = 1, na do argv[j] = ARGV[a]; a = a + 1 end
  out[i] = ops[op](keys, argv)
end
return out
`);
}

export class ScriptBatcher {
  readonly #link: RedisLink;
  readonly #index: Map<Script, number>;
  readonly #batch: Script;
  #queue: Pending[] = [];
  #scheduled = false;

  /** `scripts`: the only scripts call() takes. */
  constructor(link: RedisLink, scripts: readonly Script[]) {
    this.#link = link;
    this.#index = new Map(scripts.map((s, i) => [s, i + 1]));
    this.#batch = dispatcher(scripts);
  }

  /** Runs `script` with the calls made in the same event-loop turn; resolves with its own reply. */
  call(script: Script, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    const op = this.#index.get(script);
    if (op === undefined) return this.#link.eval(script, keys, args);
    return new Promise((resolve, reject) => {
      this.#queue.push({ script, op, keys, args, resolve, reject });
      if (this.#queue.length >= MAX_BATCH) this.#flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const q = this.#queue;
    if (q.length === 0) return;
    this.#queue = [];
    if (q.length === 1) {
      const [p] = q as [Pending];
      this.#link.eval(p.script, p.keys, p.args).then(p.resolve, p.reject);
      return;
    }
    const keys: string[] = [];
    const args: (string | number)[] = [q.length];
    for (const p of q) {
      keys.push(...p.keys);
      args.push(p.op, p.keys.length, p.args.length, ...p.args);
    }
    this.#link.eval(this.#batch, keys, args).then(
      (r) => {
        if (!Array.isArray(r) || r.length !== q.length) {
          // Not what the batch script returns (another server answered?): each call fails, none hangs.
          const err = new Error(
            `redis answered a batch of ${q.length} calls with ${Array.isArray(r) ? `${r.length} replies` : 'no list'}`,
          );
          for (const p of q) p.reject(err);
          return;
        }
        for (let i = 0; i < q.length; i++) (q[i] as Pending).resolve(r[i]);
      },
      (err: unknown) => {
        for (const p of q) p.reject(err);
      },
    );
  }
}
