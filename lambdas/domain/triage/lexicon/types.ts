import type { Topic } from '../taxonomy.js';

/**
 * A lexicon for one language: per topic, cue strings in the form `words[=weight]`.
 * A trailing `*` on a word matches any word it starts (`appeal*` matches `appealed`).
 * Weight 3 decides on its own, 2 is a good sign, 1 only supports; negative weights count against.
 * Cues in scripts without spaces (Han, Kana, Hangul, Arabic, Devanagari) match as substrings.
 */
export type Lexicon = Partial<Record<Topic, readonly string[]>>;
