// Operator regexes (guardrail `regex:` rules) → a linear-time matcher. The manifest checks and the
// compiler share this one reader, so a pattern the validator accepts is the pattern the gateway
// runs. RE2 (re2js) has no backtracking: whatever the pattern, a caller's text is scanned in time
// proportional to its length, so a pattern such as (a+)+$ cannot stall the request path.
import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';

// Loaded with the first pattern (a table without regex rules never holds the engine); require()
// (re2js ships CommonJS too) keeps compileRegex synchronous.
const require = createRequire(import.meta.url);
let engine: typeof RE2JS | undefined;

export interface LinearRegex {
  /** True when the pattern matches anywhere in `text` (the fast DFA path). */
  test(text: string): boolean;
  /** [start, end) of every non-empty, non-overlapping match, flattened: [s0, e0, s1, e1, ...]. */
  find(text: string): number[];
}

// Compiled patterns by source: a config repeats a pattern across guardrails (and the validator
// and a reload meet the same ones again). A failure is kept as its message. Bounded: emptied
// when full, so a stream of distinct patterns cannot grow it without end.
const compiled = new Map<string, RE2JS | string>();
const MAX_CACHED = 1024;

function compilePattern(pattern: string): RE2JS {
  let c = compiled.get(pattern);
  if (c === undefined) {
    try {
      engine ??= (require('re2js') as { RE2JS: typeof RE2JS }).RE2JS;
      c = engine.compile(pattern);
    } catch (err) {
      c = (err as Error).message;
    }
    if (compiled.size >= MAX_CACHED) compiled.clear();
    compiled.set(pattern, c);
  }
  if (typeof c === 'string') throw new SyntaxError(c);
  return c;
}

/**
 * Compiles a manifest regex in RE2 syntax (https://github.com/google/re2/wiki/Syntax): inline
 * flags such as (?i), (?s), (?m) work anywhere; lookarounds and backreferences do not exist.
 * Throws SyntaxError when the pattern does not compile (the validator reports that).
 */
export function compileRegex(pattern: string): LinearRegex {
  const re = compilePattern(pattern);
  // Arrow functions over a private compiled pattern: the routing table is deep-frozen, and the
  // engine keeps per-pattern caches it must still be able to write.
  return Object.freeze({
    test: (text: string): boolean => re.test(text),
    find: (text: string): number[] => {
      const out: number[] = [];
      const m = re.matcher(text);
      while (m.find()) {
        const s = m.start();
        const e = m.end();
        if (e > s) out.push(s, e);
      }
      return out;
    },
  });
}
