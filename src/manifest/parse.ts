// YAML text -> plain documents, each with a way back from a path to line:col.
// Pure: no I/O. Every YAML problem becomes a located Diagnostic; nothing throws.
// Most files take the fast path (parse-simple.ts, else parse-fast.ts) and build no `yaml` node tree unless a
// position is asked for; a file the fast path declines gets the full `yaml` parse below.
import {
  LineCounter,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseAllDocuments,
  visit,
  type Document,
  type Node,
} from 'yaml';
import type { ErrorCode } from '../errors.js';
import type { Diagnostic } from './diagnostics.js';
import { findTooDeep, MAX_YAML_DEPTH } from './depth.js';
import { eventParse } from './parse-fast.js';
import { simpleParse } from './parse-simple.js';
import type { Position, SourceDoc } from './types.js';

export interface ParsedDoc {
  readonly value: unknown;
  readonly source: SourceDoc;
}

export interface ParseResult {
  readonly docs: readonly ParsedDoc[];
  readonly diagnostics: readonly Diagnostic[];
}

// Aliases can expand exponentially ("billion laughs"); manifests have no use for many.
const MAX_ALIAS_COUNT = 100;

const YAML_OPTIONS = { uniqueKeys: true, prettyErrors: false, strict: true, logLevel: 'error' } as const;

const YAML_CODE: Record<string, ErrorCode> = { DUPLICATE_KEY: 'GW_ERR_MANIFEST_DUPLICATE_KEY' };

const emptyFile = (file: string): Diagnostic => ({
  code: 'GW_ERR_MANIFEST_EMPTY',
  severity: 'error',
  message: 'the file holds no YAML document; add one or remove the file',
  file,
  line: 1,
  col: 1,
  path: '',
});

/** Nesting past MAX_YAML_DEPTH, found before any parser recurses into it. */
function tooDeep(text: string, file: string): Diagnostic | undefined {
  const at = findTooDeep(text);
  if (at === undefined) return undefined;
  const message = `the YAML nests deeper than ${MAX_YAML_DEPTH} levels here; manifests need a dozen at most, so flatten it`;
  return { code: 'GW_ERR_MANIFEST_TOO_DEEP', severity: 'error', message, file, line: at.line, col: at.col, path: '' };
}

/** `dir`: the folder ${file:} references resolve against (the file's own folder). */
export function parseYaml(text: string, file: string, dir: string = process.cwd()): ParseResult {
  // A text the simple tier reads nests at most MAX_DEPTH (64) levels, which the depth scan
  // never refuses: that scan is only needed for the others.
  let values = simpleParse(text);
  if (values === undefined) {
    const deep = tooDeep(text, file);
    if (deep) return { docs: [], diagnostics: [deep] };
    values = eventParse(text);
  }
  if (!values) return parseYamlChecked(text, file, dir);
  if (values.length === 0) return { docs: [], diagnostics: [emptyFile(file)] };
  const located = lazyLocator(text);
  const docs = values.map((value, index): ParsedDoc => ({
    value,
    source: { file, index, dir, locate: (path, opts) => located(index, path, opts) },
  }));
  return { docs, diagnostics: [] };
}

type Locate = SourceDoc['locate'];

/** Positions for a fast-parsed file: its `yaml` tree is built on the first question only. */
function lazyLocator(text: string): (index: number, ...args: Parameters<Locate>) => ReturnType<Locate> {
  let parsed: { docs: Document[]; pos: (offset: number) => Position } | undefined;
  return (index, path, opts) => {
    if (!parsed) {
      const lineCounter = new LineCounter();
      let all: ReturnType<typeof parseAllDocuments> = [];
      try {
        all = parseAllDocuments(text, { lineCounter, ...YAML_OPTIONS });
      } catch {
        // Not expected (the fast path read this text); a position is never worth a crash.
      }
      parsed = { docs: Array.isArray(all) ? all : [], pos: offsetToPosition(text, lineCounter) };
    }
    const doc = parsed.docs[index];
    return doc ? locateIn(doc, parsed.pos, path, opts) : { line: 1, col: 1 };
  };
}

function offsetToPosition(text: string, lineCounter: LineCounter): (offset: number) => Position {
  return (offset) => {
    const { line, col } = lineCounter.linePos(Math.max(0, Math.min(offset, text.length)));
    return { line, col };
  };
}

/** The full `yaml` parse (exported for the equivalence tests): every document keeps its node tree. */
export function parseYamlFull(text: string, file: string, dir: string): ParseResult {
  const deep = tooDeep(text, file);
  if (deep) return { docs: [], diagnostics: [deep] };
  return parseYamlChecked(text, file, dir);
}

/** An engine failure (a stack overflow, an alias count) as one of ours: never the engine's words. */
function engineProblem(err: unknown): { code: ErrorCode; message: string } {
  const message = err instanceof Error ? err.message : String(err);
  if (/alias/i.test(message)) {
    return {
      code: 'GW_ERR_MANIFEST_TOO_DEEP',
      message: `aliases expand to more than ${MAX_ALIAS_COUNT} copies (an "alias bomb"); write the values out instead`,
    };
  }
  if (err instanceof RangeError)
    return { code: 'GW_ERR_MANIFEST_TOO_DEEP', message: 'the YAML nests too deeply to read; flatten it' };
  return { code: 'GW_ERR_MANIFEST_PARSE', message: `cannot read the YAML: ${message.split('\n')[0] ?? message}` };
}

/** parseYamlFull after the depth pre-scan passed. */
function parseYamlChecked(text: string, file: string, dir: string): ParseResult {
  const lineCounter = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  const docs: ParsedDoc[] = [];
  const pos = offsetToPosition(text, lineCounter);
  const problem = (code: ErrorCode, message: string, at: Position, path = ''): void => {
    diagnostics.push({ code, severity: 'error', message, file, line: at.line, col: at.col, path });
  };

  let all: ReturnType<typeof parseAllDocuments>;
  try {
    all = parseAllDocuments(text, { lineCounter, ...YAML_OPTIONS });
  } catch (err) {
    const { code, message } = engineProblem(err);
    problem(code, message, { line: 1, col: 1 });
    return { docs, diagnostics };
  }
  const list = Array.isArray(all) ? all : [];
  list.forEach((doc, index) => {
    for (const e of doc.errors) {
      const at = pos(errorOffset(text, e.code, e.message, e.pos[0]));
      // yaml turns an exception of its own (a stack overflow) into an error entry: not its words.
      if (/call stack|recursion/i.test(e.message))
        problem('GW_ERR_MANIFEST_TOO_DEEP', 'the YAML nests too deeply to read; flatten it', at);
      else if (e.code === 'DUPLICATE_KEY') {
        const dup = duplicateKey(doc, e.pos[0], pos);
        const message =
          dup === undefined
            ? yamlMessage(e.code, e.message)
            : `the key "${dup.key}" is given twice in this mapping; the first is at line ${dup.first.line}. YAML keeps one value per key, so remove or rename one`;
        problem('GW_ERR_MANIFEST_DUPLICATE_KEY', message, dup?.second ?? at, dup?.path ?? '');
      } else problem(YAML_CODE[e.code] ?? 'GW_ERR_MANIFEST_PARSE', yamlMessage(e.code, e.message), at);
    }
    if (doc.errors.length > 0 || doc.contents === null) return;
    let value: unknown;
    try {
      if (
        hasComplexKey(doc, (at) =>
          problem('GW_ERR_MANIFEST_PARSE', 'a mapping key must be a plain value, not a list or mapping', pos(at)),
        )
      )
        return;
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      const { code, message } = engineProblem(err);
      problem(code, message, pos(doc.contents.range?.[0] ?? 0));
      return;
    }
    docs.push({ value, source: { file, index, dir, locate: (path, opts) => locateIn(doc, pos, path, opts) } });
  });
  if (docs.length === 0 && diagnostics.length === 0) diagnostics.push(emptyFile(file));
  return { docs, diagnostics };
}

/**
 * The repeated key nearest to `offset` (where yaml reported it): its text, where its first and
 * second occurrences are, and the path of the mapping that holds it.
 */
function duplicateKey(
  doc: Document,
  offset: number,
  pos: (offset: number) => Position,
): { key: string; first: Position; second: Position; path: string } | undefined {
  let best: { key: string; first: number; second: number; path: string } | undefined;
  visit(doc, {
    Map(_, map, ancestry) {
      const seen = new Map<string, number>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        const start = pair.key.range?.[0] ?? 0;
        const first = seen.get(key);
        if (first === undefined) {
          seen.set(key, start);
          continue;
        }
        if (best === undefined || Math.abs(start - offset) < Math.abs(best.second - offset)) {
          const path = ancestry
            .filter(isPair)
            .map((p) => (isScalar(p.key) ? String(p.key.value) : '?'))
            .concat(key)
            .join('.');
          best = { key, first, second: start, path };
        }
      }
    },
  });
  return best === undefined
    ? undefined
    : { key: best.key, first: pos(best.first), second: pos(best.second), path: best.path };
}

/** Reports keys that are collections ("? [a]: b"), which have no JSON equivalent. */
function hasComplexKey(doc: Document, report: (offset: number) => void): boolean {
  let found = false;
  visit(doc, {
    Pair(_, pair) {
      if (isCollection(pair.key)) {
        report(pair.key.range?.[0] ?? 0);
        found = true;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** yaml reports an unclosed quote at the end of input; the opening quote is more useful. */
function errorOffset(text: string, code: string, message: string, offset: number): number {
  if (code !== 'MISSING_CHAR' || !/quote/i.test(message)) return offset;
  const quote = message.includes("'") && !message.includes('"') ? "'" : '"';
  const at = text.lastIndexOf(quote, offset - 1);
  return at >= 0 ? at : offset;
}

function yamlMessage(code: string, message: string): string {
  // yaml's messages end with a code excerpt after a blank line; keep the first line.
  const first = message.split('\n')[0] ?? message;
  if (code === 'TAB_AS_INDENT') return `${first} (YAML indents with spaces, never tabs)`;
  if (code === 'DUPLICATE_KEY') return `${first}: each key may appear once in a mapping`;
  return first;
}

/** Position of the node at path, or of its nearest existing ancestor (see SourceDoc.locate). */
function locateIn(
  doc: Document,
  pos: (offset: number) => Position,
  path: Parameters<Locate>[0],
  opts: Parameters<Locate>[1],
): Position {
  let node: unknown = doc.contents;
  let best: Node | null = (doc.contents as Node | null) ?? null;
  let keyNode: Node | null = null;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      keyNode = pair.key as Node;
      node = pair.value;
      best = (isScalar(node) || isMap(node) || isSeq(node) ? (node as Node) : keyNode) ?? best;
    } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
      node = node.items[seg];
      keyNode = null;
      if (node && (isScalar(node) || isMap(node) || isSeq(node))) best = node as Node;
    } else {
      break;
    }
  }
  const target = opts?.key && keyNode ? keyNode : best;
  return pos(target?.range?.[0] ?? 0);
}
