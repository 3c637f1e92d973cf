import { SUPPORTED_LANGUAGES, type SupportedLanguage } from '../taxonomy.js';
import type { LanguageHints } from '../types.js';

/** Language names a web form or a mail client may send instead of a code (English and native names). */
const LANGUAGE_NAMES: Record<string, SupportedLanguage> = {
  english: 'en',
  spanish: 'es',
  español: 'es',
  espanol: 'es',
  portuguese: 'pt',
  português: 'pt',
  portugues: 'pt',
  chinese: 'zh',
  mandarin: 'zh',
  cantonese: 'zh',
  中文: 'zh',
  korean: 'ko',
  한국어: 'ko',
  tagalog: 'tl',
  filipino: 'tl',
  japanese: 'ja',
  日本語: 'ja',
  french: 'fr',
  français: 'fr',
  francais: 'fr',
  german: 'de',
  deutsch: 'de',
  vietnamese: 'vi',
  'tiếng việt': 'vi',
  italian: 'it',
  italiano: 'it',
  russian: 'ru',
  русский: 'ru',
  arabic: 'ar',
  العربية: 'ar',
  hindi: 'hi',
  हिन्दी: 'hi',
  polish: 'pl',
  polski: 'pl',
  haitian: 'ht',
  'haitian creole': 'ht',
  kreyòl: 'ht',
  kreyol: 'ht',
  'kreyòl ayisyen': 'ht',
  creole: 'ht',
};

/** Where the country alone suggests a routing language (ISO 3166-1 alpha-2). Weakest hint of all. */
const COUNTRY_LANGUAGES: Record<string, SupportedLanguage> = {
  US: 'en',
  GB: 'en',
  CA: 'en',
  AU: 'en',
  IE: 'en',
  NZ: 'en',
  MX: 'es',
  ES: 'es',
  AR: 'es',
  CO: 'es',
  CL: 'es',
  PE: 'es',
  VE: 'es',
  EC: 'es',
  GT: 'es',
  CU: 'es',
  DO: 'es',
  PR: 'es',
  HN: 'es',
  SV: 'es',
  NI: 'es',
  CR: 'es',
  PA: 'es',
  UY: 'es',
  PY: 'es',
  BO: 'es',
  BR: 'pt',
  PT: 'pt',
  AO: 'pt',
  MZ: 'pt',
  CN: 'zh',
  TW: 'zh',
  HK: 'zh',
  MO: 'zh',
  SG: 'zh',
  KR: 'ko',
  PH: 'tl',
  JP: 'ja',
  FR: 'fr',
  BE: 'fr',
  DE: 'de',
  AT: 'de',
  CH: 'de',
  VN: 'vi',
  IT: 'it',
  RU: 'ru',
  SA: 'ar',
  EG: 'ar',
  AE: 'ar',
  MA: 'ar',
  JO: 'ar',
  IQ: 'ar',
  IN: 'hi',
  PL: 'pl',
  HT: 'ht',
};
const TRADITIONAL_CHINESE_COUNTRIES = new Set(['TW', 'HK', 'MO']);

const SUPPORTED: ReadonlySet<string> = new Set(SUPPORTED_LANGUAGES);

function isSupported(code: string): code is SupportedLanguage {
  return SUPPORTED.has(code);
}

/** A BCP 47 tag (`es-MX`, `zh-Hant-TW`, `hat`) or a language name → a routing language, if any. */
function languageOf(value: string | undefined): SupportedLanguage | undefined {
  if (value === undefined) return undefined;
  const first = value.split(',')[0]?.trim().toLowerCase() ?? '';
  const named = LANGUAGE_NAMES[first];
  if (named !== undefined) return named;
  const primary = first.split(/[-_;]/)[0] ?? '';
  if (primary === 'hat') return 'ht';
  if (primary === 'fil' || primary === 'tgl') return 'tl';
  return isSupported(primary) ? primary : undefined;
}

function isTraditionalTag(value: string | undefined): boolean {
  return value !== undefined && /\bzh[-_](?:hant|tw|hk|mo)\b/i.test(value);
}

export interface ParsedHints {
  /** Hinted languages, strongest first: Content-Language, then the form's preferred language, then country. */
  languages: SupportedLanguage[];
  traditionalChinese: boolean;
}

export function languageHintsOf(hints: LanguageHints): ParsedHints {
  const country = hints.country?.trim().toUpperCase();
  const languages = [
    languageOf(hints.contentLanguage),
    languageOf(hints.preferredLanguage),
    country === undefined ? undefined : COUNTRY_LANGUAGES[country],
  ].filter((language): language is SupportedLanguage => language !== undefined);
  const traditionalChinese =
    isTraditionalTag(hints.contentLanguage) ||
    isTraditionalTag(hints.preferredLanguage) ||
    (country !== undefined && TRADITIONAL_CHINESE_COUNTRIES.has(country));
  return { languages, traditionalChinese };
}
