// The JSON file, or its binary sidecar in a deployed bundle: see "imports" in package.json.
import rawModel from '#triage/language-model';
import { modelBytesOf } from '../modelBytes.js';
import { SUPPORTED_LANGUAGES, type SupportedLanguage } from '../taxonomy.js';
import { BloomFilter } from './bloomFilter.js';
import { NGRAM_TABLE_WORDS, ngramOffsetIn, ngramTableFits } from './ngramTable.js';

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

function bytesOf(value: unknown, field: string): Uint8Array {
  const bytes = modelBytesOf(value);
  if (bytes === undefined) throw new LanguageModelFormatError(field);
  return bytes;
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
  /** n-gram key → offset of its `[count, (languageIndex, score) × count]` in `ngramEntries` (see ngramTable.ts). */
  ngramTable: Uint32Array;
  ngramEntries: Uint8Array;
  lexicons: ReadonlyArray<{ language: SupportedLanguage; filter: BloomFilter }>;
  /** Haitian Creole words no other lexicon knows. */
  haitianWords: ReadonlySet<string>;
  /** Frequent Haitian Creole function words, many shared with other languages. */
  haitianFunctionWords: ReadonlySet<string>;
  simplifiedOnly: ReadonlySet<string>;
  traditionalOnly: ReadonlySet<string>;
}

/** The platform's byte order: the n-gram table is stored little-endian and viewed in place. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function ngramTableOf(value: unknown, entryBytes: number): Uint32Array {
  const bytes = bytesOf(value, 'ngrams.table');
  if (!LITTLE_ENDIAN || bytes.length !== NGRAM_TABLE_WORDS * 4)
    throw new LanguageModelFormatError('ngrams.table');
  // Large decoded base64 owns its memory from offset 0 and sidecar sections are 8-byte aligned; copy only if
  // this one does not start on a word boundary.
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : Uint8Array.from(bytes);
  const table = new Uint32Array(aligned.buffer, aligned.byteOffset, NGRAM_TABLE_WORDS);
  if (!ngramTableFits(table, entryBytes)) throw new LanguageModelFormatError('ngrams.table');
  return table;
}

/** Decode and check the model file; byte fields may be base64 text or bytes (see modelBytes.ts). */
export function decodeLanguageModel(input: unknown): LanguageModel {
  const file = fieldsOf(input, 'model');
  if (file.format !== 4) throw new LanguageModelFormatError('format');
  const ngramLanguagesField = file.ngramLanguages;
  if (!Array.isArray(ngramLanguagesField)) throw new LanguageModelFormatError('ngramLanguages');
  const ngramLanguages = ngramLanguagesField.map((language) => languageOf(language, 'ngramLanguages'));
  const ngrams = fieldsOf(file.ngrams, 'ngrams');
  const byteCharacters = base64TextOf(ngrams.byteCharacters, 'ngrams.byteCharacters', 'latin1');
  if (byteCharacters.length !== 256) throw new LanguageModelFormatError('ngrams.byteCharacters');
  const ngramEntries = bytesOf(ngrams.entries, 'ngrams.entries');
  const ngramTable = ngramTableOf(ngrams.table, ngramEntries.length);
  const lexicons = Object.entries(fieldsOf(file.lexicons, 'lexicons')).map(([language, value]) => {
    const field = `lexicons.${language}`;
    const lexicon = fieldsOf(value, field);
    const bits = bytesOf(lexicon.bits, `${field}.bits`);
    const bitCount = positiveIntegerOf(lexicon.bitCount, `${field}.bitCount`);
    if (bits.length * 8 < bitCount) throw new LanguageModelFormatError(`${field}.bits`);
    const filter = new BloomFilter(bits, bitCount, positiveIntegerOf(lexicon.hashes, `${field}.hashes`));
    return { language: languageOf(language, field), filter };
  });
  const han = fieldsOf(file.han, 'han');
  return {
    ngramLanguages,
    byteCharacters,
    ngramTable,
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
  return ngramOffsetIn(model.ngramTable, ngram);
}

/** Loaded at module load so the cost falls on the cold start, never on a message. */
export const languageModel: LanguageModel = decodeLanguageModel(rawModel);
