import { hashWord } from './language/bloomFilter.js';
import { byteNgramsOf, toByteWords } from './language/byteNgrams.js';
import { languageHintsOf } from './language/hints.js';
import { languageModel, ngramOffsetOf } from './language/languageModel.js';
import type { SupportedLanguage } from './taxonomy.js';
import type { LanguageDetection, LanguageHints } from './types.js';

/** Work is capped so a 1 MB paste costs the same as a long e-mail: the first 8 K characters decide. */
const SAMPLE_CHARACTERS = 8192;
/**
 * Latin-script text longer than two samples of this length is first scored on its closing alone: scoring costs a
 * memory look-up per n-gram and word, and a message says its language in any few sentences. The closing, not the
 * opening: what comes first is where English creeps into a message in another language (a "Re: Your order has
 * shipped" subject, "Hello," or "My mother asked me to write for her:"), while quotes, signatures and
 * disclaimers after the member's words are cut before this runs. Below EARLY_CONFIDENCE the whole text is scored.
 */
const EARLY_SAMPLE_CHARACTERS = 160;
const EARLY_CONFIDENCE = 0.9;
/** Words looked up in the lexicons; more adds cost, not accuracy. */
const MAX_LEXICON_WORDS = 200;
/**
 * Weight of the lexicon evidence (share of words a language's dictionary knows) against eld's mean n-gram
 * score (≈ 50–250). Chosen on a development set built from the UDHR texts, never on the Lingua test files.
 */
const LEXICON_WEIGHT = 40;
/** Below this share of dictionary words in a text of at least this many words, it is another language. */
const MIN_WORDS_FOR_UNSUPPORTED = 6;
const MIN_LEXICON_SHARE = 0.25;
/** Above this ratio of other-language to routing-language n-gram score, text of a few words is `und`. */
const MAX_OTHER_LANGUAGE_RATIO = 1.5;
const MAX_LEXICON_SHARE_OF_OTHER_LANGUAGE = 0.5;
const MIN_WORDS_FOR_OTHER_LANGUAGE = 4;
/** Softmax temperature that turns score gaps into a confidence; a gap of ~3 T reads as near-certain. */
const CONFIDENCE_TEMPERATURE = 12;
/** Scores this close (as a confidence) are a tie that a hint may break. */
const TIE_CONFIDENCE = 0.6;

const URL = /\b(?:https?:\/\/|www\.)\S+/giu;
const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
const DOMAIN = /\b(?:[a-z0-9-]+\.)+(?:com|org|net|gov|edu|io|us|info|biz)\b\S*/giu;
/** Numbers and Latin alphanumeric codes (order, Rx and member numbers); CJK text around digits survives. */
// Starts only where a run of letters and digits starts (the look-behind): the same matches, without the engine
// retrying from every character inside every word.
const CODES = /(?<![\p{Script=Latin}\p{Nd}])[\p{Script=Latin}]*\p{Nd}+[\p{Script=Latin}\p{Nd}]*/gu;
/** Subject prefixes that mail clients add ("Re:", "Fwd:", "AW:", "RV:", "Odp:"): not the member's words. */
const REPLY_PREFIXES = /^(?:\s*(?:re|fwd?|aw|wg|rv|tr|sv|vs|enc|res|odp|ynt|antw)\s*:)+/gimu;
const DOMAIN_HINT = /\.(?:com|org|net|gov|edu|io|us|info|biz)\b/iu;
const DIGIT = /\p{Nd}/u;
/** Combining marks and conjoining jamo: text that needs NFC before dictionary look-ups (Vietnamese, Korean). */
const DECOMPOSED = /[\u0300-\u036f\u1100-\u11ff]/u;
const LATIN_WORD = /[\p{Script=Latin}\p{M}]+/gu;

// Non-ASCII letters are written as escapes: an ASCII-only bundle is decoded and compiled faster at cold start.

/** Cyrillic letters Russian never uses (Ukrainian, Belarusian, Serbian, Macedonian): і ї є ґ ў ј љ њ ћ ђ џ ѓ ќ ѕ. */
const NON_RUSSIAN_CYRILLIC =
  /[\u0456\u0457\u0454\u0491\u045e\u0458\u0459\u045a\u045b\u0452\u045f\u0453\u045c\u0455]/giu;
/**
 * Arabic-script letters of Persian and Urdu sounds that Arabic lacks (پ چ ژ گ ٹ ڈ ڑ ں ے).
 * Keheh (ک) and Farsi yeh (ی) are left out on purpose: Arabic typed on a Persian keyboard is full of them.
 */
const PERSIAN_URDU_LETTERS = /[\u067e\u0686\u0698\u06af\u0679\u0688\u0691\u06ba\u06d2]/gu;

const LATIN_LANGUAGES: ReadonlySet<SupportedLanguage> = new Set([
  'en',
  'es',
  'pt',
  'fr',
  'de',
  'it',
  'pl',
  'tl',
  'vi',
]);

interface ScriptCounts {
  latin: number;
  cyrillic: number;
  arabic: number;
  devanagari: number;
  hangul: number;
  kana: number;
  han: number;
  other: number;
}

/** Removes what is not the member's own words: links, addresses, numbers and codes. */
function memberWords(text: string): string {
  let words = text.slice(0, SAMPLE_CHARACTERS).replace(REPLY_PREFIXES, ' ');
  // Each step runs only when its cheap pre-check fires: most messages have no link, address or number, and
  // these regular expressions are most of the per-message cost otherwise.
  if (DECOMPOSED.test(words)) words = words.normalize('NFC');
  if (words.includes('://') || words.includes('www.')) words = words.replace(URL, ' ');
  if (words.includes('@')) words = words.replace(EMAIL, ' ');
  if (DOMAIN_HINT.test(words)) words = words.replace(DOMAIN, ' ');
  if (DIGIT.test(words)) words = words.replace(CODES, ' ');
  return words;
}

function countScripts(text: string): ScriptCounts {
  const counts: ScriptCounts = {
    latin: 0,
    cyrillic: 0,
    arabic: 0,
    devanagari: 0,
    hangul: 0,
    kana: 0,
    han: 0,
    other: 0,
  };
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    if ((code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a)) counts.latin++;
    else if (code < 0xc0) continue;
    else if (code <= 0x24f || (code >= 0x1e00 && code <= 0x1eff)) {
      if (code !== 0xd7 && code !== 0xf7) counts.latin++;
    } else if (code >= 0x400 && code <= 0x52f) counts.cyrillic++;
    else if (
      (code >= 0x600 && code <= 0x6ff) ||
      (code >= 0x750 && code <= 0x77f) ||
      (code >= 0xfb50 && code <= 0xfeff)
    )
      counts.arabic++;
    else if (code >= 0x900 && code <= 0x97f) counts.devanagari++;
    else if (
      (code >= 0xac00 && code <= 0xd7af) ||
      (code >= 0x1100 && code <= 0x11ff) ||
      (code >= 0x3130 && code <= 0x318f)
    )
      counts.hangul++;
    else if (
      (code >= 0x3040 && code <= 0x30ff) ||
      (code >= 0x31f0 && code <= 0x31ff) ||
      (code >= 0xff66 && code <= 0xff9f)
    )
      counts.kana++;
    else if (
      (code >= 0x4e00 && code <= 0x9fff) ||
      (code >= 0x3400 && code <= 0x4dbf) ||
      (code >= 0x20000 && code <= 0x3134f)
    )
      counts.han++;
    else if (/\p{L}/u.test(character)) counts.other++;
  }
  return counts;
}

function countMatches(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}

/** Letters of another language of the same script, often enough not to be a typo or a borrowed name. */
function isForeignShare(foreignLetters: number, scriptLetters: number): boolean {
  return foreignLetters >= 2 && foreignLetters > 0.01 * scriptLetters;
}

/** Bulgarian writes ъ as a vowel and has no ы or э, which any Russian sentence of some length uses. */
function looksBulgarian(text: string, cyrillicLetters: number): boolean {
  return (
    cyrillicLetters >= 30 &&
    countMatches(text, /[\u044b\u044d]/giu) === 0 &&
    countMatches(text, /\u044a/giu) >= 2
  );
}

/** Confidence that grows with the amount of text: one word is weak evidence even when it is unambiguous. */
function lengthFactor(letters: number): number {
  return Math.min(1, 0.25 + letters / 40);
}

function chineseScript(text: string, hints: LanguageHints): 'Hans' | 'Hant' {
  let simplified = 0;
  let traditional = 0;
  for (const character of text) {
    if (languageModel.simplifiedOnly.has(character)) simplified++;
    else if (languageModel.traditionalOnly.has(character)) traditional++;
  }
  if (traditional > simplified) return 'Hant';
  if (simplified > traditional) return 'Hans';
  return languageHintsOf(hints).traditionalChinese ? 'Hant' : 'Hans';
}

interface Candidate {
  language: SupportedLanguage;
  score: number;
}

/** eld's mean n-gram score per language plus the lexicon evidence, for Latin-script text. */
interface LatinScores {
  candidates: Candidate[];
  wordCount: number;
  /** Share of words only Haitian Creole uses. */
  haitianShare: number;
  /** Share of frequent Haitian function words that other languages share. */
  haitianFunctionShare: number;
  bestLexiconShare: number;
  /** n-gram score of the best other Latin-script language (Dutch, Turkish, …) over the best routing language's. */
  otherLanguageRatio: number;
}

function scoreLatin(text: string): LatinScores {
  const model = languageModel;
  const ngrams = byteNgramsOf(toByteWords(text, model.byteCharacters));
  // One slot per routing language plus a last one for eld's other Latin-script languages.
  const totals = new Float64Array(model.ngramLanguages.length + 1);
  for (const ngram of ngrams) {
    const offset = ngramOffsetOf(model, ngram);
    if (offset < 0) continue;
    const count = model.ngramEntries[offset] ?? 0;
    for (let entry = 0; entry < count; entry++) {
      const languageIndex = model.ngramEntries[offset + 1 + 2 * entry] ?? 0;
      // eld stores scores minus 53 to keep them in a byte.
      totals[languageIndex] =
        (totals[languageIndex] ?? 0) + (model.ngramEntries[offset + 2 + 2 * entry] ?? 0) + 53;
    }
  }
  const words = (text.match(LATIN_WORD) ?? []).filter((word) => word.length >= 2).slice(0, MAX_LEXICON_WORDS);
  const lexiconHits = new Uint16Array(model.lexicons.length);
  let haitianHits = 0;
  let haitianFunctionHits = 0;
  let unknownNames = 0;
  for (const word of words) {
    const lowerCase = word.toLowerCase();
    const hashes = hashWord(lowerCase);
    let known = false;
    // A plain loop: a callback that sets `known` would keep it on the heap, once per word.
    for (let lexiconIndex = 0; lexiconIndex < model.lexicons.length; lexiconIndex++) {
      if (!model.lexicons[lexiconIndex]?.filter.mayContain(hashes)) continue;
      lexiconHits[lexiconIndex] = (lexiconHits[lexiconIndex] ?? 0) + 1;
      known = true;
    }
    if (model.haitianWords.has(lowerCase)) haitianHits++;
    else if (model.haitianFunctionWords.has(lowerCase)) haitianFunctionHits++;
    else if (!known && lowerCase !== word) unknownNames++;
  }
  // Capitalised words no dictionary knows are names: drugs, doctors, towns. They say nothing about the language,
  // so shares are taken over the other words ("Humira Enbrel Stelara refill please" is English, not foreign).
  const wordCount = Math.max(1, words.length - unknownNames);
  const ngramCount = Math.max(1, ngrams.size);
  const candidates: Candidate[] = [];
  let bestLexiconShare = 0;
  let bestNgramTotal = 0;
  model.ngramLanguages.forEach((language, index) => {
    if (!LATIN_LANGUAGES.has(language)) return;
    const lexiconIndex = model.lexicons.findIndex((lexicon) => lexicon.language === language);
    const lexiconShare = lexiconIndex < 0 ? 0 : (lexiconHits[lexiconIndex] ?? 0) / wordCount;
    bestLexiconShare = Math.max(bestLexiconShare, lexiconShare);
    bestNgramTotal = Math.max(bestNgramTotal, totals[index] ?? 0);
    const score = (totals[index] ?? 0) / ngramCount + LEXICON_WEIGHT * lexiconShare;
    candidates.push({ language, score });
  });
  return {
    candidates,
    wordCount: words.length - unknownNames,
    haitianShare: haitianHits / wordCount,
    haitianFunctionShare: haitianFunctionHits / wordCount,
    bestLexiconShare,
    otherLanguageRatio: (totals[model.ngramLanguages.length] ?? 0) / Math.max(1, bestNgramTotal),
  };
}

function softmaxTop(candidates: readonly Candidate[]): {
  best: Candidate;
  runnerUp: Candidate | undefined;
  confidence: number;
} {
  const sorted = [...candidates].sort((left, right) => right.score - left.score);
  const best = sorted[0] ?? { language: 'en', score: 0 };
  let sum = 0;
  for (const candidate of sorted) sum += Math.exp((candidate.score - best.score) / CONFIDENCE_TEMPERATURE);
  return { best, runnerUp: sorted[1], confidence: 1 / sum };
}

function detectLatin(text: string, letters: number, hints: LanguageHints): LanguageDetection {
  const { candidates, wordCount, haitianShare, haitianFunctionShare, bestLexiconShare, otherLanguageRatio } =
    scoreLatin(text);
  if (candidates.every((candidate) => candidate.score === 0) && haitianShare === 0) {
    return { language: 'und', confidence: 0 };
  }
  // Haitian Creole has no n-gram table. Once words that only Kreyòl uses are present, Kreyòl competes on the
  // same footing as the dictionaries: the share of words it knows, function words included.
  const haitianTotalShare = haitianShare + haitianFunctionShare;
  if (haitianShare >= 0.1 && haitianTotalShare >= Math.max(0.5, bestLexiconShare)) {
    return { language: 'ht', confidence: round(Math.min(0.99, haitianTotalShare * lengthFactor(letters))) };
  }
  // Another language, two tests measured on the UDHR development texts:
  // - eld's other Latin-script languages score ≤ 0.9 of the best routing language on routing-language text and
  //   1.5–6 times it on Dutch, Swedish, Turkish, Czech, Catalan…; web text with names and loanwords can tip the
  //   ratio, so the dictionaries must also find the text foreign;
  // - a sentence in a routing language has ≥ 0.4 of its words in that language's dictionary; languages eld does
  //   not know either (Somali, Swahili, Latin) reach 0.1–0.25 by chance.
  const otherLanguage =
    wordCount >= MIN_WORDS_FOR_OTHER_LANGUAGE &&
    otherLanguageRatio > MAX_OTHER_LANGUAGE_RATIO &&
    bestLexiconShare < MAX_LEXICON_SHARE_OF_OTHER_LANGUAGE;
  if (otherLanguage || (wordCount >= MIN_WORDS_FOR_UNSUPPORTED && bestLexiconShare < MIN_LEXICON_SHARE)) {
    return { language: 'und', confidence: 0.1 };
  }
  const { best, runnerUp, confidence } = softmaxTop(candidates);
  const hinted = languageHintsOf(hints).languages;
  if (confidence < TIE_CONFIDENCE && runnerUp !== undefined) {
    const close = candidates.filter((candidate) => best.score - candidate.score <= CONFIDENCE_TEMPERATURE);
    const preferred = hinted.find((language) => close.some((candidate) => candidate.language === language));
    if (preferred !== undefined)
      return { language: preferred, confidence: round(confidence * lengthFactor(letters)) };
  }
  return { language: best.language, confidence: round(confidence * lengthFactor(letters)) };
}

/** The last EARLY_SAMPLE_CHARACTERS of text, cut forward to the next word boundary. */
function closingOf(text: string): string {
  const start = text.length - EARLY_SAMPLE_CHARACTERS;
  const cut = text.indexOf(' ', start);
  return text.slice(cut >= 0 && cut < start + EARLY_SAMPLE_CHARACTERS / 2 ? cut + 1 : start);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/**
 * Detects the language of a member's message (ISO 639-1) with a confidence in 0..1, and the Chinese script.
 * Script decides where only one routing language writes it (Korean, Japanese kana, Chinese, Russian, Arabic,
 * Hindi); Latin-script text is scored with eld's n-grams plus per-language dictionaries. Hints only break ties.
 * Never throws: text that cannot tell yields `und` with confidence 0.
 */
export function detectLanguage(text: string, hints: LanguageHints = {}): LanguageDetection {
  if (typeof text !== 'string' || text.length === 0) return { language: 'und', confidence: 0 };
  const words = memberWords(text);
  const counts = countScripts(words);
  const cjk = counts.han + counts.kana + counts.hangul;
  const groups: Array<[keyof ScriptCounts | 'cjk', number]> = [
    ['latin', counts.latin],
    ['cyrillic', counts.cyrillic],
    ['arabic', counts.arabic],
    ['devanagari', counts.devanagari],
    ['cjk', cjk],
    ['other', counts.other],
  ];
  groups.sort((left, right) => right[1] - left[1]);
  const [dominant, dominantLetters] = groups[0] ?? ['other', 0];
  const letters = groups.reduce((sum, [, count]) => sum + count, 0);
  if (dominantLetters === 0) return { language: 'und', confidence: 0 };
  const purity = dominantLetters / letters;
  // CJK characters carry a word each, so a handful of them is as telling as a Latin sentence.
  const certainty = (letterWeight: number) =>
    round(Math.min(0.99, purity * lengthFactor(dominantLetters * letterWeight)));
  switch (dominant) {
    case 'cjk': {
      // A stray Hangul or kana character in Chinese text (a brand, an emoticon) does not make it Korean or Japanese.
      if (counts.hangul >= counts.kana && counts.hangul >= 0.3 * cjk) {
        return { language: 'ko', confidence: certainty(3) };
      }
      if (counts.kana > 0 && counts.kana >= 0.05 * (counts.kana + counts.han)) {
        return { language: 'ja', confidence: certainty(3) };
      }
      return { language: 'zh', confidence: certainty(3), script: chineseScript(words, hints) };
    }
    case 'cyrillic':
      if (
        isForeignShare(countMatches(words, NON_RUSSIAN_CYRILLIC), counts.cyrillic) ||
        looksBulgarian(words, counts.cyrillic)
      ) {
        return { language: 'und', confidence: 0.2 };
      }
      return { language: 'ru', confidence: certainty(1) };
    case 'arabic':
      if (isForeignShare(countMatches(words, PERSIAN_URDU_LETTERS), counts.arabic))
        return { language: 'und', confidence: 0.2 };
      return { language: 'ar', confidence: certainty(1) };
    case 'devanagari':
      return { language: 'hi', confidence: certainty(1) };
    case 'latin': {
      if (words.length > 2 * EARLY_SAMPLE_CHARACTERS) {
        const closing = closingOf(words);
        const early = detectLatin(closing, countScripts(closing).latin, hints);
        if (early.confidence >= EARLY_CONFIDENCE) return early;
      }
      return detectLatin(words, counts.latin, hints);
    }
    default:
      return { language: 'und', confidence: 0 };
  }
}
