// The guardrail decisions over text: each action, maxChars, and a stream's bounded hold-back.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGuardrail } from '../../src/compile/guardrails.js';
import type { CompiledGuardrail } from '../../src/compile/routing-table.js';
import type { Guardrail } from '../../src/manifest/types.js';
import { holdBackOf, StreamGuard, TextGuard } from '../../src/policy/guardrails.js';
import { isGwError } from '../../src/errors.js';

function g(name: string, spec: Partial<Guardrail['spec']>): CompiledGuardrail {
  return compileGuardrail(name, { stage: 'both', action: 'block', rules: [], ...spec } as Guardrail['spec']);
}
const pii = g('pii', { action: 'mask', rules: [{ pii: ['email', 'phone', 'credit_card', 'ssn', 'ipv4', 'iban'] }] });
const CARD = '4111 1111 1111 1111';

describe('TextGuard', () => {
  test('mask: typed placeholders for each pii kind; a card failing Luhn is left alone', () => {
    const hits = new Set<string>();
    const out = new TextGuard([pii], hits).text(
      `mail a@b.io, call 555-123-4567, card ${CARD}, not 4111 1111 1111 1112, ssn 123-45-6789, ip 10.1.2.3, iban DE89 3704 0044 0532 0130 00.`,
    );
    assert.equal(
      out,
      'mail [EMAIL], call [PHONE], card [CREDIT_CARD], not 4111 1111 1111 1112, ssn [SSN], ip [IPV4], iban [IBAN].',
    );
    assert.deepEqual([...hits].sort(), [
      'pii/credit_card:mask',
      'pii/email:mask',
      'pii/iban:mask',
      'pii/ipv4:mask',
      'pii/phone:mask',
      'pii/ssn:mask',
    ]);
  });

  test('block names guardrail and rule, never the text; log records and changes nothing', () => {
    const block = g('no-secrets', { message: 'no secrets please', rules: [{ regex: '(?i)api[_-]?key' }] });
    const hits = new Set<string>();
    assert.throws(
      () => new TextGuard([block], hits).text('my API_KEY is here'),
      (err: unknown) =>
        isGwError(err) &&
        err.code === 'GW_ERR_GUARDRAIL_BLOCKED' &&
        err.status === 422 &&
        err.message === 'no secrets please (guardrail no-secrets, rule regex)' &&
        !err.message.includes('API_KEY'),
    );
    assert.deepEqual([...hits], ['no-secrets/regex:block']);
    const log = g('watch', { action: 'log', rules: [{ keywords: ['Internal-Only'] }] });
    const logged = new Set<string>();
    assert.equal(new TextGuard([log], logged).text('this is INTERNAL-ONLY.'), 'this is INTERNAL-ONLY.');
    assert.equal(new TextGuard([log], logged).text('internal-onlyish'), 'internal-onlyish');
    assert.deepEqual([...logged], ['watch/keywords:log']);
  });

  test('maxChars counts every text of the side: block, or cut under mask', () => {
    const cap = g('cap', { rules: [{ maxChars: 10 }] });
    const guard = new TextGuard([cap], new Set());
    assert.equal(guard.text('12345'), '12345');
    assert.throws(() => guard.text('678901'), /guardrail cap, rule maxChars/);
    const cut = new TextGuard([g('cut', { action: 'mask', rules: [{ maxChars: 10 }] })], new Set());
    assert.equal(cut.text('12345678'), '12345678');
    assert.equal(cut.text('abcdef'), 'ab');
    assert.equal(cut.text('more'), '');
  });

  test('a catastrophic regex on its worst input returns at once', () => {
    const bad = g('bad', { rules: [{ regex: '(a+)+$' }] });
    const start = process.hrtime.bigint();
    assert.equal(new TextGuard([bad], new Set()).text(`${'a'.repeat(50_000)}!`).length, 50_001);
    assert.ok(process.hrtime.bigint() - start < 2_000_000_000n);
  });
});

describe('StreamGuard', () => {
  test('holds back only as much as a match can span', () => {
    assert.equal(holdBackOf([g('c', { rules: [{ pii: ['credit_card'] }] })]), 38);
    assert.equal(holdBackOf([g('k', { rules: [{ keywords: ['ab', 'abcdef'] }] })]), 7);
    assert.equal(holdBackOf([g('m', { rules: [{ maxChars: 5 }] })]), 0);
  });

  test('a card split across chunks is masked; text goes out as soon as no match can reach it', () => {
    const s = new StreamGuard([pii], new Set());
    const hold = s.holdBack;
    const lead = 'x'.repeat(hold + 5);
    let out = s.push(`${lead} card 4111 1111`);
    assert.equal(out, lead.slice(0, hold + 5 + ' card 4111 1111'.length - hold));
    out += s.push(' 1111 1111 and then some more words follow here, quite a few of them to pass the window');
    out += s.flush();
    assert.equal(
      out,
      `${lead} card [CREDIT_CARD] and then some more words follow here, quite a few of them to pass the window`,
    );
  });

  test('one character at a time gives the same text as one piece', () => {
    const text = `a@b.io then ${CARD} and 10.0.0.1, DE89 3704 0044 0532 0130 00 end`;
    const s = new StreamGuard([pii], new Set());
    let out = '';
    for (const c of text) out += s.push(c);
    out += s.flush();
    assert.equal(out, new TextGuard([pii], new Set()).text(text));
    assert.equal(out, '[EMAIL] then [CREDIT_CARD] and [IPV4], [IBAN] end');
  });

  test('a block in the held text throws before any of the match went out', () => {
    const s = new StreamGuard([g('kw', { rules: [{ keywords: ['forbidden'] }] })], new Set());
    const sent = s.push('all fine, forbi');
    assert.ok(!sent.includes('forbi'));
    assert.throws(() => s.push('dden word'), /guardrail kw, rule keywords/);
  });
});
