// Manifest regexes (guardrail patterns) → RegExp. The manifest checks and the compiler share
// this one reader so a pattern the validator accepts is the pattern the gateway runs.

const INLINE_FLAGS = /^\(\?([ims]+)\)/;

/**
 * Compiles a manifest regex the way gw reads it: leading inline groups such as `(?i)`, `(?s)`,
 * `(?m)` or `(?im)` become JS flags (JS has no inline flags); 'g' is always set.
 * Throws SyntaxError when the pattern does not compile (the validator reports that).
 */
export function compileRegex(pattern: string): RegExp {
  const flags = new Set<string>(['g']);
  let source = pattern;
  for (let m = INLINE_FLAGS.exec(source); m !== null; m = INLINE_FLAGS.exec(source)) {
    for (const f of m[1] ?? '') flags.add(f);
    source = source.slice(m[0].length);
  }
  return new RegExp(source, [...flags].sort().join(''));
}
