// Label selectors: `team=search`, `team=search,env=prod` (every term must hold), `env!=prod`
// (the label is absent or has another value).
import { GwError } from '../errors.js';

export interface SelectorTerm {
  readonly key: string;
  readonly op: '=' | '!=';
  readonly value: string;
}

export interface Selector {
  /** As given, for messages. */
  readonly text: string;
  readonly terms: readonly SelectorTerm[];
}

export type SelectorResult =
  { readonly ok: true; readonly selector: Selector } | { readonly ok: false; readonly error: GwError };

const KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/;

function usage(text: string, why: string): SelectorResult {
  const msg = `--selector "${text}": ${why}; write key=value, several joined by commas (team=search,env=prod)`;
  return { ok: false, error: new GwError('GW_ERR_CLI_USAGE', msg) };
}

export function parseSelector(text: string): SelectorResult {
  const terms: SelectorTerm[] = [];
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (part === '') return usage(text, 'an empty term');
    const ne = part.indexOf('!=');
    const eq = part.indexOf('=');
    if (eq < 0) return usage(text, `"${part}" has no "="`);
    const op = ne >= 0 && ne < eq ? '!=' : '=';
    const key = part.slice(0, op === '!=' ? ne : eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!KEY.test(key)) return usage(text, `"${key}" is not a label key`);
    if (value.includes('=')) return usage(text, `"${part}" has more than one "="`);
    terms.push({ key, op, value });
  }
  return { ok: true, selector: { text, terms } };
}

export function matchesSelector(labels: Readonly<Record<string, string | undefined>>, selector: Selector): boolean {
  return selector.terms.every((t) => (labels[t.key] === t.value) === (t.op === '='));
}
