// Built-in PII detectors for guardrail `pii:` rules. Each pattern starts with a lookbehind that
// refuses to begin inside a run of the same characters: with the 'g' flag the engine tries every
// start position, and without it a long run of digits or letters would cost O(n²).
import type { PiiKind } from './routing-table.js';

export interface PiiPattern {
  readonly source: string;
  readonly flags: string;
  /** Matches must also pass a Luhn checksum (credit cards) before they count. */
  readonly luhn: boolean;
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';

export const PII_PATTERNS: Readonly<Record<PiiKind, PiiPattern>> = {
  // local@label.label.tld; the domain labels end in '.', so splitting them is unambiguous.
  email: {
    source: '(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\\.)+[A-Za-z]{2,}(?![A-Za-z0-9-])',
    flags: '',
    luhn: false,
  },
  // North American (555-123-4567, (555) 123-4567, +1 555 123 4567) or international (+44 20 7946 0958).
  phone: {
    source:
      '(?<![\\w+])(?:(?:\\+1[ .-]?)?(?:\\(\\d{3}\\)[ .-]?|\\d{3}[ .-])\\d{3}[ .-]\\d{4}|\\+\\d{1,3}(?:[ .-]?\\d{2,5}){2,5})(?!\\d)',
    flags: '',
    luhn: false,
  },
  // 13-19 digits, optionally grouped by spaces or dashes; Luhn-checked by the guardrail stage.
  credit_card: { source: '(?<![\\d-])\\d(?:[ -]?\\d){12,18}(?![\\d])', flags: '', luhn: true },
  // US SSN, excluding the never-issued area/group/serial numbers.
  ssn: { source: '(?<![\\d-])(?!000|666|9\\d\\d)\\d{3}-(?!00)\\d{2}-(?!0000)\\d{4}(?![\\d-])', flags: '', luhn: false },
  ipv4: { source: `(?<![\\d.])(?:${OCTET}\\.){3}${OCTET}(?!\\.?\\d)`, flags: '', luhn: false },
  // Country code, check digits, then 11-30 alphanumerics, optionally in groups of four.
  iban: {
    source: '(?<![A-Za-z0-9])[A-Z]{2}\\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])',
    flags: '',
    luhn: false,
  },
};

/** True when the digits in `s` pass the Luhn checksum (separators ignored). */
export function luhnValid(s: string): boolean {
  let sum = 0;
  let double = false;
  let digits = 0;
  for (let i = s.length - 1; i >= 0; i--) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) continue;
    digits++;
    let d = double ? c * 2 : c;
    if (d > 9) d -= 9;
    sum += d;
    double = !double;
  }
  return digits > 0 && sum % 10 === 0;
}
