/**
 * Checks a National Provider Identifier: ten digits whose last is a Luhn check digit computed over
 * the nine before it prefixed with 80840 (45 CFR 162.406; the check-digit rule is CMS's "NPI Check
 * Digit" specification, ISO/IEC 7812 with the card issuer prefix 80840).
 */
export function isValidNpi(npi: string): boolean {
  if (!/^\d{10}$/.test(npi)) return false;
  const digits = `80840${npi.slice(0, 9)}`;
  let sum = 0;
  let double = true;
  for (let index = digits.length - 1; index >= 0; index--) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return (10 - (sum % 10)) % 10 === npi.charCodeAt(9) - 48;
}
