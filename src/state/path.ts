// Field paths in plans: spec.routing.targets[0].models.fast. Keys that are not plain words
// (model names with dots, header names with odd characters) are written as ["gpt-4.1"], so a
// path always parses back to the same segments (masking works on segments).

export type Segment = string | number;

const PLAIN_KEY = /^[A-Za-z0-9_$-]+$/;

/** Segments -> 'spec.models["gpt-4.1"].inputPer1k'. */
export function formatFieldPath(segments: readonly Segment[]): string {
  let out = '';
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (!PLAIN_KEY.test(seg)) out += `[${JSON.stringify(seg)}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

// One token of a formatted path: .key | key (at the start) | [index] | ["quoted key"]
const TOKEN = /\.?([A-Za-z0-9_$-]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;

/** The inverse of formatFieldPath; undefined for a string it did not write. */
export function parseFieldPath(path: string): Segment[] | undefined {
  const out: Segment[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < path.length) {
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(path);
    if (m === null) return undefined;
    if (m[1] !== undefined) {
      // a bare key is only valid at the start; later ones need their dot
      if (start > 0 && path[start] !== '.') return undefined;
      out.push(m[1]);
    } else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3] ?? '""') as string);
  }
  return out;
}
