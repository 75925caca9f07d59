// Guardrail decisions over plain text, for one side (input or output) of a request. The serve
// stage hands in each text the caller sent or the model wrote (the codecs find them, so this file
// knows no wire format). All guardrails look at the same original text: their matches are
// gathered, then a block throws, a log records, a mask replaces the span with a typed
// placeholder such as [EMAIL]. A stream is fed piece by piece: the last `holdBack` characters
// wait for the next piece, so a match split across two chunks is still whole when it is decided.
import { GwError } from '../errors.js';
import type { CompiledGuardrail, CompiledRule } from '../compile/routing-table.js';
import { luhnValid } from '../util/luhn.js';

export type GuardrailSide = 'input' | 'output';

/** Characters of text already let through that a pattern may look back at (lookbehind, \b). */
const CONTEXT = 8;

const PLACEHOLDERS: Readonly<Record<string, string>> = {
  email: '[EMAIL]',
  phone: '[PHONE]',
  credit_card: '[CREDIT_CARD]',
  ssn: '[SSN]',
  ipv4: '[IPV4]',
  iban: '[IBAN]',
};

function placeholder(label: string): string {
  return PLACEHOLDERS[label] ?? '[REDACTED]';
}

/** The guardrails that apply to one side, in the endpoint's order (computed once per endpoint list). */
const bySide = new WeakMap<readonly CompiledGuardrail[], { input: CompiledGuardrail[]; output: CompiledGuardrail[] }>();
export function guardrailsFor(all: readonly CompiledGuardrail[], side: GuardrailSide): readonly CompiledGuardrail[] {
  let split = bySide.get(all);
  if (split === undefined) {
    split = {
      input: all.filter((g) => g.stage !== 'output'),
      output: all.filter((g) => g.stage !== 'input'),
    };
    bySide.set(all, split);
  }
  return split[side];
}

/** How many characters a stream holds back for these guardrails: the longest span a match can cover, plus one for a lookahead. */
export function holdBackOf(gs: readonly CompiledGuardrail[]): number {
  let span = 0;
  for (const g of gs) for (const r of g.rules) if (r.kind !== 'maxChars' && r.span > span) span = r.span;
  return span === 0 ? 0 : span + 1;
}

/** The usage-log entry of one decision: guardrail, rule and action, never the text. */
export function hitLabel(g: CompiledGuardrail, rule: string): string {
  return `${g.name}/${rule}:${g.action}`;
}

interface Match {
  readonly start: number;
  readonly end: number;
  readonly g: CompiledGuardrail;
  readonly label: string;
}

type PatternRule = Exclude<CompiledRule, { kind: 'maxChars' }>;

/** Matches of one rule in text[from..], in text coordinates (appended to out). */
function ruleMatches(g: CompiledGuardrail, rule: PatternRule, text: string, from: number, out: Match[]): void {
  if (rule.kind === 'linear') {
    if (!rule.test(text)) return;
    const spans = rule.find(text);
    for (let i = 0; i < spans.length; i += 2) {
      const start = spans[i] as number;
      if (start >= from) out.push({ start, end: spans[i + 1] as number, g, label: rule.label });
    }
    return;
  }
  // A shared global RegExp: lastIndex is set before each use and nothing awaits in between.
  const re = rule.regex;
  re.lastIndex = from;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    if (rule.luhn && !luhnValid(m[0])) continue;
    out.push({ start: m.index, end: m.index + m[0].length, g, label: rule.label });
  }
}

function blocked(g: CompiledGuardrail, rule: string): GwError {
  // Names the guardrail and the rule; the matched text is never repeated.
  const why = g.message ?? 'the text was refused by a guardrail';
  return new GwError('GW_ERR_GUARDRAIL_BLOCKED', `${why} (guardrail ${g.name}, rule ${rule})`, {
    guardrail: g.name,
    rule,
  });
}

/**
 * One side of one request. `hits` collects the usage-log entries (a Set: each decision once).
 * Feed it the texts in order; it counts their characters for maxChars rules.
 */
export class TextGuard {
  readonly #gs: readonly CompiledGuardrail[];
  readonly #hits: Set<string>;
  /** Characters of original text decided so far (maxChars). */
  #seen = 0;
  /** maxChars rules under `mask` cut the text past their limit: the smallest such limit. */
  #cutAt = Infinity;

  constructor(gs: readonly CompiledGuardrail[], hits: Set<string>) {
    this.#gs = gs;
    this.#hits = hits;
  }

  /** A whole text: checked, and returned masked (or the same string when nothing changes). */
  text(text: string): string {
    return this.decide(text, 0, text.length);
  }

  /**
   * Decides text[from..cut) (text[0..from) is context already decided); a match that begins
   * before `cut` and ends after it is decided whole, so the decided end can move past `cut`.
   * Returns the decided text, masked; `decidedEnd` then says where it ended.
   */
  decide(text: string, from: number, cut: number): string {
    const matches: Match[] = [];
    for (const g of this.#gs) {
      for (const rule of g.rules) if (rule.kind !== 'maxChars') ruleMatches(g, rule, text, from, matches);
    }
    let end = cut;
    let decided: Match[] | undefined;
    if (matches.length > 0) {
      matches.sort((a, b) => a.start - b.start || b.end - a.end);
      for (const m of matches) {
        if (m.start >= end) break;
        if (m.end > end) end = m.end;
        (decided ??= []).push(m);
      }
    }
    this.decidedEnd = end;
    let out = text.slice(from, end);
    if (decided !== undefined) out = this.#apply(decided, text, from, end);
    return this.#limit(out, end - from);
  }

  /** Where the last decide() stopped, in the coordinates of the text it was given. */
  decidedEnd = 0;

  #apply(decided: readonly Match[], text: string, from: number, end: number): string {
    for (const m of decided) {
      this.#hits.add(hitLabel(m.g, m.label));
      if (m.g.action === 'block') throw blocked(m.g, m.label);
    }
    const masks = decided.filter((m) => m.g.action === 'mask');
    if (masks.length === 0) return text.slice(from, end);
    let out = '';
    let at = from;
    for (const m of masks) {
      if (m.start < at) continue; // overlaps a span already replaced
      out += text.slice(at, m.start) + placeholder(m.label);
      at = m.end;
    }
    return out + text.slice(at, end);
  }

  /** maxChars over all text decided so far; `chars` is the original length of `out`. */
  #limit(out: string, chars: number): string {
    const before = this.#seen;
    this.#seen += chars;
    for (const g of this.#gs) {
      for (const rule of g.rules) {
        if (rule.kind !== 'maxChars' || this.#seen <= rule.maxChars) continue;
        this.#hits.add(hitLabel(g, 'maxChars'));
        if (g.action === 'block') throw blocked(g, 'maxChars');
        if (g.action === 'mask' && rule.maxChars < this.#cutAt) this.#cutAt = rule.maxChars;
      }
    }
    if (this.#seen <= this.#cutAt) return out;
    // Cut: what is left of the limit, counted in original characters (masked text is shorter or close).
    return before >= this.#cutAt ? '' : out.slice(0, this.#cutAt - before);
  }
}

/**
 * A stream's text fed piece by piece. push() returns what may go out now; the rest is held
 * until enough text follows that no match can still grow into it, or until flush().
 */
export class StreamGuard {
  readonly #guard: TextGuard;
  readonly #hold: number;
  /** Original text not decided yet. */
  #pending = '';
  /** The last characters already decided (context for lookbehinds and \b). */
  #tail = '';

  constructor(gs: readonly CompiledGuardrail[], hits: Set<string>) {
    this.#guard = new TextGuard(gs, hits);
    this.#hold = holdBackOf(gs);
  }

  /** Characters held back at most. */
  get holdBack(): number {
    return this.#hold;
  }

  get pending(): boolean {
    return this.#pending.length > 0;
  }

  push(text: string): string {
    const buf = this.#pending + text;
    const cut = buf.length - this.#hold;
    if (cut <= 0) {
      this.#pending = buf;
      return '';
    }
    return this.#decide(buf, cut);
  }

  /** Everything still held, decided now (the text ended). */
  flush(): string {
    const buf = this.#pending;
    return buf === '' ? '' : this.#decide(buf, buf.length);
  }

  #decide(buf: string, cut: number): string {
    const tail = this.#tail;
    const text = tail + buf;
    const out = this.#guard.decide(text, tail.length, tail.length + cut);
    const end = this.#guard.decidedEnd - tail.length;
    this.#pending = buf.slice(end);
    const done = text.slice(0, tail.length + end);
    this.#tail = done.slice(-CONTEXT);
    return out;
  }
}
