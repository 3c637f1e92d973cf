import { describe, expect, it } from 'vitest';
import { decodeCharacterReferences, htmlToPlainText } from '../../../lambdas/domain/text/htmlToPlainText.js';
import { prepareText } from '../../../lambdas/domain/triage/prepareText.js';

const MB = 1_000_000;
const fill = (unit: string, size = MB) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

describe('htmlToPlainText keeps what the triage reads', () => {
  it('ends a line at each block and leaves a blank line between paragraphs', () => {
    const text = htmlToPlainText(
      '<div>Refill request</div><div>Order 12</div><p>First para</p><p>Second</p>',
    );

    expect(text).toBe('Refill request\nOrder 12\n\nFirst para\n\nSecond');
  });

  it('breaks lines at <br> and makes a blank line of two', () => {
    expect(htmlToPlainText('one<br>two<br/><br>three')).toBe('one\ntwo\n\nthree');
  });

  it('collapses source whitespace as a browser does', () => {
    expect(htmlToPlainText('<p>  My\n   refill\tis   <b>late</b> </p>')).toBe('My refill is late');
  });

  it('writes list items with bullets and numbers', () => {
    const text = htmlToPlainText('<ul><li>Lisinopril</li><li>Metformin</li></ul><ol><li>call<li>mail</ol>');

    expect(text).toBe('- Lisinopril\n- Metformin\n\n1. call\n2. mail');
  });

  it("keeps a link's text and drops its address", () => {
    expect(htmlToPlainText('See <a href="https://evil.example/x">my claim</a> please')).toBe(
      'See my claim please',
    );
  });

  it('decodes named, decimal and hexadecimal character references', () => {
    expect(
      htmlToPlainText('<p>copay &amp; refill &eacute;t&eacute; &#233; &#x1F48A; caf&eacute;&nbsp;ok</p>'),
    ).toBe('copay & refill été é 💊 café ok');
  });

  it('drops script, style, head, title and comments with their content', () => {
    const html =
      '<html><head><title>Subject</title><style>p{color:red}</style></head><body>' +
      '<script>alert("x<p>y</p>")</script><!-- hidden <p>note</p> -->Visible</body></html>';

    expect(htmlToPlainText(html)).toBe('Visible');
  });

  it('ends an unclosed <head> at <body> instead of dropping the message', () => {
    expect(htmlToPlainText('<head><meta charset="utf-8"><body><p>Please refill</p>')).toBe('Please refill');
  });

  it('marks blockquoted lines with "> " so the quote stripper can cut them', () => {
    const text = htmlToPlainText('<p>Yes, ship it.</p><blockquote>Old text<br>second line</blockquote>');

    expect(text).toBe('Yes, ship it.\n\n> Old text\n> second line');
    expect(prepareText(`<div>Yes, ship it.</div><blockquote>Old text</blockquote>`).text).toBe(
      'Yes, ship it.',
    );
  });

  it('separates table cells and rows', () => {
    const html =
      '<table><tr><td>Member</td><td>Jane Doe</td></tr><tr><th>Drug</th><td>Humira</td></tr></table>';

    expect(htmlToPlainText(html)).toBe('Member Jane Doe\nDrug Humira');
  });

  it('keeps preformatted text as written', () => {
    expect(htmlToPlainText('<pre>Rx  12\n  qty 30</pre>')).toBe('Rx  12\n  qty 30');
  });

  it('replaces control characters that character references produce', () => {
    expect(htmlToPlainText('a&#1;b&#0;c')).toBe('a b c');
  });

  it('stops writing at maxChars', () => {
    expect(htmlToPlainText(`<p>${'x'.repeat(500)}</p>`, { maxChars: 100 })).toHaveLength(100);
  });

  it('returns an empty string for empty or non-string input', () => {
    expect(htmlToPlainText('')).toBe('');
    expect(htmlToPlainText(undefined as unknown as string)).toBe('');
  });

  it('decodes references in plain text without touching angle brackets', () => {
    expect(decodeCharacterReferences('a &lt;b&gt; &amp; <p> &nbsp;c')).toBe('a <b> & <p>  c');
  });
});

// The regular-expression converters this replaced took minutes on each of these (100 KB of `<`
// took 9.8 s, growing with the square of the size). Speed is measured in `npm run bench:html`; here
// the test's timeout only catches a return to super-linear work, and the output is checked.
describe('htmlToPlainText on adversarial 1 MB bodies', () => {
  it('keeps a megabyte of "<" as text', () => {
    expect(htmlToPlainText(fill('<'))).toBe(fill('<'));
  }, 10_000);

  it('reads 200,000 nested unclosed <div>s', () => {
    expect(htmlToPlainText(`${fill('<div>')}end`)).toBe('end');
  }, 10_000);

  it('reads 250,000 unmatched end tags', () => {
    expect(htmlToPlainText(`${fill('<b>', MB / 2)}${fill('</i>', MB / 2)}x`)).toBe('x');
  }, 10_000);

  it('skips a megabyte-long attribute, terminated or not', () => {
    expect(htmlToPlainText(`<div title="${'a'.repeat(MB)}">kept</div>`)).toBe('kept');
    expect(htmlToPlainText(`<div title="${'a&amp;'.repeat(MB / 6)}`)).toBe('');
  }, 10_000);

  it('drops an unclosed script to the end of the input', () => {
    expect(htmlToPlainText(`before<script>${fill('<div>x</div>')}`)).toBe('before');
  }, 10_000);

  it('caps the quote prefix of deeply nested blockquotes', () => {
    const lines = htmlToPlainText(fill('<blockquote>x'), { maxChars: MB }).split('\n').filter(Boolean);

    expect(lines.every((line) => /^(?:> ){1,8}x?$/.test(line))).toBe(true);
    expect(lines[100]).toBe(`${'> '.repeat(8)}x`);
  }, 10_000);
});
