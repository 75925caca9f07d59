// Guardrail rules → compiled matchers, built once per table. Every RegExp carries the 'g' flag
// so the request path can find every match (mask) with one object and no recompilation.
import type { Guardrail } from '../manifest/types.js';
import { compileRegex } from '../util/regex.js';
import { PII_PATTERNS } from './pii-patterns.js';
import type { CompiledGuardrail, CompiledRule, PiiKind } from './routing-table.js';

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
  return { kind: 'pattern', label: kind, regex: new RegExp(p.source, `g${p.flags}`), luhn: p.luhn };
}

function tryRegex(build: () => RegExp): RegExp | undefined {
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
      const regex = tryRegex(() => compileRegex(source));
      if (regex !== undefined) rules.push({ kind: 'pattern', label: 'regex', regex, luhn: false });
    } else if (rule.keywords !== undefined && rule.keywords.length > 0) {
      const kws = rule.keywords;
      const regex = tryRegex(() => keywordsRegex(kws));
      if (regex !== undefined) rules.push({ kind: 'pattern', label: 'keywords', regex, luhn: false });
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
