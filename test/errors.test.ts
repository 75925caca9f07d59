// Every error code is documented in README.md with its HTTP status (STYLE example 7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERRORS, GwError, type ErrorInfo } from '../src/errors.js';
import { withErrorTable } from '../scripts/gen-readme-errors.js';

test('README.md lists every GW_ERR_* code with its status (npx tsx scripts/gen-readme-errors.ts updates it)', () => {
  const readme = readFileSync('README.md', 'utf8');
  assert.equal(readme, withErrorTable(readme), 'README error table is stale: run npx tsx scripts/gen-readme-errors.ts');
  for (const [code, info] of Object.entries(ERRORS as Record<string, ErrorInfo>)) {
    assert.ok(
      readme.includes(`| \`${code}\` | ${info.area} | ${info.status ?? ''} |`),
      `${code} is missing from README.md`,
    );
  }
});

test('request errors carry an HTTP status and an OpenAI error type', () => {
  for (const [code, info] of Object.entries(ERRORS as Record<string, ErrorInfo>)) {
    if (info.area !== 'request') continue;
    assert.ok(info.status && info.status >= 400 && info.status < 600, code);
    assert.ok(info.type, code);
  }
  const e = new GwError('GW_ERR_RATE_LIMITED', 'slow down');
  assert.equal(e.status, 429);
  assert.equal(e.type, 'rate_limit_error');
});
