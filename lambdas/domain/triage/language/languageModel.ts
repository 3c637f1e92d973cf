import { SUPPORTED_LANGUAGES, type SupportedLanguage } from '../taxonomy.js';
import { BloomFilter } from './bloomFilter.js';
import rawModel from './language.model.json' with { type: 'json' };

// The model file is checked by hand rather than with zod: zod alone adds ~40 ms to every cold start.
class LanguageModelFormatError extends Error {
  constructor(field: string) {
    super(
      `language.model.json: ${field} is missing or malformed; rebuild it with scripts/build-language-model.mjs`,
    );
    this.name = 'LanguageModelFormatError';
  }
}

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fieldsOf(value: unknown, field: string): Fields {
  if (!isFields(value)) throw new LanguageModelFormatError(field);
  return value;
}

function stringOf(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new LanguageModelFormatError(field);
  return value;
}

/** Model text is stored as base64 so the bundled model stays ASCII (see scripts/build-language-model.mjs). */
function base64TextOf(value: unknown, field: string, encoding: 'latin1' | 'utf8'): string {
  return Buffer.from(stringOf(value, field), 'base64').toString(encoding);
}

function positiveIntegerOf(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
    throw new LanguageModelFormatError(field);
  return value;
}

function languageOf(value: unknown, field: string): SupportedLanguage {
  const found = SUPPORTED_LANGUAGES.find((language) => language === value);
  if (found === undefined) throw new LanguageModelFormatError(field);
  return found;
}

/** The decoded model: built once per cold start, read-only afterwards. */
export interface LanguageModel {
  /** Languages of the n-gram table; index `ngramLanguages.length` is "another Latin-script language". */
  ngramLanguages: readonly SupportedLanguage[];
  byteCharacters: string;
  /** n-gram keys in code-unit order; `ngramOffsets[i]` points at key i's `[count, (languageIndex, score) × count]`. */
  ngramKeys: readonly string[];
  /** For the first two characters of a key (`c0 << 8 | c1`, both Latin-1): where its keys start in `ngramKeys`. */
  ngramPrefixStarts: Uint32Array;
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

const PREFIX_BUCKETS = 1 << 16;

/** Keys are Latin-1 strings of at least two characters, so this fits 16 bits and sorts like the keys. */
function prefixOf(key: string): number {
  return ((key.charCodeAt(0) & 0xff) << 8) | (key.charCodeAt(1) & 0xff);
}

function decodeModel(input: unknown): LanguageModel {
  const file = fieldsOf(input, 'model');
  if (file.format !== 3) throw new LanguageModelFormatError('format');
  const ngramLanguagesField = file.ngramLanguages;
  if (!Array.isArray(ngramLanguagesField)) throw new LanguageModelFormatError('ngramLanguages');
  const ngramLanguages = ngramLanguagesField.map((language) => languageOf(language, 'ngramLanguages'));
  const ngrams = fieldsOf(file.ngrams, 'ngrams');
  const byteCharacters = base64TextOf(ngrams.byteCharacters, 'ngrams.byteCharacters', 'latin1');
  if (byteCharacters.length !== 256) throw new LanguageModelFormatError('ngrams.byteCharacters');
  const ngramEntries = new Uint8Array(Buffer.from(stringOf(ngrams.entries, 'ngrams.entries'), 'base64'));
  // A sorted array and binary search instead of a Map: building a 120 k-entry Map costs ~60 ms per cold start.
  const ngramKeys = base64TextOf(ngrams.keys, 'ngrams.keys', 'latin1').split('\t');
  const ngramOffsets = new Uint32Array(ngramKeys.length);
  let offset = 0;
  for (let index = 0; index < ngramKeys.length; index++) {
    ngramOffsets[index] = offset;
    offset += 1 + 2 * (ngramEntries[offset] ?? 0);
  }
  if (offset !== ngramEntries.length) throw new LanguageModelFormatError('ngrams.entries');
  // Two-character buckets narrow each binary search from ~17 steps to ~5; the table costs ~1 ms to build.
  const ngramPrefixStarts = new Uint32Array(PREFIX_BUCKETS + 1);
  let bucket = 0;
  let previousPrefix = 0;
  for (let index = 0; index < ngramKeys.length; index++) {
    const prefix = prefixOf(ngramKeys[index] ?? '');
    if (prefix < previousPrefix) throw new LanguageModelFormatError('ngrams.keys (not sorted)');
    previousPrefix = prefix;
    while (bucket <= prefix) ngramPrefixStarts[bucket++] = index;
  }
  while (bucket <= PREFIX_BUCKETS) ngramPrefixStarts[bucket++] = ngramKeys.length;
  const lexicons = Object.entries(fieldsOf(file.lexicons, 'lexicons')).map(([language, value]) => {
    const field = `lexicons.${language}`;
    const lexicon = fieldsOf(value, field);
    const bits = new Uint8Array(Buffer.from(stringOf(lexicon.bits, `${field}.bits`), 'base64'));
    const bitCount = positiveIntegerOf(lexicon.bitCount, `${field}.bitCount`);
    if (bits.length * 8 < bitCount) throw new LanguageModelFormatError(`${field}.bits`);
    const filter = new BloomFilter(bits, bitCount, positiveIntegerOf(lexicon.hashes, `${field}.hashes`));
    return { language: languageOf(language, field), filter };
  });
  const han = fieldsOf(file.han, 'han');
  return {
    ngramLanguages,
    byteCharacters,
    ngramKeys,
    ngramPrefixStarts,
    ngramOffsets,
    ngramEntries,
    lexicons,
    haitianWords: new Set(base64TextOf(file.haitianWords, 'haitianWords', 'utf8').split(' ')),
    haitianFunctionWords: new Set(
      base64TextOf(file.haitianFunctionWords, 'haitianFunctionWords', 'utf8').split(' '),
    ),
    simplifiedOnly: new Set(base64TextOf(han.simplifiedOnly, 'han.simplifiedOnly', 'utf8')),
    traditionalOnly: new Set(base64TextOf(han.traditionalOnly, 'han.traditionalOnly', 'utf8')),
  };
}

/** Where an n-gram's scores start in `ngramEntries`, or -1 when the model does not know it. */
export function ngramOffsetOf(model: LanguageModel, ngram: string): number {
  const prefix = prefixOf(ngram);
  let low = model.ngramPrefixStarts[prefix] ?? 0;
  let high = (model.ngramPrefixStarts[prefix + 1] ?? 0) - 1;
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
