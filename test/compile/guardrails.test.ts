import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/compile/compile.js';
import { keywordsRegex } from '../../src/compile/guardrails.js';
import { compileRegex } from '../../src/util/regex.js';
import { luhnValid } from '../../src/compile/pii-patterns.js';
import type { CompiledChatEndpoint, CompiledRule, RoutingTable } from '../../src/compile/routing-table.js';
import { res } from './helpers.js';

function guardrailsOf(t: RoutingTable, endpoint: string) {
  return (t.workspaces.get('default')?.endpoints.get(endpoint) as CompiledChatEndpoint).guardrails;
}

function pattern(rule: CompiledRule | undefined): RegExp {
  assert.equal(rule?.kind, 'pattern');
  return (rule as Extract<CompiledRule, { kind: 'pattern' }>).regex;
}

/** Every match of a shared global regex, without disturbing its lastIndex. */
function matches(re: RegExp, text: string): string[] {
  return [...text.matchAll(re)].map((m) => m[0]);
}

const target = { routing: { targets: [{ provider: 'mock', models: { m: 'm' } }] } };
function table(): RoutingTable {
  return compile([
    res('Provider', 'mock', { type: 'mock' }),
    res('Guardrail', 'no-secrets', {
      rules: [{ regex: '(?i)api[_-]?key' }, { keywords: ['internal-only', 'a.b'] }, { maxChars: 100 }],
    }),
    res('Guardrail', 'pii', {
      stage: 'both',
      action: 'mask',
      message: 'no',
      rules: [{ pii: ['email', 'phone', 'credit_card', 'ssn', 'ipv4', 'iban'] }],
    }),
    res('Endpoint', 'one', { type: 'chat', ...target, guardrails: ['no-secrets', 'pii', 'ghost'] }),
    res('Endpoint', 'two', { type: 'chat', ...target, guardrails: ['no-secrets'] }),
  ]);
}

describe('guardrails', () => {
  test('resolved by name with schema defaults; unknown names skipped; one object shared by endpoints', () => {
    const t = table();
    const [secrets, pii] = guardrailsOf(t, 'one');
    assert.equal(guardrailsOf(t, 'one').length, 2);
    assert.equal(secrets?.stage, 'input');
    assert.equal(secrets?.action, 'block');
    assert.equal(pii?.action, 'mask');
    assert.equal(pii?.message, 'no');
    assert.equal(guardrailsOf(t, 'two')[0], secrets);
    assert.equal(t.counts.guardrails, 2);
  });

  test('an operator regex runs on RE2: inline flags, every match, shared by endpoints, usable after freezing', () => {
    const t = table();
    const rule = guardrailsOf(t, 'one')[0]?.rules[0];
    assert.equal(rule?.kind, 'linear');
    assert.equal(guardrailsOf(t, 'two')[0]?.rules[0], rule);
    const re = rule as Extract<CompiledRule, { kind: 'linear' }>;
    assert.equal(re.test('my API_KEY'), true);
    assert.deepEqual(re.find('my API_KEY and apikey'), [3, 10, 15, 21]);
    assert.equal(compileRegex('(?s)a.b').test('a\nb'), true);
    assert.equal(compileRegex('(?m)^b').test('a\nb'), true);
    // Lookarounds and backreferences do not exist in RE2: refused, as the validator reports.
    assert.throws(() => compileRegex('a(?=b)'), SyntaxError);
    assert.throws(() => compileRegex('(a)\\1'), SyntaxError);
  });

  test('a catastrophic pattern stays linear on its worst input', () => {
    const re = compileRegex('(a+)+$');
    const start = process.hrtime.bigint();
    assert.equal(re.test(`${'a'.repeat(30_000)}!`), false);
    assert.deepEqual(re.find(`${'a'.repeat(30_000)}!`), []);
    // A backtracking engine needs longer than the age of the universe here; RE2 needs milliseconds.
    assert.ok(process.hrtime.bigint() - start < 2_000_000_000n);
  });

  test('keywords: one case-insensitive alternation of escaped whole words; maxChars rule', () => {
    const t = table();
    const rules = guardrailsOf(t, 'one')[0]?.rules ?? [];
    const kw = pattern(rules[1]);
    assert.deepEqual(matches(kw, 'INTERNAL-ONLY and a.b, not axb, not internal-onlyx'), ['INTERNAL-ONLY', 'a.b']);
    assert.deepEqual(rules[2], { kind: 'maxChars', maxChars: 100 });
    assert.deepEqual(matches(keywordsRegex(['$key']), 'a $key b'), ['$key']);
  });

  test('pii kinds become labelled patterns; credit cards are flagged for Luhn', () => {
    const rules = guardrailsOf(table(), 'one')[1]?.rules ?? [];
    const byLabel = new Map(rules.map((r) => [r.kind === 'pattern' ? r.label : '', r]));
    assert.deepEqual([...byLabel.keys()], ['email', 'phone', 'credit_card', 'ssn', 'ipv4', 'iban']);
    const card = byLabel.get('credit_card');
    assert.equal(card?.kind === 'pattern' && card.luhn, true);
    assert.equal(rules.filter((r) => r.kind === 'pattern' && r.luhn).length, 1);
    const found = (label: string, text: string) => matches(pattern(byLabel.get(label)), text);
    assert.deepEqual(found('email', 'write to ada.l+gw@mail.example.org now'), ['ada.l+gw@mail.example.org']);
    assert.deepEqual(found('phone', 'call (555) 123-4567 or +44 20 7946 0958'), ['(555) 123-4567', '+44 20 7946 0958']);
    assert.deepEqual(found('credit_card', 'card 4111 1111 1111 1111.'), ['4111 1111 1111 1111']);
    assert.deepEqual(found('ssn', 'ssn 123-45-6789, not 000-12-3456'), ['123-45-6789']);
    assert.deepEqual(found('ipv4', 'from 10.0.0.255 not 999.1.1.1 nor 1.2.3.4.5'), ['10.0.0.255']);
    assert.deepEqual(found('iban', 'IBAN DE89 3704 0044 0532 0130 00 ok'), ['DE89 3704 0044 0532 0130 00']);
    assert.equal(luhnValid('4111 1111 1111 1111'), true);
    assert.equal(luhnValid('4111 1111 1111 1112'), false);
  });

  test('pii patterns stay linear on long runs (no quadratic rescans)', () => {
    const rules = guardrailsOf(table(), 'one')[1]?.rules ?? [];
    const long = `${'a'.repeat(200_000)} ${'1'.repeat(200_000)}`;
    const start = process.hrtime.bigint();
    for (const r of rules) if (r.kind === 'pattern') matches(r.regex, long);
    // Generous bound: quadratic behaviour on 200k chars takes minutes, linear takes milliseconds.
    assert.ok(process.hrtime.bigint() - start < 2_000_000_000n);
  });
});
