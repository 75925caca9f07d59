// Wording helpers for "not found" messages: list what exists, suggest the likely intended name.

const MAX_LISTED = 10;
// Beyond this many candidates a suggestion costs more than it helps (one edit-distance per name,
// per unresolved reference), so none is made.
const MAX_SUGGEST_CANDIDATES = 1000;

/** "a, b, c" (sorted, at most 10, then "and N more"), or "none". */
export function listNames(names: Iterable<string>): string {
  const all = [...new Set(names)].sort();
  if (all.length === 0) return 'none';
  const shown = all.slice(0, MAX_LISTED).join(', ');
  return all.length > MAX_LISTED ? `${shown} and ${all.length - MAX_LISTED} more` : shown;
}

/** Levenshtein distance, stopping early once it exceeds `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length] ?? max + 1;
}

/** The closest name within a small edit distance (a typo), if exactly one is closest. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  if (list.length > MAX_SUGGEST_CANDIDATES) return undefined;
  const max = name.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestD = max + 1;
  let tie = false;
  for (const c of list) {
    const d = distance(name, c, max);
    if (d < bestD) {
      best = c;
      bestD = d;
      tie = false;
    } else if (d === bestD) {
      tie = true;
    }
  }
  return best !== undefined && !tie ? best : undefined;
}

/** "did you mean x? " when a close name exists, else ''. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const c = closest(name, candidates);
  return c === undefined ? '' : `did you mean ${c}? `;
}
