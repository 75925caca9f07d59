// Label selectors, as kubectl writes them: `team=search` (also `==`), `env!=prod` (absent or
// another value), `env in (prod,staging)`, `env notin (dev)` (absent or none of those), `team`
// (the label is present) and `!team` (absent). Terms joined by commas must all hold.
import { GwError } from '../errors.js';

export type SelectorTerm =
  | { readonly key: string; readonly op: '=' | '!='; readonly value: string }
  | { readonly key: string; readonly op: 'in' | 'notin'; readonly values: readonly string[] }
  | { readonly key: string; readonly op: 'exists' | '!exists' };

export interface Selector {
  /** As given, for messages. */
  readonly text: string;
  readonly terms: readonly SelectorTerm[];
}

export type SelectorResult =
  { readonly ok: true; readonly selector: Selector } | { readonly ok: false; readonly error: GwError };

const KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/;
const SET = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/;

function usage(text: string, why: string): SelectorResult {
  const msg =
    `--selector "${text}": ${why}; write key=value, key!=value, key in (a,b), key notin (a,b), key or !key, ` +
    'several joined by commas (team=search,env!=prod)';
  return { ok: false, error: new GwError('GW_ERR_CLI_USAGE', msg) };
}

/** Splits on commas outside parentheses; undefined when the parentheses do not pair up. */
function splitTerms(text: string): string[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return undefined;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) return undefined;
  parts.push(text.slice(start));
  return parts;
}

function parseTerm(part: string): SelectorTerm | string {
  const set = SET.exec(part);
  if (set !== null) {
    const values = set[3]!.split(',').map((v) => v.trim());
    if (values.some((v) => v === '')) return `"${part}" has an empty value in its list`;
    return { key: set[1]!, op: set[2] as 'in' | 'notin', values };
  }
  const eq = part.indexOf('=');
  if (eq < 0) {
    if (/\s/.test(part)) return `"${part}" is not a term (did you mean "key in (a,b)"?)`;
    return part.startsWith('!') ? { key: part.slice(1).trim(), op: '!exists' } : { key: part, op: 'exists' };
  }
  const ne = part.indexOf('!=');
  const op = ne >= 0 && ne < eq ? '!=' : '=';
  const key = part.slice(0, op === '!=' ? ne : eq).trim();
  const value = part.slice(part[eq + 1] === '=' ? eq + 2 : eq + 1).trim();
  if (value.includes('=')) return `"${part}" has more than one "="`;
  return { key, op, value };
}

export function parseSelector(text: string): SelectorResult {
  const parts = splitTerms(text);
  if (parts === undefined) return usage(text, 'unbalanced parentheses');
  const terms: SelectorTerm[] = [];
  for (const raw of parts) {
    const part = raw.trim();
    if (part === '') return usage(text, 'an empty term');
    const term = parseTerm(part);
    if (typeof term === 'string') return usage(text, term);
    if (!KEY.test(term.key)) return usage(text, `"${term.key}" is not a label key`);
    terms.push(term);
  }
  return { ok: true, selector: { text, terms } };
}

function holds(labels: Readonly<Record<string, string | undefined>>, t: SelectorTerm): boolean {
  const v = labels[t.key];
  switch (t.op) {
    case '=':
      return v === t.value;
    case '!=':
      return v !== t.value;
    case 'in':
      return v !== undefined && t.values.includes(v);
    case 'notin':
      return v === undefined || !t.values.includes(v);
    case 'exists':
      return v !== undefined;
    case '!exists':
      return v === undefined;
  }
}

export function matchesSelector(labels: Readonly<Record<string, string | undefined>>, selector: Selector): boolean {
  return selector.terms.every((t) => holds(labels, t));
}
