import { describe, expect, it } from 'vitest';
import {
  buildNgramHashTable,
  ngramOffsetIn,
  ngramTableFits,
} from '../../../lambdas/domain/triage/language/ngramTable.js';

describe('n-gram hash table', () => {
  const keys = [' the', 'the ', ' de ', 'ção ', ' ab', 'ab', '\u00ff\u00fe\u00fd\u00fc\u00fb\u00fa'];
  const offsets = keys.map((_, index) => index * 5);
  const table = buildNgramHashTable(keys, offsets);

  it('finds every key at its offset', () => {
    keys.forEach((key, index) => {
      expect(ngramOffsetIn(table, key)).toBe(offsets[index]);
    });
  });

  it('tells keys apart that share their first four characters or differ only in length', () => {
    expect(ngramOffsetIn(table, ' ab')).toBe(20);
    expect(ngramOffsetIn(table, ' ab ')).toBe(-1);
    expect(ngramOffsetIn(table, 'the')).toBe(-1);
    expect(ngramOffsetIn(table, '\u00ff\u00fe\u00fd\u00fc\u00fb')).toBe(-1);
  });

  it('answers -1 for unknown keys and for keys of an impossible length', () => {
    expect(ngramOffsetIn(table, 'zzzz')).toBe(-1);
    expect(ngramOffsetIn(table, 'a')).toBe(-1);
    expect(ngramOffsetIn(table, 'abcdefg')).toBe(-1);
  });

  it('refuses keys it cannot pack', () => {
    expect(() => buildNgramHashTable(['toolong!'], [0])).toThrow(/2–6 Latin-1/);
    expect(() => buildNgramHashTable(['中文'], [0])).toThrow(/2–6 Latin-1/);
  });

  it('tells a usable table from a corrupt one', () => {
    expect(ngramTableFits(table, 100)).toBe(true);
    expect(ngramTableFits(table, 10)).toBe(false);
    expect(ngramTableFits(new Uint32Array(table.length).fill(1), 100)).toBe(false);
  });
});
