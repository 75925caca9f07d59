// Guardrail rules → compiled matchers, built once per table. gw's own patterns (pii kinds,
// keywords) are JS RegExps with the 'g' flag, written so they cannot backtrack on a caller's
// text; an operator's `regex:` runs on RE2 (util/regex.ts), linear whatever the pattern.
import type { Guardrail } from '../manifest/types.js';
import { compileRegex } from '../util/regex.js';
import { PII_PATTERNS } from './pii-patterns.js';
import type { CompiledGuardrail, CompiledRule, PiiKind } from './routing-table.js';

/**
 * How much of a stream an operator regex holds back: RE2 cannot say how long a match may be, so
 * longer matches that straddle two chunks may go through unmasked (README, Guardrails).
 */
export const REGEX_SPAN = 128;

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** One case-insensitive alternation; a keyword matches only as a whole word. */
export function keywordsRegex(keywords: readonly string[]): RegExp {
  // Longest first, so 'foo bar' wins over 'foo' at the same position.
  const alts = [...new Set(keywords)].sort((a, b) => b.length - a.length).map(escapeRegex);
  return new RegExp(`(?<!\\w)(?:${alts.join('|')})(?!\\w)`, 'gi');
}

function piiRule(kind: PiiKind): CompiledRule {
  const p = PII_PATTERNS[kind];
  return { kind: 'pattern', label: kind, regex: new RegExp(p.source, `g${p.flags}`), luhn: p.luhn, span: p.span };
}

function tryBuild<T>(build: () => T): T | undefined {
  try {
    return build();
  } catch {
    return undefined; // the validator reports bad patterns; compile skips them
  }
}

/** `spec` must already carry its schema defaults (stage, action). */
export function compileGuardrail(name: string, spec: Guardrail['spec']): CompiledGuardrail {
  const rules: CompiledRule[] = [];
  for (const rule of spec.rules ?? []) {
    if (rule.pii !== undefined) {
      for (const kind of rule.pii) if (Object.hasOwn(PII_PATTERNS, kind)) rules.push(piiRule(kind));
    } else if (typeof rule.regex === 'string') {
      const source = rule.regex;
      const re = tryBuild(() => compileRegex(source));
      if (re !== undefined)
        rules.push({ kind: 'linear', label: 'regex', test: re.test, find: re.find, span: REGEX_SPAN });
    } else if (rule.keywords !== undefined && rule.keywords.length > 0) {
      const kws = rule.keywords;
      const regex = tryBuild(() => keywordsRegex(kws));
      const span = Math.max(...kws.map((k) => k.length));
      if (regex !== undefined) rules.push({ kind: 'pattern', label: 'keywords', regex, luhn: false, span });
    } else if (typeof rule.maxChars === 'number') {
      rules.push({ kind: 'maxChars', maxChars: rule.maxChars });
    }
  }
  return {
    name,
    // Present once withDefaults() has run: the schema defaults them.
    stage: spec.stage as CompiledGuardrail['stage'],
    action: spec.action as CompiledGuardrail['action'],
    message: spec.message,
    rules,
  };
}
