import { describe, expect, it } from 'vitest';
import { luhnValid, mbiValid, redactPii, ssnValid } from '../../../lambdas/domain/triage/redactPii.js';

const types = (text: string) => redactPii(text).findings.map((finding) => finding.type);

describe('redactPii', () => {
  it('redacts a valid SSN with dashes, spaces or none', () => {
    expect(redactPii('my ssn is 123-45-6789 ok').redactedText).toBe('my ssn is [SSN] ok');
    expect(types('SSN 123 45 6789')).toEqual(['SSN']);
    expect(types('social security 123456789')).toEqual(['SSN']);
  });

  it('redacts an SSN glued to its label by a hyphen or mark, and still keeps a hyphenated order number', () => {
    expect(redactPii('my ssn-123456789 thanks').redactedText).toBe('my ssn-[SSN] thanks');
    expect(redactPii('ssn-123-45-6789.').redactedText).toBe('ssn-[SSN].');
    expect(redactPii('social security no:123456789').redactedText).toBe('social security no:[SSN]');
    expect(redactPii('order 4471-123456789 shipped').redactedText).toBe('order 4471-123456789 shipped');
    expect(types('ssn-666123456')).not.toContain('SSN');
  });

  it('rejects SSNs with area 000, 666 or 9xx, group 00 or serial 0000', () => {
    for (const ssn of ['000-12-3456', '666-12-3456', '912-12-3456', '123-00-4567', '123-45-0000']) {
      expect(types(`ssn ${ssn}`)).not.toContain('SSN');
    }
    expect(ssnValid('123456789')).toBe(true);
  });

  it('redacts an MBI with or without dashes and rejects excluded letters', () => {
    expect(redactPii('Medicare # 1EG4-TE5-MK73.').redactedText).toBe('Medicare # [MBI].');
    expect(types('mbi 1EG4TE5MK73')).toEqual(['MBI']);
    expect(mbiValid('1EG4-TE5-MK73')).toBe(true);
    expect(mbiValid('1SG4-TE5-MK73')).toBe(false);
    expect(mbiValid('0EG4-TE5-MK73')).toBe(false);
  });

  it('redacts Luhn-valid card numbers and keeps Luhn-invalid ones', () => {
    expect(redactPii('card 4111 1111 1111 1111 thanks').redactedText).toBe('card [CARD] thanks');
    expect(types('visa 4111-1111-1111-1112')).not.toContain('CARD');
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('12')).toBe(false);
  });

  it('redacts numeric and written dates of birth in several languages', () => {
    expect(redactPii('DOB 03/14/1952').redactedText).toBe('DOB [DOB]');
    expect(types('I was born March 14, 1952.')).toEqual(['DOB']);
    expect(types('fecha de nacimiento 14/03/1952')).toEqual(['DOB']);
    expect(types('né le 14 mars 1952')).toEqual(['DOB']);
    expect(types('Geburtsdatum: 14. März 1952')).toEqual(['DOB']);
    expect(types('生年月日 1952年3月14日')).toEqual(['DOB']);
  });

  it('finds a written date next to numeric ones, whose years it skips', () => {
    expect(redactPii('Visit 03/14/2026 and 2026-03-15; my mother was born 14 March 1941.').redactedText).toBe(
      'Visit 03/14/2026 and 2026-03-15; my mother was born [DOB].',
    );
    expect(redactPii('born 02/17/1941, seen 1952-03-14').findings.map((finding) => finding.type)).toEqual([
      'DOB',
      'DOB',
    ]);
  });

  it('redacts a written date whose year runs on into another', () => {
    expect(redactPii('DOB March 14, 1952-1953').redactedText).toBe('DOB [DOB]-1953');
  });

  it('redacts addresses written back to back', () => {
    expect(redactPii('mary@x.com+bob@y.com').redactedText).toBe('[EMAIL][EMAIL]');
    expect(redactPii('john.smith@example.com_jane.doe@example.org').redactedText).toBe('[EMAIL][EMAIL]');
  });

  it('keeps recent dates without birth context', () => {
    expect(types('it shipped on 11/20/2026')).toEqual([]);
  });

  it('redacts US and international phone numbers and e-mail addresses', () => {
    expect(redactPii('call (555) 123-4567 or +44 20 7946 0958, mail a.b@example.com').redactedText).toBe(
      'call [PHONE] or [PHONE], mail [EMAIL]',
    );
    expect(types('tel 555.867.5309')).toEqual(['PHONE']);
  });

  it('redacts an international number but not the parenthesis that follows it', () => {
    expect(redactPii('Fax from +1 555 123 4567 (2 pages)').redactedText).toBe('Fax from [PHONE] (2 pages)');
    expect(redactPii('ring +44 (0)20 7946 0958 today').redactedText).toBe('ring [PHONE] today');
    expect(redactPii('or +1 (555) 123-4567.').redactedText).toBe('or [PHONE].');
  });

  it('keeps labelled order, Rx, tracking and NDC numbers', () => {
    const text =
      'Order #1234567890, Rx 7654321, tracking 1Z999AA10123456784, NDC 0002-8215-01, order 123456789';
    expect(redactPii(text).redactedText).toBe(text);
  });

  it('returns no findings for empty or non-string input', () => {
    expect(redactPii('')).toEqual({ findings: [], redactedText: '' });
  });
});

describe('redactPii on identifiers as members really type them', () => {
  it('redacts SSNs with mixed or spaced separators and split across a line break', () => {
    for (const ssn of ['123-45 6789', '123 - 45 - 6789', '123-45-\n6789', '123 45\n6789']) {
      expect(redactPii(`SSN ${ssn} thanks`).redactedText).toBe('SSN [SSN] thanks');
    }
  });

  it('redacts SSNs typed with typographic dashes or no-break spaces', () => {
    for (const ssn of ['123–45–6789', '123‑45‑6789', '123−45−6789', '123\u00a045\u00a06789']) {
      expect(redactPii(`SSN ${ssn} thanks`).redactedText).toBe('SSN [SSN] thanks');
    }
  });

  it('redacts identifiers written in full-width, Arabic-Indic or Devanagari digits', () => {
    expect(redactPii('社会保障番号 １２３-４５-６７８９ です').redactedText).toBe('社会保障番号 [SSN] です');
    expect(redactPii('رقم الضمان ١٢٣-٤٥-٦٧٨٩ شكرا').redactedText).toBe('رقم الضمان [SSN] شكرا');
    expect(redactPii('एसएसएन १२३-४५-६७८९ धन्यवाद').redactedText).toBe('एसएसएन [SSN] धन्यवाद');
    expect(redactPii('カード ４１１１ １１１１ １１１１ １１１１ です').redactedText).toBe(
      'カード [CARD] です',
    );
    expect(redactPii('Medicare １ＥＧ４-ＴＥ５-ＭＫ７３ です').redactedText).toBe('Medicare [MBI] です');
  });

  it('redacts MBIs with spaced or typographic dashes', () => {
    expect(redactPii('mbi 1EG4 - TE5 - MK73 ok').redactedText).toBe('mbi [MBI] ok');
    expect(redactPii('mbi 1eg4–te5–mk73 ok').redactedText).toBe('mbi [MBI] ok');
  });

  it('redacts card numbers grouped with dots, wide spaces, spaced dashes or a line break', () => {
    for (const card of [
      '4111.1111.1111.1111',
      '4111  1111  1111  1111',
      '4111 - 1111 - 1111 - 1111',
      '4111–1111–1111–1111',
      '4111\u00a01111\u00a01111\u00a01111',
      '4111 1111\n1111 1111',
      '3782.822463.10005',
    ]) {
      expect(redactPii(`card ${card} thanks`).redactedText).toBe('card [CARD] thanks');
    }
  });

  it('still keeps labelled Rx, NDC and order numbers and finds phone numbers as phone numbers', () => {
    const kept = 'Rx 123 4567, NDC 0002-8215-01, order 123456789, order #4111.1111.1111.1111';
    expect(redactPii(kept).redactedText).toBe(kept);
    expect(redactPii('call 555-123-4567 or 555 123 4567').redactedText).toBe('call [PHONE] or [PHONE]');
  });
});
