// The Luhn checksum that tells a credit card number from any run of 13-19 digits.

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
