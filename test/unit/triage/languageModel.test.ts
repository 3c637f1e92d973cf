import { describe, expect, it } from 'vitest';
import { hashWord } from '../../../lambdas/domain/triage/language/bloomFilter.js';
import rawModel from '../../../lambdas/domain/triage/language/language.model.json' with { type: 'json' };
import { decodeLanguageModel, languageModel } from '../../../lambdas/domain/triage/language/languageModel.js';

const bytes = (base64: string) => Uint8Array.from(Buffer.from(base64, 'base64'));

/** The model file with its byte fields as bytes, as a bundle's sidecar gives them (lambdas/adapters/models). */
function withByteFields(): Record<string, unknown> {
  return {
    ...rawModel,
    ngrams: {
      ...rawModel.ngrams,
      table: bytes(rawModel.ngrams.table),
      entries: bytes(rawModel.ngrams.entries),
    },
    lexicons: Object.fromEntries(
      Object.entries(rawModel.lexicons).map(([language, lexicon]) => [
        language,
        { ...lexicon, bits: bytes(lexicon.bits) },
      ]),
    ),
  };
}

/** Byte-wise equality of two typed arrays (toEqual walks megabytes element by element). */
function sameBytes(first: ArrayBufferView, second: ArrayBufferView): boolean {
  const view = (array: ArrayBufferView) => Buffer.from(array.buffer, array.byteOffset, array.byteLength);
  return view(first).equals(view(second));
}

const WORDS = ['the', 'medication', 'medicamento', 'receita', 'pharmacie', 'rezept', 'lekarstwo', 'qzxvbnk'];

describe('language model decoding', () => {
  it('decodes byte fields given as bytes as it decodes their base64', () => {
    const { ngramTable, ngramEntries, lexicons, ...rest } = decodeLanguageModel(withByteFields());
    const { ngramTable: table, ngramEntries: entries, lexicons: filters, ...expected } = languageModel;
    expect(rest).toEqual(expected);
    expect(sameBytes(ngramTable, table)).toBe(true);
    expect(sameBytes(ngramEntries, entries)).toBe(true);
    const answers = (lexicon: typeof lexicons) =>
      lexicon.map(({ language, filter }) => [
        language,
        WORDS.map((word) => filter.mayContain(hashWord(word))),
      ]);
    expect(answers(lexicons)).toEqual(answers(filters));
  });

  it('copies an n-gram table that does not start on a word boundary instead of failing', () => {
    const table = bytes(rawModel.ngrams.table);
    const unaligned = new Uint8Array(table.length + 1).subarray(1);
    unaligned.set(table);
    const model = decodeLanguageModel({
      ...withByteFields(),
      ngrams: { ...rawModel.ngrams, table: unaligned },
    });
    expect(sameBytes(model.ngramTable, languageModel.ngramTable)).toBe(true);
  });

  it('rejects byte fields that are neither base64 text nor bytes, or of the wrong length', () => {
    const model = withByteFields();
    const ngrams = model.ngrams as Record<string, unknown>;
    expect(() => decodeLanguageModel({ ...model, ngrams: { ...ngrams, entries: 42 } })).toThrow(
      /language.model.json: ngrams.entries/,
    );
    const table = ngrams.table as Uint8Array;
    expect(() => decodeLanguageModel({ ...model, ngrams: { ...ngrams, table: table.subarray(4) } })).toThrow(
      /language.model.json: ngrams.table/,
    );
    const lexicons = { ...rawModel.lexicons, en: { ...rawModel.lexicons.en, bits: new Uint8Array(8) } };
    expect(() => decodeLanguageModel({ ...model, lexicons })).toThrow(
      /language.model.json: lexicons.en.bits/,
    );
  });
});
