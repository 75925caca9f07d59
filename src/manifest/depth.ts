// A linear pre-scan of YAML text for nesting depth, run before either parser sees the text.
// Both parsers recurse per nesting level: a few thousand levels overflow the stack (the
// diagnostic was the engine's "Maximum call stack size exceeded") and a million take tens of
// seconds to refuse. Counted: open flow collections ([ and {) plus open block collections
// (indentation levels, and each compact "- " or "? " on one line). The scan is an
// approximation that only has to agree with the parsers on real manifests, which nest a dozen
// levels; quoted scalars, comments and block scalars (| and >) are skipped so that brackets in
// text never count.

/** Far above any real manifest (JSON Schemas in endpoints included), far below a stack overflow. */
export const MAX_YAML_DEPTH = 100;

export interface DepthProblem {
  /** 1-based position of the opener that passes the bound. */
  readonly line: number;
  readonly col: number;
}

const SPACE = 32;
const TAB = 9;

/** Space, tab, carriage return, or past the end of the line (charCodeAt gives NaN there). */
const isBlank = (c: number): boolean => c === SPACE || c === TAB || c === 13 || Number.isNaN(c);

/** The first place where nesting passes `max`, or undefined when the text stays within it. */
export function findTooDeep(text: string, max: number = MAX_YAML_DEPTH): DepthProblem | undefined {
  const blockCols: number[] = [];
  let flow = 0;
  let quote = ''; // the quote character of a quoted scalar spanning lines
  let blockScalar: number | undefined; // lines indented deeper than this belong to a | or > scalar
  let lineNo = 0;
  let start = 0;
  let found: DepthProblem | undefined;
  let line = '';

  const over = (col: number): boolean => {
    if (blockCols.length + flow <= max) return false;
    found = { line: lineNo, col: col + 1 };
    return true;
  };

  /** Skips a quoted scalar from `i` (just after its opening quote); the index after it, or -1 when it goes on. */
  const closeQuote = (i: number): number => {
    while (i < line.length) {
      const c = line[i];
      if (quote === '"' && c === '\\') i += 2;
      else if (c === quote) {
        if (quote === "'" && line[i + 1] === "'") i += 2;
        else {
          quote = '';
          return i + 1;
        }
      } else i++;
    }
    return -1;
  };

  /** Flow context from `i`; returns the index where flow closed to 0, or -1 (line done). */
  const scanFlow = (i: number): number => {
    let nodeStart = true;
    while (i < line.length) {
      if (quote) {
        i = closeQuote(i);
        if (i < 0) return -1;
        nodeStart = false;
        continue;
      }
      const c = line[i]!;
      if (c === '[' || c === '{') {
        flow++;
        if (over(i)) return -1;
        nodeStart = true;
      } else if (c === ']' || c === '}') {
        flow = Math.max(0, flow - 1);
        if (flow === 0) return i + 1;
        nodeStart = false;
      } else if (c === ',' || c === ':' || c === '?') nodeStart = true;
      else if ((c === '"' || c === "'") && nodeStart) quote = c;
      else if (c === '#' && (i === 0 || isBlank(line.charCodeAt(i - 1)))) return -1;
      else if (!isBlank(c.charCodeAt(0))) nodeStart = false;
      i++;
    }
    return -1;
  };

  /** A node (or key) starting at `i` in block context; `value` when it follows a key's ": ". */
  const scanNode = (i: number, value: boolean): void => {
    // Node properties (&anchor, !tag) come before the node itself.
    while (i < line.length) {
      while (isBlank(line.charCodeAt(i)) && i < line.length) i++;
      const c = line[i];
      if (c !== '&' && c !== '!') break;
      while (i < line.length && !isBlank(line.charCodeAt(i))) i++;
    }
    if (i >= line.length) return;
    const c = line[i]!;
    let after: number;
    if (c === '[' || c === '{') {
      after = scanFlow(i);
      if (after < 0) return;
    } else if (c === '"' || c === "'") {
      quote = c;
      after = closeQuote(i + 1);
      if (after < 0) return;
    } else if (c === '|' || c === '>') {
      blockScalar = blockCols.length > 0 ? blockCols[blockCols.length - 1]! : -1;
      return;
    } else if (c === '#') return;
    else {
      // A plain scalar, or a key when ": " follows on this line.
      const m = /:(?:[ \t\r]|$)| #/.exec(line.slice(i));
      if (value || m === null || m[0] === ' #') return;
      after = i + m.index;
    }
    if (value) return;
    // A key: its mapping sits at this column; its value follows the ":".
    let j = after;
    while (isBlank(line.charCodeAt(j)) && j < line.length) j++;
    if (line[j] !== ':' || !isBlank(line.charCodeAt(j + 1))) return;
    if (blockCols[blockCols.length - 1] !== i) {
      blockCols.push(i);
      if (over(i)) return;
    }
    scanNode(j + 1, true);
  };

  while (start <= text.length && found === undefined) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    line = text.slice(start, end);
    start = end + 1;
    if (line.length === 0) continue;

    let indent = 0;
    while (line.charCodeAt(indent) === SPACE) indent++;
    const c0 = line.charCodeAt(0);
    const docMarker =
      (c0 === 45 || c0 === 46) && line.charCodeAt(1) === c0 && line.charCodeAt(2) === c0 && isBlank(line.charCodeAt(3));
    if (blockScalar !== undefined) {
      if (!docMarker && (indent >= line.length || isBlank(line.charCodeAt(indent)) || indent > blockScalar)) continue;
      blockScalar = undefined;
    }

    if (quote || flow > 0) {
      const closedAt = quote ? -2 : scanFlow(0);
      if (closedAt === -2) {
        const after = closeQuote(0);
        if (after >= 0 && flow > 0) {
          const more = scanFlow(after);
          if (more >= 0) scanNode(more, false);
        } else if (after >= 0) scanNode(after, true);
      } else if (closedAt >= 0) scanNode(closedAt, true);
      continue;
    }
    if (docMarker) {
      blockCols.length = 0;
      scanNode(3, true);
      continue;
    }
    if (
      indent >= line.length ||
      isBlank(line.charCodeAt(indent)) ||
      line[indent] === '#' ||
      (indent === 0 && line[0] === '%')
    )
      continue;
    while (blockCols.length > 0 && blockCols[blockCols.length - 1]! >= indent) blockCols.pop();
    let i = indent;
    // Compact block collections: "- - - x" opens one sequence per dash.
    while ((line[i] === '-' || line[i] === '?') && isBlank(line.charCodeAt(i + 1))) {
      blockCols.push(i);
      if (over(i)) break;
      i++;
      while (i < line.length && isBlank(line.charCodeAt(i))) i++;
    }
    if (found === undefined) scanNode(i, false);
  }
  return found;
}

/** Whether a plain value (a manifest sent as JSON) nests deeper than `max`; iterative. */
export function valueTooDeep(value: unknown, max: number = MAX_YAML_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const x of Array.isArray(v) ? v : Object.values(v))
      if (x !== null && typeof x === 'object') stack.push([x, depth + 1]);
  }
  return false;
}
