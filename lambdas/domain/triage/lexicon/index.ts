import { AR } from './ar.js';
import { DE } from './de.js';
import { EN } from './en.js';
import { ES } from './es.js';
import { FR } from './fr.js';
import { HI } from './hi.js';
import { HT } from './ht.js';
import { IT } from './it.js';
import { JA } from './ja.js';
import { KO } from './ko.js';
import { PL } from './pl.js';
import { PT } from './pt.js';
import { RU } from './ru.js';
import { TL } from './tl.js';
import type { Lexicon } from './types.js';
import { VI } from './vi.js';
import { ZH } from './zh.js';

export type { Lexicon } from './types.js';

/** Every topic lexicon, keyed by ISO 639-1 language. Cues match whatever language is detected. */
export const TOPIC_LEXICONS: Record<string, Lexicon> = {
  en: EN,
  es: ES,
  pt: PT,
  fr: FR,
  de: DE,
  it: IT,
  pl: PL,
  ru: RU,
  vi: VI,
  tl: TL,
  ht: HT,
  zh: ZH,
  ja: JA,
  ko: KO,
  ar: AR,
  hi: HI,
};
