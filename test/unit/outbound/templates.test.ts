import { describe, expect, it } from 'vitest';
import {
  defaultTemplates,
  fillTemplate,
  formatInstant,
  loadTemplates,
  memberLanguages,
  TEMPLATE_LANGUAGES,
  TemplateValidationError,
  templatesFor,
} from '../../../lambdas/domain/outbound/templates.js';
import en from '../../../lambdas/domain/policy/templates/en.json' with { type: 'json' };

/** The sixteen languages triage knows; every one needs its own acknowledgement. */
const TRIAGE_LANGUAGES = [
  'en',
  'es',
  'zh',
  'vi',
  'ko',
  'tl',
  'ru',
  'ar',
  'fr',
  'ht',
  'pt',
  'pl',
  'de',
  'it',
  'ja',
  'hi',
];

describe('message templates', () => {
  it('has validated templates for every language triage detects, and Traditional Chinese', () => {
    for (const language of TRIAGE_LANGUAGES) expect(defaultTemplates().has(language as never)).toBe(true);
    expect(defaultTemplates().get('zh-Hant')?.acknowledgement.subject).toContain('來信');
    expect(defaultTemplates().size).toBe(TEMPLATE_LANGUAGES.length);
  });

  it('writes every language in its own words, not a copy of the English', () => {
    const english = templatesFor('en').acknowledgement;
    for (const language of TEMPLATE_LANGUAGES.filter((code) => code !== 'en')) {
      const ack = templatesFor(language).acknowledgement;
      expect(ack.intro, language).not.toBe(english.intro);
      expect(ack.emergency, language).toContain('911');
      expect(ack.privacy, language).toMatch(
        /SSN|Social|Seguro|sécurité|previdenza|Sozialversicherung|социального|社会|社會|사회보장|An Sinh|Sekirite|الضمان|सोशल/,
      );
    }
  });

  it('marks Arabic as right-to-left and every other language as left-to-right', () => {
    expect(templatesFor('ar').direction).toBe('rtl');
    expect(TEMPLATE_LANGUAGES.filter((code) => templatesFor(code).direction === 'rtl')).toEqual(['ar']);
  });

  it('rejects a translation that drops the case reference or invents a placeholder, naming the file and field', () => {
    const broken = structuredClone(en);
    broken.acknowledgement.subject = 'We received your message';
    broken.acknowledgement.intro = 'Case {case} is open: {reference}';
    const files = Object.fromEntries(
      TEMPLATE_LANGUAGES.map((language) => [language, templatesFor(language)]),
    );
    let error: unknown;
    try {
      loadTemplates({ ...files, en: broken });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TemplateValidationError);
    const problems = (error as TemplateValidationError).problems;
    expect(problems).toContain('en: acknowledgement.subject: must contain {reference}');
    expect(
      problems.some((problem) => problem.startsWith('en: acknowledgement.intro: unknown placeholder {case}')),
    ).toBe(true);
  });

  it('rejects a set of templates with a language missing', () => {
    const { hi: _hindi, ...rest } = Object.fromEntries(
      TEMPLATE_LANGUAGES.map((language) => [language, templatesFor(language)]),
    );
    expect(() => loadTemplates(rest)).toThrow(/hi: no template file/);
  });

  it('fills the case reference and leaves other text alone', () => {
    expect(fillTemplate('Case {reference} ({reference})', { reference: 'CR-0123456789' })).toBe(
      'Case CR-0123456789 (CR-0123456789)',
    );
  });

  it('prefers a preferred language, then the detected one, and falls back to English and Spanish', () => {
    expect(memberLanguages({ preferredLanguage: 'pt-BR', caseLanguage: 'es' })).toEqual(['pt']);
    expect(memberLanguages({ preferredLanguage: 'xx', caseLanguage: 'vi' })).toEqual(['vi']);
    expect(memberLanguages({ caseLanguage: 'zh', script: 'Hant' })).toEqual(['zh-Hant']);
    expect(memberLanguages({ preferredLanguage: 'zh-TW', caseLanguage: 'en' })).toEqual(['zh-Hant']);
    expect(memberLanguages({ preferredLanguage: 'fil', caseLanguage: 'en' })).toEqual(['tl']);
    expect(memberLanguages({ caseLanguage: 'und' })).toEqual(['en', 'es']);
    expect(memberLanguages({ caseLanguage: 'sw' })).toEqual(['en', 'es']);
  });

  it('shows a due time in the reader’s language and time zone, naming the zone', () => {
    const at = new Date('2026-12-07T20:00:00Z');
    expect(formatInstant(at, templatesFor('en'), 'America/Chicago')).toBe(
      'Monday, December 7, 2026 at 2:00 PM (Central Standard Time)',
    );
    expect(formatInstant(at, templatesFor('de'), 'Europe/Berlin')).toContain(
      'Montag, 7. Dezember 2026 um 21:00',
    );
    expect(formatInstant(at, templatesFor('ht'), 'America/Port-au-Prince')).toBe('07/12/2026 15:00 (UTC−5)');
  });
});
