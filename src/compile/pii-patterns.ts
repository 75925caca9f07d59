// Built-in PII detectors for guardrail `pii:` rules. Each pattern starts with a lookbehind that
// refuses to begin inside a run of the same characters: with the 'g' flag the engine tries every
// start position, and without it a long run of digits or letters would cost O(n²).
import type { PiiKind } from './routing-table.js';

export { luhnValid } from '../util/luhn.js';

export interface PiiPattern {
  readonly source: string;
  readonly flags: string;
  /** Matches must also pass a Luhn checksum (credit cards) before they count. */
  readonly luhn: boolean;
  /** The longest text a match can cover (a stream holds this much back); emails: a practical cap. */
  readonly span: number;
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';

export const PII_PATTERNS: Readonly<Record<PiiKind, PiiPattern>> = {
  // local@label.label.tld; the domain labels end in '.', so splitting them is unambiguous.
  email: {
    source: '(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\\.)+[A-Za-z]{2,}(?![A-Za-z0-9-])',
    flags: '',
    luhn: false,
    // The pattern itself is unbounded; addresses longer than this that straddle two stream
    // chunks may go through unmasked (README, Guardrails).
    span: 80,
  },
  // North American (555-123-4567, (555) 123-4567, +1 555 123 4567) or international (+44 20 7946 0958).
  phone: {
    source:
      '(?<![\\w+])(?:(?:\\+1[ .-]?)?(?:\\(\\d{3}\\)[ .-]?|\\d{3}[ .-])\\d{3}[ .-]\\d{4}|\\+\\d{1,3}(?:[ .-]?\\d{2,5}){2,5})(?!\\d)',
    flags: '',
    luhn: false,
    span: 34,
  },
  // 13-19 digits, optionally grouped by spaces or dashes; Luhn-checked by the guardrail stage.
  credit_card: { source: '(?<![\\d-])\\d(?:[ -]?\\d){12,18}(?![\\d])', flags: '', luhn: true, span: 37 },
  // US SSN, excluding the never-issued area/group/serial numbers.
  ssn: {
    source: '(?<![\\d-])(?!000|666|9\\d\\d)\\d{3}-(?!00)\\d{2}-(?!0000)\\d{4}(?![\\d-])',
    flags: '',
    luhn: false,
    span: 11,
  },
  ipv4: { source: `(?<![\\d.])(?:${OCTET}\\.){3}${OCTET}(?!\\.?\\d)`, flags: '', luhn: false, span: 15 },
  // Country code, check digits, then 11-30 alphanumerics, optionally in groups of four.
  iban: {
    source: '(?<![A-Za-z0-9])[A-Z]{2}\\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])',
    flags: '',
    luhn: false,
    span: 44,
  },
};
