// Ordering text for output and file lists: code-unit order, not locale order. The same result on
// every machine and locale, and no ICU collator: String.prototype.localeCompare loads ICU's
// collation data, about 2 MB of resident memory, for the life of the process.

/** Code-unit order of two strings (a sort comparator). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
