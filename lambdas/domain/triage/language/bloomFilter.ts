/** FNV-1a over UTF-16 code units; scripts/build-language-model.mjs hashes with the same function. */
export function fnv1a(text: string, seed: number): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The two base hashes of a word, computed once and probed against every language's filter. */
export interface WordHashes {
  first: number;
  second: number;
}

export function hashWord(word: string): WordHashes {
  return { first: fnv1a(word, 0), second: fnv1a(word, 0x9e3779b9) | 1 };
}

/** A Bloom filter of word forms: "maybe present" with a small false-positive rate, "absent" for sure. */
export class BloomFilter {
  /** Maps a uint32 probe onto [0, bitCount) by multiplication; must match scripts/build-language-model.mjs. */
  private readonly scale: number;

  constructor(
    private readonly bits: Uint8Array,
    bitCount: number,
    private readonly hashCount: number,
  ) {
    this.scale = bitCount / 4294967296;
  }

  mayContain(hashes: WordHashes): boolean {
    for (let index = 0; index < this.hashCount; index++) {
      const position = Math.floor(((hashes.first + Math.imul(index, hashes.second)) >>> 0) * this.scale);
      if (((this.bits[position >>> 3] ?? 0) & (1 << (position & 7))) === 0) return false;
    }
    return true;
  }
}
