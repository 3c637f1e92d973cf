import { z } from 'zod';
import type { SupportedLanguage } from '../taxonomy.js';
import { BloomFilter } from './bloomFilter.js';
import rawModel from './language.model.json' with { type: 'json' };

const LanguageCodeSchema = z.enum([
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
]);

const LexiconSchema = z.object({
  bitCount: z.number().int().positive(),
  hashes: z.number().int().positive(),
  bits: z.string(),
});

const LanguageModelFileSchema = z.object({
  format: z.literal(1),
  ngramLanguages: z.array(LanguageCodeSchema),
  ngrams: z.object({ byteCharacters: z.string().length(256), keys: z.string(), entries: z.string() }),
  lexicons: z.partialRecord(LanguageCodeSchema, LexiconSchema),
  haitianWords: z.string(),
  haitianFunctionWords: z.string(),
  han: z.object({ simplifiedOnly: z.string(), traditionalOnly: z.string() }),
});

/** The decoded model: built once per cold start, read-only afterwards. */
export interface LanguageModel {
  ngramLanguages: readonly SupportedLanguage[];
  byteCharacters: string;
  /** n-gram keys in code-unit order; `ngramOffsets[i]` points at key i's `[count, (languageIndex, score) × count]`. */
  ngramKeys: readonly string[];
  ngramOffsets: Uint32Array;
  ngramEntries: Uint8Array;
  lexicons: ReadonlyArray<{ language: SupportedLanguage; filter: BloomFilter }>;
  /** Haitian Creole words no other lexicon knows. */
  haitianWords: ReadonlySet<string>;
  /** Frequent Haitian Creole function words, many shared with other languages. */
  haitianFunctionWords: ReadonlySet<string>;
  simplifiedOnly: ReadonlySet<string>;
  traditionalOnly: ReadonlySet<string>;
}

function decodeModel(input: unknown): LanguageModel {
  const file = LanguageModelFileSchema.parse(input);
  const ngramEntries = new Uint8Array(Buffer.from(file.ngrams.entries, 'base64'));
  // A sorted array and binary search instead of a Map: building a 120 k-entry Map costs ~60 ms per cold start.
  const ngramKeys = file.ngrams.keys.split('\t');
  const ngramOffsets = new Uint32Array(ngramKeys.length);
  let offset = 0;
  for (let index = 0; index < ngramKeys.length; index++) {
    ngramOffsets[index] = offset;
    offset += 1 + 2 * (ngramEntries[offset] ?? 0);
  }
  if (offset !== ngramEntries.length) throw new Error('language model n-gram table is inconsistent');
  const lexicons = Object.entries(file.lexicons).flatMap(([language, lexicon]) => {
    const code = LanguageCodeSchema.parse(language);
    if (lexicon === undefined) return [];
    const bits = new Uint8Array(Buffer.from(lexicon.bits, 'base64'));
    return [{ language: code, filter: new BloomFilter(bits, lexicon.bitCount, lexicon.hashes) }];
  });
  return {
    ngramLanguages: file.ngramLanguages,
    byteCharacters: file.ngrams.byteCharacters,
    ngramKeys,
    ngramOffsets,
    ngramEntries,
    lexicons,
    haitianWords: new Set(file.haitianWords.split(' ')),
    haitianFunctionWords: new Set(file.haitianFunctionWords.split(' ')),
    simplifiedOnly: new Set(file.han.simplifiedOnly),
    traditionalOnly: new Set(file.han.traditionalOnly),
  };
}

/** Where an n-gram's scores start in `ngramEntries`, or -1 when the model does not know it. */
export function ngramOffsetOf(model: LanguageModel, ngram: string): number {
  let low = 0;
  let high = model.ngramKeys.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const key = model.ngramKeys[middle] ?? '';
    if (key < ngram) low = middle + 1;
    else if (key > ngram) high = middle - 1;
    else return model.ngramOffsets[middle] ?? -1;
  }
  return -1;
}

/** Loaded at module load so the cost falls on the cold start, never on a message. */
export const languageModel: LanguageModel = decodeModel(rawModel);
