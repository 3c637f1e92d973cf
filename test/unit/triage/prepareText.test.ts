import { describe, expect, it } from 'vitest';
import { htmlToText, MAX_PREPARED_CHARS, prepareText } from '../../../lambdas/domain/triage/prepareText.js';

describe('prepareText', () => {
  it('converts HTML to text, drops script and style, decodes entities', () => {
    const result = prepareText(
      '<html><head><style>p{}</style></head><body><p>My refill &amp; my copay</p><script>x()</script><div>Line&nbsp;two &#233;</div></body></html>',
    );
    expect(result.html).toBe(true);
    expect(result.text).toBe('My refill & my copay\nLine two é');
  });

  it('turns a blockquote into stripped quoted lines', () => {
    expect(htmlToText('<p>New</p><blockquote>Old text</blockquote>')).toContain('> Old text');
    expect(prepareText('<p>New text</p><blockquote>Old text</blockquote>').text).toBe('New text');
  });

  it.each([
    ['On Tue, Nov 3, 2026 at 9:14 AM Pharmacy <help@rx.example> wrote:'],
    ['El mar, 3 nov 2026 a las 9:14, Farmacia <help@rx.example> escribió:'],
    ['Le mar. 3 nov. 2026 à 09:14, Pharmacie <help@rx.example> a écrit :'],
    ['Am Di., 3. Nov. 2026 um 09:14 Uhr schrieb Apotheke <help@rx.example>:'],
    ['Em ter., 3 de nov. de 2026 às 09:14, Farmácia <help@rx.example> escreveu:'],
    ['Il giorno mar 3 nov 2026 alle ore 09:14 Farmacia <help@rx.example> ha scritto:'],
    ['-----Original Message-----'],
    ['-----Mensaje original-----'],
  ])('cuts the quoted reply after "%s"', (header) => {
    const result = prepareText(
      `I still need my refill.\n\n${header}\nYour order 123 has shipped.\nBest, Pharmacy`,
    );
    expect(result.text).toBe('I still need my refill.');
    expect(result.stripped.some((part) => part.kind === 'quote' && part.text.includes('has shipped'))).toBe(
      true,
    );
  });

  it.each([
    ['From: Pharmacy <help@rx.example>\nSent: Monday, November 2, 2026 9:00 AM\nTo: me'],
    ['De : Pharmacie <help@rx.example>\nEnvoyé : lundi 2 novembre 2026 09:00\nÀ : moi'],
    ['Von: Apotheke <help@rx.example>\nGesendet: Montag, 2. November 2026 09:00\nAn: mich'],
    ['De: Farmacia <help@rx.example>\nEnviado el: lunes, 2 de noviembre de 2026 9:00\nPara: mí'],
    ['发件人: 药房 <help@rx.example>\n发送时间: 2026年11月2日 9:00\n收件人: 我'],
  ])('cuts an Outlook header block', (block) => {
    expect(prepareText(`Where is my package?\n\n${block}\nSubject: shipped\nOld text`).text).toBe(
      'Where is my package?',
    );
  });

  it('removes ">" quoted lines, signatures and mobile footers', () => {
    const text = 'My copay went up.\n> old line\nCan you check?\n\nThanks,\nMaria Lopez\nSent from my iPhone';
    const result = prepareText(text);
    expect(result.text).toBe('My copay went up.\nCan you check?');
    expect(result.stripped.map((part) => part.kind)).toEqual(expect.arrayContaining(['quote', 'signature']));
  });

  it('cuts a "-- " signature and a confidentiality disclaimer', () => {
    const disclaimer =
      'Please send the refill.\n\nCONFIDENTIALITY NOTICE: This e-mail is intended only for the addressee.\nIt may contain PHI.';
    expect(prepareText(disclaimer).text).toBe('Please send the refill.');
    expect(prepareText('Please send the refill.\n-- \nDr. Smith\nClinic').text).toBe(
      'Please send the refill.',
    );
  });

  it('keeps fax form labels and folds case and checkboxes for matching', () => {
    const result = prepareText('MEMBER NAME: ________\nEXPEDITED REVIEW REQUESTED: ☒ YES ☐ NO\n|||~~~|||');
    expect(result.text).toContain('EXPEDITED REVIEW REQUESTED');
    expect(result.matchText).toContain('expedited review requested: [x] yes [ ] no');
    expect(result.stripped.some((part) => part.kind === 'noise')).toBe(true);
  });

  it('keeps the member text when it is only a thank-you', () => {
    expect(prepareText('Thank you!').text).toBe('Thank you!');
  });

  it('caps work on a 1 MB input and strips binary junk without throwing', () => {
    const big = 'refill please '.repeat(80_000);
    const started = performance.now();
    const result = prepareText(big);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(result.text.length).toBeLessThanOrEqual(MAX_PREPARED_CHARS);
    expect(result.stripped.some((part) => part.kind === 'truncated')).toBe(true);
    expect(() => prepareText('\u0000\u0001\u00ff\ufffd'.repeat(1000))).not.toThrow();
  });
});
