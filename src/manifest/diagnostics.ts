import type { ErrorCode } from '../errors.js';
import { compareText } from '../util/compare-text.js';

export type Severity = 'error' | 'warning';

/** One problem found in the manifests, located at the YAML node that causes it. */
export interface Diagnostic {
  readonly code: ErrorCode;
  readonly severity: Severity;
  readonly message: string;
  /** Path as given to the loader (relative when the input was relative); '-' for stdin. */
  readonly file: string;
  /** 1-based; 0 when the problem has no place in a file (e.g. a path that matches nothing). */
  readonly line: number;
  readonly col: number;
  /** YAML path inside the document, e.g. spec.routing.targets[0].provider; '' for the document. */
  readonly path: string;
  readonly hint?: string;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Sorts by file, line, col so output is stable whatever order checks ran in. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => compareText(a.file, b.file) || a.line - b.line || a.col - b.col || compareText(a.code, b.code),
  );
}

/** Renders a path array as spec.routing.targets[0].provider. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}
