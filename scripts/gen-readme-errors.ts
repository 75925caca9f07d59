// Rewrites the error-code table in README.md (between the errors:begin/end markers) from
// src/errors.ts. test/errors.test.ts fails when the README is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERRORS, type ErrorInfo } from '../src/errors.js';

export function errorTable(): string {
  const rows = Object.entries(ERRORS as Record<string, ErrorInfo>).map(
    ([code, info]) => `| \`${code}\` | ${info.area} | ${info.status ?? ''} | ${info.summary.replace(/\|/g, '\\|')} |`,
  );
  return ['| code | where | HTTP | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

export function withErrorTable(readme: string): string {
  return readme.replace(/(<!-- errors:begin -->)[\s\S]*?(<!-- errors:end -->)/, `$1\n${errorTable()}\n$2`);
}

const README = fileURLToPath(new URL('../README.md', import.meta.url));
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(README, withErrorTable(readFileSync(README, 'utf8')));
  console.log('README.md error table updated');
}
