// Text → byte n-grams exactly as eld 2.1.0 (Apache-2.0, © 2023 Nito T.M., npmjs.com/package/eld) builds them,
// because the n-gram scores in language.model.json come from eld's table and only match its features.

const SEPARATORS = /[^\p{L}]+(?<!['`\u2019])/gu;
/** eld stops a text at the first space after 350 bytes; we read further because longer text is worth it. */
const SOFT_BYTE_LIMIT = 900;
const HARD_BYTE_LIMIT = 1000;

/**
 * Lower-cased words, each as a string of byte characters: eld's table (256 characters, shipped in the model)
 * turns every UTF-8 byte into one character, so n-gram keys stay plain strings.
 */
export function toByteWords(text: string, byteCharacters: string): string[] {
  const byteCharacter = (byte: number): string => byteCharacters[byte] ?? ' ';
  const normalized = text.replace(SEPARATORS, ' ').trim().toLowerCase();
  const words: string[] = [];
  let encoded = '';
  let byteCount = 0;
  for (let index = 0; index < normalized.length; index++) {
    let code = normalized.charCodeAt(index);
    if (code < 0x80) {
      if (code === 32) {
        if (encoded !== '') words.push(encoded);
        encoded = '';
        if (byteCount > SOFT_BYTE_LIMIT) break;
      } else {
        encoded += normalized[index];
      }
      byteCount += 1;
    } else if (code < 0x800) {
      encoded += byteCharacter(0xc0 | (code >> 6)) + byteCharacter(0x80 | (code & 0x3f));
      byteCount += 2;
    } else if (code < 0xd800 || code >= 0xe000) {
      encoded +=
        byteCharacter(0xe0 | (code >> 12)) +
        byteCharacter(0x80 | ((code >> 6) & 0x3f)) +
        byteCharacter(0x80 | (code & 0x3f));
      byteCount += 3;
    } else {
      index++;
      code = 0x10000 + (((code & 0x3ff) << 10) | (normalized.charCodeAt(index) & 0x3ff));
      encoded +=
        byteCharacter(0xf0 | (code >> 18)) +
        byteCharacter(0x80 | ((code >> 12) & 0x3f)) +
        byteCharacter(0x80 | ((code >> 6) & 0x3f)) +
        byteCharacter(0x80 | (code & 0x3f));
      byteCount += 4;
    }
    if (byteCount > HARD_BYTE_LIMIT) break;
  }
  if (encoded !== '') words.push(encoded);
  return words;
}

/** The distinct 4-byte n-grams (stride 3, with word-start and word-end markers) of the words. */
export function byteNgramsOf(words: readonly string[]): Set<string> {
  const ngrams = new Set<string>();
  for (const word of words) {
    const length = Math.min(word.length, 70);
    let start = 0;
    for (; start + 4 < length; start += 3) {
      ngrams.add((start === 0 ? ' ' : '') + word.substring(start, start + 4));
    }
    ngrams.add(`${start === 0 ? ' ' : ''}${word.substring(length !== 3 ? length - 4 : 0)} `);
  }
  return ngrams;
}
