/**
 * The n-gram score table as an open-addressed hash table in one Uint32Array, three words a slot: the key packed
 * into two words (see keyLow/keyHigh) and 1 + the offset of its `[count, (languageIndex, score) × count]` record
 * in the model's entries (0: empty slot). Built once by scripts/build-language-model.mjs and shipped in the
 * model, so a cold start only decodes it; each look-up reads one slot (a binary search over sorted string keys
 * cost a handful of cache misses per n-gram, and n-gram look-ups are most of the detector's work).
 */

/** Slots: a power of two, at least twice the key count (61 k keys today). */
export const NGRAM_SLOT_BITS = 17;
const SLOT_MASK = (1 << NGRAM_SLOT_BITS) - 1;
const SLOT_WORDS = 3;
/** Keys are Latin-1 strings of 2–6 characters: eld's byte 4-grams with word-boundary spaces. */
const MIN_KEY_LENGTH = 2;
const MAX_KEY_LENGTH = 6;

/** The first four characters of a key, a byte each. */
function keyLow(key: string): number {
  return (
    ((key.charCodeAt(0) & 0xff) |
      ((key.charCodeAt(1) & 0xff) << 8) |
      ((key.charCodeAt(2) & 0xff) << 16) |
      ((key.charCodeAt(3) & 0xff) << 24)) >>>
    0
  );
}

/** Characters five and six and the length (missing characters read as 0; the length tells them apart). */
function keyHigh(key: string): number {
  return (key.charCodeAt(4) & 0xff) | ((key.charCodeAt(5) & 0xff) << 8) | (key.length << 16);
}

function firstSlot(low: number, high: number): number {
  let hash = Math.imul(low ^ Math.imul(high, 0x9e3779b1), 0x85ebca6b);
  hash ^= hash >>> 15;
  return hash & SLOT_MASK;
}

function isKey(key: string): boolean {
  if (key.length < MIN_KEY_LENGTH || key.length > MAX_KEY_LENGTH) return false;
  for (let index = 0; index < key.length; index++) if (key.charCodeAt(index) > 0xff) return false;
  return true;
}

/** Build the table; `offsets[i]` is where key i's record starts in the entries. */
export function buildNgramHashTable(keys: readonly string[], offsets: readonly number[]): Uint32Array {
  if (keys.length * 2 > 1 << NGRAM_SLOT_BITS) throw new Error('too many n-gram keys for the table');
  const table = new Uint32Array((1 << NGRAM_SLOT_BITS) * SLOT_WORDS);
  keys.forEach((key, index) => {
    if (!isKey(key)) throw new Error(`n-gram key ${JSON.stringify(key)} is not 2–6 Latin-1 characters`);
    const low = keyLow(key);
    const high = keyHigh(key);
    let slot = firstSlot(low, high);
    while (table[slot * SLOT_WORDS + 2] !== 0) slot = (slot + 1) & SLOT_MASK;
    table[slot * SLOT_WORDS] = low;
    table[slot * SLOT_WORDS + 1] = high;
    table[slot * SLOT_WORDS + 2] = (offsets[index] ?? 0) + 1;
  });
  return table;
}

/** The table's size in words, for checking a decoded model. */
export const NGRAM_TABLE_WORDS = (1 << NGRAM_SLOT_BITS) * SLOT_WORDS;

/**
 * A decoded table is usable: every offset points inside the entries, and at least one slot is empty (a look-up
 * of an unknown n-gram stops at an empty slot; a full table would probe for ever).
 */
export function ngramTableFits(table: Uint32Array, entryBytes: number): boolean {
  let empty = 0;
  for (let slot = 0; slot < table.length; slot += SLOT_WORDS) {
    const offset = table[slot + 2] ?? 0;
    if (offset === 0) empty++;
    else if (offset > entryBytes) return false;
  }
  return empty > 0;
}

/** Where an n-gram's record starts in the entries, or -1 when the table does not hold it. */
export function ngramOffsetIn(table: Uint32Array, ngram: string): number {
  // The detector's n-grams are byte characters already (see byteNgrams.ts): only the length needs a check.
  if (ngram.length < MIN_KEY_LENGTH || ngram.length > MAX_KEY_LENGTH) return -1;
  const low = keyLow(ngram);
  const high = keyHigh(ngram);
  for (let slot = firstSlot(low, high); ; slot = (slot + 1) & SLOT_MASK) {
    const base = slot * SLOT_WORDS;
    const offset = table[base + 2] ?? 0;
    if (offset === 0) return -1;
    if (table[base] === low && table[base + 1] === high) return offset - 1;
  }
}
