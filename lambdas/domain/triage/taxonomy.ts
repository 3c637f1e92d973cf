import * as z from '../zodMini.js';

/** Topic taxonomy: a contract (see DESIGN.md); other tools and tests rely on these ids. */
export const TOPICS = [
  'appeal',
  'coverage',
  'refill',
  'delivery',
  'lost_damaged',
  'billing',
  'account',
  'clinical',
  'international',
  'complaint',
  'privacy_fraud',
  'other',
] as const;
export const TopicSchema = z.enum(TOPICS);
export type Topic = z.infer<typeof TopicSchema>;

/** A score per topic, all zero: the starting point of every classifier's tally. */
export function zeroTopicScores(): Record<Topic, number> {
  // A literal, not built from TOPICS: every message builds several tallies, and an object literal of a fixed
  // shape is far cheaper than Object.fromEntries. The return type still makes a missing topic a compile error.
  return {
    appeal: 0,
    coverage: 0,
    refill: 0,
    delivery: 0,
    lost_damaged: 0,
    billing: 0,
    account: 0,
    clinical: 0,
    international: 0,
    complaint: 0,
    privacy_fraud: 0,
    other: 0,
  };
}

export const PROGRAMS = ['medicare_part_d', 'specialty'] as const;
export const ProgramSchema = z.enum(PROGRAMS);
export type Program = z.infer<typeof ProgramSchema>;

export const PII_TYPES = ['SSN', 'MBI', 'CARD', 'DOB', 'PHONE', 'EMAIL'] as const;
export const PiiTypeSchema = z.enum(PII_TYPES);
export type PiiType = z.infer<typeof PiiTypeSchema>;

/** The languages the desk supports (ISO 639-1); `und` when the text cannot tell. */
export const SUPPORTED_LANGUAGES = [
  'en',
  'es',
  'pt',
  'zh',
  'ko',
  'tl',
  'ja',
  'fr',
  'de',
  'vi',
  'it',
  'ru',
  'ar',
  'hi',
  'pl',
  'ht',
] as const;
export type SupportedLanguage = (typeof SUPPORTED_LANGUAGES)[number];
export type LanguageCode = SupportedLanguage | 'und';
