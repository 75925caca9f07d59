// Aligned plain-text tables for the operator commands. Widths are measured on the text before
// colouring, so ANSI codes (on a TTY) never break the alignment.
import chalk from 'chalk';

export interface Column {
  readonly title: string;
  /** Numbers read best right-aligned. */
  readonly align?: 'left' | 'right';
}

export interface Cell {
  readonly text: string;
  readonly paint?: (s: string) => string;
}

export type CellInput = string | number | Cell;

function cell(v: CellInput): Cell {
  return typeof v === 'object' ? v : { text: String(v) };
}

/** `footer` rows are set off by a rule and printed bold. */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly CellInput[])[],
  footer: readonly (readonly CellInput[])[] = [],
): string {
  const body = rows.map((r) => r.map(cell));
  const foot = footer.map((r) => r.map(cell));
  const widths = columns.map((c, i) =>
    Math.max(c.title.length, ...[...body, ...foot].map((r) => r[i]?.text.length ?? 0)),
  );
  const pad = (text: string, i: number): string => {
    const w = widths[i] ?? 0;
    return columns[i]?.align === 'right' ? text.padStart(w) : text.padEnd(w);
  };
  const line = (r: readonly Cell[], style?: (s: string) => string): string =>
    r
      .map((c, i) => {
        const padded = pad(c.text, i);
        const painted = c.paint !== undefined ? c.paint(padded) : padded;
        return style !== undefined ? style(painted) : painted;
      })
      .join('  ')
      .trimEnd();
  const out = [
    line(
      columns.map((c) => ({ text: c.title })),
      chalk.bold,
    ),
    ...body.map((r) => line(r)),
  ];
  if (foot.length > 0) {
    out.push(chalk.dim(widths.map((w) => '-'.repeat(w)).join('  ')));
    out.push(...foot.map((r) => line(r, chalk.bold)));
  }
  return out.join('\n') + '\n';
}
