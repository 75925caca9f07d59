// The quickest tier of the fast path (parse-fast.ts): a reader for the plain subset of block
// YAML that manifests are written in (block mappings and sequences indented with spaces, plain
// and one-line quoted scalars, one-line flow collections, comments, `---` between documents).
// It builds the values directly, with no event list or node tree, in one pass over the text.
// Anything outside that subset, or anything where it could read differently from the `yaml`
// package (the reference), makes it decline (undefined) and the next tier answers; a file with
// an error of any kind is always declined, since only `yaml` words diagnostics.
// Scalars resolve with the YAML 1.2 core schema, as `yaml` does by default.

/** Thrown (one shared instance, no stack) when the text leaves the subset. */
const DECLINE: unique symbol = Symbol('decline');

const SPACE = 32;
const HASH = 35;
const DASH = 45;
const COLON = 58;
const DQUOTE = 34;
const SQUOTE = 39;
const BACKSLASH = 92;
const COMMA = 44;
const LBRACKET = 91;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;
const DOT = 46;

// Line kinds.
const CONTENT = 0;
const MARKER = 1;
const END = 2;

// Characters never read here: tabs, carriage returns and other control characters, the other
// line breaks, surrogates (even paired), byte-order marks and non-characters.
const ODD = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]/;
/**
 * Deepest nesting read here (collections inside collections). Kept well under MAX_YAML_DEPTH:
 * the depth pre-scan (depth.ts) counts at most one level per collection open on a line, so a
 * text read here can never be one it refuses, and parse.ts skips that scan for it.
 */
export const MAX_DEPTH = 64;
// Longest key read here; `yaml` limits implicit keys to 1024 characters.
const MAX_KEY = 1000;

// The YAML 1.2 core schema, in the `yaml` package's order (null and bool are handled apart).
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** A plain scalar's value under the core schema. */
function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) {
    if (s.length > 5) return s;
    switch (s) {
      case 'null':
      case 'Null':
      case 'NULL':
        return null;
      case 'true':
      case 'True':
      case 'TRUE':
        return true;
      case 'false':
      case 'False':
      case 'FALSE':
        return false;
      default:
        return s;
    }
  }
  if (s === '~') return null;
  if (!((c >= 48 && c <= 57) || c === 43 || c === DASH || c === DOT)) return s;
  if (INT_OCT.test(s)) return parseInt(s.substring(2), 8);
  if (INT.test(s)) return parseInt(s, 10);
  if (INT_HEX.test(s)) return parseInt(s.substring(2), 16);
  if (FLOAT_NAN.test(s)) return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? -Infinity : Infinity;
  if (FLOAT_EXP.test(s) || FLOAT.test(s)) return parseFloat(s);
  return s;
}

/** Key characters read here: ASCII letters, digits, `_ . / -`. */
function isKeyChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 95 ||
    c === DASH ||
    c === DOT ||
    c === 47
  );
}

/** Keys whose meaning is not their text (null, booleans) or that are special to objects. */
function oddKey(key: string): boolean {
  const c = key.charCodeAt(0);
  // A key must start with a letter (no numbers, no `.inf`, no `-`).
  if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90))) return true;
  if (key.length > MAX_KEY) return true;
  if (key.length > 5) return false;
  return /^(?:[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(key);
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Plain values, one per document, or undefined when the text leaves the subset. */
export function simpleParse(text: string): unknown[] | undefined {
  if (ODD.test(text)) return undefined;
  try {
    return new Reader(text).documents();
  } catch (err) {
    if (err === DECLINE) return undefined;
    // A stack overflow or anything unforeseen: the next tier decides.
    return undefined;
  }
}

class Reader {
  private readonly t: string;
  private readonly n: number;
  /** The current line: its kind, start, where its content starts (indent = start offset) and its end. */
  private kind = CONTENT;
  private lineStart = 0;
  private at = 0;
  private indent = 0;
  private lineEnd = -1;
  /** Collections open around the current node. */
  private depth = 0;
  /** Where the flow node just read ends (set by ended()). */
  private end = 0;

  constructor(text: string) {
    this.t = text;
    this.n = text.length;
  }

  documents(): unknown[] {
    const docs: unknown[] = [];
    this.advance();
    if (this.kind === MARKER) this.advance();
    while (this.kind !== END) {
      // An empty document, or one not starting at the left edge: leave it to the other tiers.
      if (this.kind === MARKER || this.indent !== 0) throw DECLINE;
      docs.push(this.block(0));
      if (this.kind === CONTENT) throw DECLINE;
      if (this.kind === MARKER) {
        // A marker that ends the text opens an empty document.
        if (this.advance() === END) throw DECLINE;
      }
    }
    if (docs.length === 0) throw DECLINE;
    return docs;
  }

  /** Moves to the next line holding content or a document marker, skipping blanks and comments. */
  private advance(): number {
    const t = this.t;
    let p = this.lineEnd + 1;
    for (;;) {
      if (p >= this.n) {
        this.lineEnd = this.n;
        return (this.kind = END);
      }
      const start = p;
      while (t.charCodeAt(p) === SPACE) p++;
      let end = t.indexOf('\n', p);
      if (end === -1) end = this.n;
      const c = t.charCodeAt(p);
      if (p === end || c === HASH) {
        p = end + 1;
        continue;
      }
      this.lineStart = start;
      this.at = p;
      this.indent = p - start;
      this.lineEnd = end;
      if (p === start) {
        if (c === 37 /* % */) throw DECLINE;
        if (c === DASH && t.startsWith('---', p) && (p + 3 === end || t.charCodeAt(p + 3) === SPACE)) {
          let q = p + 3;
          while (q < end && t.charCodeAt(q) === SPACE) q++;
          if (q < end && t.charCodeAt(q) !== HASH) throw DECLINE;
          return (this.kind = MARKER);
        }
        if (c === DOT && t.startsWith('...', p)) throw DECLINE;
      }
      return (this.kind = CONTENT);
    }
  }

  /** `- ` (or a lone `-`) at p: a block sequence entry. */
  private isEntry(p: number): boolean {
    if (this.t.charCodeAt(p) !== DASH) return false;
    return p + 1 === this.lineEnd || this.t.charCodeAt(p + 1) === SPACE;
  }

  /** `key:` followed by a space or the line's end at p. */
  private isKeyLine(p: number): boolean {
    const t = this.t;
    let q = p;
    while (q < this.lineEnd && isKeyChar(t.charCodeAt(q))) q++;
    if (q === p || t.charCodeAt(q) !== COLON) return false;
    return q + 1 === this.lineEnd || t.charCodeAt(q + 1) === SPACE;
  }

  /** The block node whose first line is the current one, at indentation `ind`. */
  private block(ind: number): unknown {
    if (++this.depth > MAX_DEPTH) throw DECLINE;
    const value = this.isEntry(this.at) ? this.sequence(ind) : this.mapping(ind);
    this.depth--;
    return value;
  }

  private mapping(ind: number): Record<string, unknown> {
    const t = this.t;
    const obj: Record<string, unknown> = {};
    for (;;) {
      const p = this.at;
      let q = p;
      while (q < this.lineEnd && isKeyChar(t.charCodeAt(q))) q++;
      if (q === p || t.charCodeAt(q) !== COLON) throw DECLINE;
      if (q + 1 < this.lineEnd && t.charCodeAt(q + 1) !== SPACE) throw DECLINE;
      const key = t.slice(p, q);
      if (oddKey(key) || hasOwn(obj, key)) throw DECLINE;
      obj[key] = this.valueAfter(q + 1, ind, true);
      if (this.kind !== CONTENT || this.indent < ind) return obj;
      if (this.indent > ind || this.isEntry(this.at)) throw DECLINE;
    }
  }

  private sequence(ind: number): unknown[] {
    const arr: unknown[] = [];
    for (;;) {
      arr.push(this.valueAfter(this.at + 1, ind, false));
      if (this.kind !== CONTENT || this.indent < ind) return arr;
      if (this.indent > ind) throw DECLINE;
      // The next key of a mapping this sequence is the value of (at the same indentation).
      if (!this.isEntry(this.at)) return arr;
    }
  }

  /**
   * The value that follows a key's colon or an entry's dash at p, on this line or in the block
   * below; leaves the reader on the line after it. `ind`: the key's or the dash's indentation.
   */
  private valueAfter(p: number, ind: number, inMapping: boolean): unknown {
    const t = this.t;
    while (p < this.lineEnd && t.charCodeAt(p) === SPACE) p++;
    if (p === this.lineEnd || t.charCodeAt(p) === HASH) {
      this.advance();
      if (this.kind === CONTENT) {
        if (this.indent > ind) return this.block(this.indent);
        if (inMapping && this.indent === ind && this.isEntry(this.at)) return this.sequence(ind);
      }
      return null;
    }
    if (this.isEntry(p)) {
      if (inMapping) throw DECLINE;
    } else if (!this.isKeyLine(p)) {
      const value = this.inline(p);
      this.advance();
      // A more indented line would continue the scalar, or be an error.
      if (this.kind === CONTENT && this.indent > ind) throw DECLINE;
      return value;
    } else if (inMapping) throw DECLINE;
    // A compact mapping or sequence inside an entry ("- key: v", "- - v"): it is indented to p.
    this.at = p;
    this.indent = p - this.lineStart;
    return this.block(this.indent);
  }

  /** A scalar or flow collection filling the rest of the line from p (comment aside). */
  private inline(p: number): unknown {
    const t = this.t;
    const c = t.charCodeAt(p);
    if (c === DQUOTE || c === SQUOTE || c === LBRACKET || c === LBRACE) {
      const value = this.flowNode(p);
      this.restIsComment(this.end);
      return value;
    }
    if (!this.plainStart(p, false)) throw DECLINE;
    let q = p;
    let end = p;
    const lineEnd = this.lineEnd;
    while (q < lineEnd) {
      const ch = t.charCodeAt(q);
      if (ch === COLON) {
        const next = t.charCodeAt(q + 1);
        if (q + 1 === lineEnd || next === SPACE) throw DECLINE;
      } else if (ch === HASH) {
        if (t.charCodeAt(q - 1) === SPACE) break;
      }
      if (ch !== SPACE) end = q + 1;
      q++;
    }
    return resolvePlain(t.slice(p, end));
  }

  /** Nothing but spaces, then the line's end or a comment, from q. */
  private restIsComment(q: number): void {
    const t = this.t;
    const from = q;
    while (q < this.lineEnd && t.charCodeAt(q) === SPACE) q++;
    if (q === this.lineEnd) return;
    if (t.charCodeAt(q) !== HASH || q === from) throw DECLINE;
  }

  /** Whether a plain scalar may start at p (no indicator but a `-` before a non-space). */
  private plainStart(p: number, inFlow: boolean): boolean {
    const t = this.t;
    const c = t.charCodeAt(p);
    switch (c) {
      case DASH: {
        const next = t.charCodeAt(p + 1);
        if (p + 1 >= this.lineEnd || next === SPACE) return false;
        return !(
          inFlow &&
          (next === COMMA || next === RBRACKET || next === RBRACE || next === LBRACKET || next === LBRACE)
        );
      }
      case 63 /* ? */:
      case COLON:
      case COMMA:
      case LBRACKET:
      case RBRACKET:
      case LBRACE:
      case RBRACE:
      case HASH:
      case 38 /* & */:
      case 42 /* * */:
      case 33 /* ! */:
      case 124 /* | */:
      case 62 /* > */:
      case SQUOTE:
      case DQUOTE:
      case 37 /* % */:
      case 64 /* @ */:
      case 96 /* ` */:
      case SPACE:
        return false;
      default:
        return true;
    }
  }

  /** A node inside (or opening) a one-line flow collection at p: its value and where it ends. */
  private flowNode(p: number): unknown {
    const t = this.t;
    const c = t.charCodeAt(p);
    if (c === DQUOTE) {
      const close = t.indexOf('"', p + 1);
      if (close === -1 || close >= this.lineEnd) throw DECLINE;
      const s = t.slice(p + 1, close);
      if (s.indexOf('\\') !== -1) throw DECLINE;
      return this.ended(s, close + 1);
    }
    if (c === SQUOTE) {
      let q = p + 1;
      let s = '';
      for (;;) {
        const close = t.indexOf("'", q);
        if (close === -1 || close >= this.lineEnd) throw DECLINE;
        s += t.slice(q, close);
        if (t.charCodeAt(close + 1) !== SQUOTE) return this.ended(s, close + 1);
        s += "'";
        q = close + 2;
      }
    }
    if (c === LBRACKET || c === LBRACE) {
      if (++this.depth > MAX_DEPTH) throw DECLINE;
      const node = c === LBRACKET ? this.flowSequence(p) : this.flowMapping(p);
      this.depth--;
      return node;
    }
    if (!this.plainStart(p, true)) throw DECLINE;
    let q = p;
    let end = p;
    for (; q < this.lineEnd; q++) {
      const ch = t.charCodeAt(q);
      if (ch === COMMA || ch === RBRACKET || ch === RBRACE) break;
      if (ch === COLON || ch === HASH || ch === LBRACKET || ch === LBRACE || ch === BACKSLASH) throw DECLINE;
      if (ch !== SPACE) end = q + 1;
    }
    if (q === this.lineEnd) throw DECLINE;
    return this.ended(resolvePlain(t.slice(p, end)), q);
  }

  /** `value`, noting that its text ends at q. */
  private ended<T>(value: T, q: number): T {
    this.end = q;
    return value;
  }

  private skipSpaces(q: number): number {
    while (q < this.lineEnd && this.t.charCodeAt(q) === SPACE) q++;
    if (q === this.lineEnd) throw DECLINE;
    return q;
  }

  private flowSequence(p: number): unknown[] {
    const t = this.t;
    const arr: unknown[] = [];
    let q = this.skipSpaces(p + 1);
    if (t.charCodeAt(q) === RBRACKET) return this.ended(arr, q + 1);
    for (;;) {
      arr.push(this.flowNode(q));
      q = this.skipSpaces(this.end);
      const ch = t.charCodeAt(q);
      if (ch === RBRACKET) return this.ended(arr, q + 1);
      if (ch !== COMMA) throw DECLINE;
      q = this.skipSpaces(q + 1);
      if (t.charCodeAt(q) === RBRACKET || t.charCodeAt(q) === COMMA) throw DECLINE;
    }
  }

  private flowMapping(p: number): Record<string, unknown> {
    const t = this.t;
    const obj: Record<string, unknown> = {};
    let q = this.skipSpaces(p + 1);
    if (t.charCodeAt(q) === RBRACE) return this.ended(obj, q + 1);
    for (;;) {
      const k = q;
      while (q < this.lineEnd && isKeyChar(t.charCodeAt(q))) q++;
      if (q === k || t.charCodeAt(q) !== COLON || t.charCodeAt(q + 1) !== SPACE) throw DECLINE;
      const key = t.slice(k, q);
      if (oddKey(key) || hasOwn(obj, key)) throw DECLINE;
      q = this.skipSpaces(q + 1);
      const first = t.charCodeAt(q);
      if (first === COMMA || first === RBRACE) throw DECLINE;
      obj[key] = this.flowNode(q);
      q = this.skipSpaces(this.end);
      const ch = t.charCodeAt(q);
      if (ch === RBRACE) return this.ended(obj, q + 1);
      if (ch !== COMMA) throw DECLINE;
      q = this.skipSpaces(q + 1);
      if (t.charCodeAt(q) === RBRACE || t.charCodeAt(q) === COMMA) throw DECLINE;
    }
  }
}
