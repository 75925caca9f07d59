// The fast path of parse.ts: js-yaml's event parser and constructor (YAML 1.2 core schema, as
// the `yaml` package's default), 3–5× quicker than `yaml` and without a node tree. It answers
// only for files whose values are certain to equal what `yaml` would give; for anything else
// (an error of any kind, or a construct where the two could differ) it returns undefined and
// parse.ts takes the full `yaml` path, which owns every diagnostic.
import { simpleParse } from './parse-simple.js';
import { constructFromEvents, EVENT_ID, getScalarValue, parseEvents, SCALAR_STYLE, type Event } from 'js-yaml';

// In key position these become '' with `yaml` but "null" with js-yaml.
const NULL_PLAIN = /^(?:~|null|Null|NULL|)$/;
// A stray document-end marker makes `yaml` count a document that js-yaml does not.
const DOCUMENT_END = /^\uFEFF?\.\.\.(?:[\s#]|$)/m;
// Characters the two parsers treat differently: a carriage return without a line feed, the
// YAML 1.1 line breaks, a byte-order mark anywhere but at the very start, and tabs (`yaml`
// refuses some that js-yaml takes as white space, e.g. on a blank line inside a quoted string).
const ODD_CHAR = /\r(?!\n)|[\t\u0085\u2028\u2029]|(?!^)\uFEFF/;
// A block scalar with an explicit indentation indicator ("|2"): at the document's top level
// the two parsers count its indentation differently.
const INDENT_INDICATOR = /(?:^|[ \t])[|>][-+]?[1-9]/m;

// Frame states while scanning events: a sequence or document, a mapping awaiting a key, a
// mapping awaiting a value.
const ITEM = 0;
const KEY = 1;
const VALUE = 2;

/** Plain values, one per document, or undefined when only `yaml` can answer exactly. */
export function fastParse(text: string): unknown[] | undefined {
  return simpleParse(text) ?? eventParse(text);
}

/** The second tier alone (js-yaml), for a text the first declined. */
export function eventParse(text: string): unknown[] | undefined {
  if (DOCUMENT_END.test(text) || ODD_CHAR.test(text) || INDENT_INDICATOR.test(text)) return undefined;
  try {
    const events = parseEvents(text, {});
    if (!plainOnly(events, text)) return undefined;
    // maxAliases 0 is moot after plainOnly (aliases refused); kept as a second guard.
    return constructFromEvents(events, { source: text, maxAliases: 0 });
  } catch {
    return undefined;
  }
}

/**
 * True when the events hold nothing whose meaning could differ between the two parsers:
 * no directives (%YAML 1.1 switches `yaml` to another schema), tags, anchors or aliases (the
 * alias-bomb limit is `yaml`'s to enforce), no mapping key that is a collection or null, and
 * no plain number too large for a double.
 */
function plainOnly(events: readonly Event[], text: string): boolean {
  const frames: number[] = [];
  for (const e of events) {
    if (e.type === EVENT_ID.DOCUMENT) {
      if (e.directives.length > 0) return false;
      frames.push(ITEM);
      continue;
    }
    if (e.type === EVENT_ID.POP) {
      frames.pop();
      continue;
    }
    if (e.type === EVENT_ID.ALIAS || e.tagStart !== -1 || e.anchorStart !== -1) return false;
    if (e.type === EVENT_ID.SCALAR && e.style === SCALAR_STYLE.PLAIN && overflows(text, e)) return false;
    const top = frames.length - 1;
    const state = frames[top];
    if (state === KEY) {
      if (e.type !== EVENT_ID.SCALAR) return false;
      if (e.style === SCALAR_STYLE.PLAIN && NULL_PLAIN.test(getScalarValue(text, e))) return false;
      frames[top] = VALUE;
    } else if (state === VALUE) frames[top] = KEY;
    if (e.type === EVENT_ID.SEQUENCE) frames.push(ITEM);
    else if (e.type === EVENT_ID.MAPPING) frames.push(KEY);
  }
  return true;
}

/** A plain number too large for a double: `yaml` reads it as Infinity, js-yaml as a string. */
function overflows(text: string, e: Extract<Event, { type: typeof EVENT_ID.SCALAR }>): boolean {
  const c = text.charCodeAt(e.valueStart);
  // Only scalars that start like a number: a digit, a sign or a dot.
  if (!((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46)) return false;
  const n = Number(getScalarValue(text, e));
  return n === Infinity || n === -Infinity;
}
