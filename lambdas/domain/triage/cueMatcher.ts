import { cleanSubject, foldForMatching } from './prepareText.js';

/**
 * A compiled set of weighted cues, matched against folded text in one pass over its tokens
 * (space-delimited scripts) plus a substring scan for scripts written without spaces or with
 * attached clitics (Han, Kana, Hangul, Arabic, Devanagari).
 */

interface CueToken {
  text: string;
  prefix: boolean;
  /** For an inflection stem: the longest word it may match. */
  maxLength?: number;
}

/** Languages whose words inflect at the end: a cue word also matches its case/number endings. */
const INFLECTING = new Set(['es', 'pt', 'fr', 'it', 'de', 'pl', 'ru']);
const STEM_MIN = 6;
const STEM_EXTRA = 3;
const STEM_FINAL = /[aeiouyаеиоуыэюяь]$/u;

export interface Cue<L extends string> {
  label: L;
  /** The lexicon's language (ISO 639-1), when known. */
  language?: string;
  /** The cue as written in the lexicon, for evidence. */
  source: string;
  weight: number;
  tokens: CueToken[];
  /** An idiom: its words must be adjacent (see parseCue). */
  adjacent?: boolean;
}

export interface CueMatch<L extends string> {
  cue: Cue<L>;
  /** Character span in the folded text. */
  start: number;
  end: number;
}

export interface Token {
  text: string;
  start: number;
  end: number;
  /** Vocabulary ids of `text` and of its first PREFIX_KEY characters (-1: no matcher indexes it). */
  textId: number;
  prefixId: number;
  /** The vocabulary size the ids were looked up at: a matcher built later adds keys, and they are looked up again. */
  vocabularySize: number;
}

/**
 * Every key any matcher indexes, with a small id. A message is read by several matchers (topic, expedited,
 * programs): with ids a token is looked up once for all of them, and each matcher's index is a plain array.
 * An open-addressed table of FNV hashes rather than a Map: a token's three-character prefix is looked up
 * without cutting it out as a string, and a look-up reads one small typed array.
 */
class Vocabulary {
  private readonly words: string[] = [];
  private slots = new Int32Array(1 << 12).fill(-1);
  /** Each slot's full hash: most probes are settled here, without reading the word. */
  private slotHashes = new Int32Array(1 << 12);

  get size(): number {
    return this.words.length;
  }

  /** The id of a key, added if new. */
  idOf(key: string): number {
    const found = this.find(key, key.length);
    if (found >= 0) return found;
    const id = this.words.length;
    this.words.push(key);
    if (this.words.length * 2 > this.slots.length) this.rehash();
    else this.place(key, id);
    return id;
  }

  /** The id of `text`'s first `length` characters, or -1. */
  find(text: string, length: number): number {
    return this.findHashed(text, length, hashOf(text, length));
  }

  /** As `find`, with the hash (`mixed(fnvState(text, length))`) already computed. */
  findHashed(text: string, length: number, hash: number): number {
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const id = this.slots[slot] ?? -1;
      if (id < 0) return -1;
      if (this.slotHashes[slot] !== hash) continue;
      const word = this.words[id] ?? '';
      if (word.length === length && (length === text.length ? word === text : text.startsWith(word)))
        return id;
    }
  }

  private place(key: string, id: number): void {
    const mask = this.slots.length - 1;
    const hash = hashOf(key, key.length);
    let slot = hash & mask;
    while ((this.slots[slot] ?? -1) >= 0) slot = (slot + 1) & mask;
    this.slots[slot] = id;
    this.slotHashes[slot] = hash;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    this.slotHashes = new Int32Array(this.slots.length);
    this.words.forEach((word, id) => {
      this.place(word, id);
    });
  }
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a of the first `length` characters, with a final mix so the low bits spread. */
function hashOf(text: string, length: number): number {
  let state = FNV_OFFSET;
  for (let index = 0; index < length; index++) state = Math.imul(state ^ text.charCodeAt(index), FNV_PRIME);
  return mixed(state);
}

function mixed(state: number): number {
  const hash = state ^ (state >>> 15);
  return (Math.imul(hash, 0x2c1b3c6d) ^ (hash >>> 12)) | 0;
}

const vocabulary = new Vocabulary();

/** Both ids of a token from one pass over its characters: the prefix's hash is a step of the whole word's. */
function lookUp(token: Token): void {
  if (token.vocabularySize === vocabulary.size) return;
  const { text } = token;
  let state = FNV_OFFSET;
  token.prefixId = -1;
  for (let index = 0; index < text.length; index++) {
    state = Math.imul(state ^ text.charCodeAt(index), FNV_PRIME);
    if (index === PREFIX_KEY - 1) token.prefixId = vocabulary.findHashed(text, PREFIX_KEY, mixed(state));
  }
  token.textId = vocabulary.findHashed(text, text.length, mixed(state));
  token.vocabularySize = vocabulary.size;
}

function tokenOf(text: string, start: number): Token {
  return { text, start, end: start + text.length, textId: -1, prefixId: -1, vocabularySize: -1 };
}

const SUBSTRING_SCRIPT =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Arabic}\p{Script=Devanagari}]/u;
// Scripts split tokens: "Medicare号码" is two words, not one.
const WORD =
  /[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}\p{N}\p{M}]+|[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Arabic}\p{Script=Devanagari}\p{M}]+|[\p{L}\p{M}]+/gu;
/** Words a multi-word cue may skip between its words ("refill my prescription" for "refill prescription"). */
const MAX_GAP = 1;
const PREFIX_KEY = 3;

const NON_ASCII = /[^\n\t\r -~]/;

/**
 * Calls `visit` with the span of every run of `a–z`/`0–9` in folded ASCII text: the words of both the cue
 * matchers and the topic model (topicModel.ts) on the common all-ASCII message.
 */
export function forEachAsciiWord(folded: string, visit: (start: number, end: number) => void): void {
  let start = -1;
  for (let index = 0; index <= folded.length; index++) {
    const code = index < folded.length ? folded.charCodeAt(index) : 0;
    const word = (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
    if (word && start < 0) start = index;
    else if (!word && start >= 0) {
      visit(start, index);
      start = -1;
    }
  }
}

function tokenizeAscii(folded: string): Token[] {
  const tokens: Token[] = [];
  forEachAsciiWord(folded, (start, end) => {
    tokens.push(tokenOf(folded.slice(start, end), start));
  });
  return tokens;
}

/** A message's subject and member text folded and tokenized once, shared by every detector. */
export interface FoldedMessage {
  text: string;
  tokens: Token[];
  /** Characters of `text` that belong to the subject (matches before it count as subject words). */
  subjectEnd: number;
}

export function foldMessage(subject: string, matchText: string): FoldedMessage {
  const foldedSubject = foldForMatching(cleanSubject(subject));
  const text = `${foldedSubject}\n${matchText}`;
  return { text, tokens: tokenize(text), subjectEnd: foldedSubject.length };
}

export function tokenize(folded: string): Token[] {
  if (!NON_ASCII.test(folded)) return tokenizeAscii(folded);
  const tokens: Token[] = [];
  for (const match of folded.matchAll(WORD)) {
    tokens.push(tokenOf(match[0], match.index));
  }
  return tokens;
}

/**
 * A lexicon entry: `phrase` or `phrase=weight`; `word*` matches a prefix; a phrase in double quotes is an idiom
 * whose words must be adjacent (`"cuanto antes"`, as soon as possible, must not match "cuánto pagaría antes",
 * how much would I pay before).
 */
function parseCue<L extends string>(label: L, entry: string, language?: string): Cue<L> | undefined {
  const [quotedPhrase = '', weightText] = entry.split('=');
  const adjacent = quotedPhrase.length > 2 && quotedPhrase.startsWith('"') && quotedPhrase.endsWith('"');
  const phrase = adjacent ? quotedPhrase.slice(1, -1) : quotedPhrase;
  const weight = weightText === undefined ? 2 : Number(weightText);
  const folded = foldForMatching(phrase).trim();
  if (!folded || !Number.isFinite(weight)) return undefined;
  const tag = language === undefined ? {} : { language };
  if (SUBSTRING_SCRIPT.test(folded))
    return { label, ...tag, source: phrase, weight, tokens: [{ text: folded, prefix: false }] };
  const tokens = folded
    .split(/[^\p{L}\p{M}\p{N}*]+/u)
    .filter(Boolean)
    .map((word) =>
      word.endsWith('*') ? { text: word.slice(0, -1), prefix: true } : { text: word, prefix: false },
    );
  if (tokens.length === 0 || !tokens[0]?.text) return undefined;
  return { label, ...tag, source: phrase, weight, tokens, ...(adjacent ? { adjacent } : {}) };
}

export class CueMatcher<L extends string> {
  /** Cues by the vocabulary id of their first word (dense arrays: ids are small integers). */
  private readonly exact: (Cue<L>[] | undefined)[];
  /** Prefix cues by the vocabulary id of their first three characters. */
  private readonly prefixes: (Cue<L>[] | undefined)[];
  /** Prefix cues whose head is shorter than three characters, by that head. */
  private readonly shortPrefixes = new Map<string, Cue<L>[]>();
  private readonly shortPrefixLengths: number[];
  private readonly substrings: Cue<L>[] = [];

  constructor(entries: Iterable<[L, string] | [L, string, string]>) {
    const lengths = new Set<number>();
    const exact = new Map<number, Cue<L>[]>();
    const prefixes = new Map<number, Cue<L>[]>();
    for (const [label, entry, language] of entries) {
      const cue = parseCue(label, entry, language);
      if (!cue) continue;
      const head = cue.tokens[0];
      if (!head) continue;
      if (cue.tokens.length === 1 && SUBSTRING_SCRIPT.test(head.text)) {
        this.substrings.push(cue);
        continue;
      }
      for (const variant of withStem(cue)) {
        const first = variant.tokens[0];
        if (!first) continue;
        if (first.prefix && first.text.length < PREFIX_KEY) {
          const list = this.shortPrefixes.get(first.text) ?? [];
          list.push(variant);
          this.shortPrefixes.set(first.text, list);
          lengths.add(first.text.length);
          continue;
        }
        const id = vocabulary.idOf(first.prefix ? first.text.slice(0, PREFIX_KEY) : first.text);
        const index = first.prefix ? prefixes : exact;
        const list = index.get(id) ?? [];
        list.push(variant);
        index.set(id, list);
      }
    }
    this.shortPrefixLengths = [...lengths].sort((a, b) => a - b);
    this.exact = Array.from({ length: vocabulary.size }, (_, id) => exact.get(id));
    this.prefixes = Array.from({ length: vocabulary.size }, (_, id) => prefixes.get(id));
  }

  /** All cue matches in folded text; a match inside a longer match is dropped. */
  match(folded: string, tokens: Token[] = tokenize(folded)): CueMatch<L>[] {
    const found: CueMatch<L>[] = [];
    for (let index = 0; index < tokens.length; index++) {
      const token = tokens[index];
      if (!token) continue;
      lookUp(token);
      const candidates = token.textId < 0 ? undefined : this.exact[token.textId];
      if (candidates) this.matchAt(tokens, index, candidates, found);
      const keyed = token.prefixId < 0 ? undefined : this.prefixes[token.prefixId];
      if (keyed) this.matchAt(tokens, index, keyed, found, token.text);
      for (const length of this.shortPrefixLengths) {
        if (length > token.text.length) break;
        const list = this.shortPrefixes.get(token.text.slice(0, length));
        if (list) this.matchAt(tokens, index, list, found);
      }
    }
    if (this.substrings.length > 0 && SUBSTRING_SCRIPT.test(folded)) {
      for (const cue of this.substrings) {
        const needle = cue.tokens[0]?.text ?? '';
        let at = folded.indexOf(needle);
        while (at >= 0) {
          found.push({ cue, start: at, end: at + needle.length });
          at = folded.indexOf(needle, at + needle.length);
        }
      }
    }
    return dropContained(found);
  }

  private matchAt(
    tokens: Token[],
    index: number,
    cues: Cue<L>[],
    found: CueMatch<L>[],
    startsWith?: string,
  ): void {
    const first = tokens[index];
    if (!first) return;
    for (const cue of cues) {
      const head = cue.tokens[0];
      if (startsWith !== undefined && !startsWith.startsWith(head?.text ?? '\u0000')) continue;
      if (head?.maxLength !== undefined && first.text.length > head.maxLength) continue;
      let position = index;
      let ok = true;
      for (let part = 1; part < cue.tokens.length && ok; part++) {
        const want = cue.tokens[part];
        if (!want) break;
        ok = false;
        for (let step = 1; step <= (cue.adjacent ? 0 : MAX_GAP) + 1; step++) {
          const next = tokens[position + step];
          if (!next) break;
          if (want.prefix ? next.text.startsWith(want.text) : next.text === want.text) {
            position += step;
            ok = true;
            break;
          }
        }
      }
      const last = tokens[position];
      if (ok && last) found.push({ cue, start: first.start, end: last.end });
    }
  }
}

/**
 * A one-word cue of an inflecting language also matches as a stem (its last letter dropped, up to
 * three letters added): "алкоголь" matches "алкоголем", "dañado" matches "dañada".
 */
function withStem<L extends string>(cue: Cue<L>): Cue<L>[] {
  const head = cue.tokens[0];
  if (!head || cue.tokens.length !== 1 || head.prefix || !cue.language || !INFLECTING.has(cue.language))
    return [cue];
  // Endings replace a final vowel ("dañado" → "dañada", "алкоголь" → "алкоголем"); a final consonant
  // is part of the word ("pharmacien" must not become "pharmacie").
  if (head.text.length < STEM_MIN || !STEM_FINAL.test(head.text)) return [cue];
  const stem: CueToken = {
    text: head.text.slice(0, -1),
    prefix: true,
    maxLength: head.text.length + STEM_EXTRA,
  };
  return [cue, { ...cue, tokens: [stem] }];
}

const MAX_MATCHES = 2_000;

function dropContained<L extends string>(all: CueMatch<L>[]): CueMatch<L>[] {
  if (all.length < 2) return all;
  // Bounded work on pathological input (a 64 KB body repeating one cue).
  const matches = all.length > MAX_MATCHES ? all.slice(0, MAX_MATCHES) : all;
  return matches.filter(
    (match) =>
      !matches.some(
        (other) =>
          other !== match &&
          other.start <= match.start &&
          other.end >= match.end &&
          other.end - other.start > match.end - match.start,
      ),
  );
}
