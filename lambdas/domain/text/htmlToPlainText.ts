import { decodeHTML } from 'entities';
import { Tokenizer, type TokenizerCallbacks } from 'htmlparser2';

/**
 * HTML to plain text for mail bodies and triage, in one pass over htmlparser2's tokenizer.
 *
 * Why the tokenizer and not htmlparser2's `Parser` or a DOM: the parser keeps its open elements in
 * an array it `unshift`s and searches on every end tag, so 200,000 nested `<div>`s take 12 s and a
 * run of unmatched end tags 8 s. Here every token costs O(1): the only state is a few counters
 * and a list stack capped at {@link MAX_TRACKED_LISTS}, so any input converts in linear time.
 *
 * What the triage relies on: block elements end lines (paragraphs and headings with a blank
 * line), list items start with `- ` or `1. `, table cells are separated by a space, blockquoted
 * lines start with `> ` (the quote stripper cuts them), links keep their text, character
 * references are decoded, and script, style, head, title and template content is dropped.
 */

export interface HtmlToPlainTextOptions {
  /** Stop producing text past this many characters (the input is still read in linear time). */
  maxChars?: number;
}

const MAX_TRACKED_LISTS = 32;
const MAX_QUOTE_PREFIX_DEPTH = 8;
const LONGEST_INTERESTING_TAG = 'blockquote'.length;
const QUOTE_PREFIXES = Array.from({ length: MAX_QUOTE_PREFIX_DEPTH + 1 }, (_, depth) => '> '.repeat(depth));

/** Content nobody reads: dropped with everything inside. */
const HIDDEN = new Set(['script', 'style', 'head', 'title', 'template', 'noembed', 'noframes']);
/** Line breaks before and after. */
const LINE_BLOCKS = new Set([
  'address',
  'article',
  'aside',
  'center',
  'dd',
  'details',
  'dialog',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'header',
  'hr',
  'legend',
  'li',
  'main',
  'nav',
  'option',
  'section',
  'summary',
  'tbody',
  'tfoot',
  'thead',
  'tr',
]);
/** A blank line before and after. */
const PARAGRAPH_BLOCKS = new Set([
  'blockquote',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'ol',
  'p',
  'pre',
  'table',
  'ul',
]);
const CELLS = new Set(['td', 'th']);
/** Whitespace HTML collapses, plus the no-break space (a space for matching). */
const COLLAPSIBLE_SPACE = /[ \t\n\r\f\u00a0]+/g;
/** Control characters a character reference can produce; tab and new line stay. */
const CONTROL = /[^\P{Cc}\n\t]|[\ufffd\ufeff]/gu;
const HAS_CONTROL = /[^\P{Cc}\n\t]|[\ufffd\ufeff]/u;
const HAS_COLLAPSIBLE_SPACE = /[ \t\n\r\f\u00a0]/;

class PlainTextWriter {
  #text = '';
  readonly #maxChars: number;
  #length = 0;
  /** Line breaks owed before the next text: 0, 1 (new line) or 2 (blank line). */
  #pendingBreaks = 0;
  #pendingSpace = false;
  #lineHasText = false;
  #endsWithSpace = false;
  quoteDepth = 0;

  constructor(maxChars: number) {
    this.#maxChars = maxChars;
  }

  get full(): boolean {
    return this.#length >= this.#maxChars;
  }

  /** Ends the line (1) or the paragraph (2); breaks never pile up and never lead the text. */
  lineBreak(count: 1 | 2 = 1): void {
    if (this.#length === 0) return;
    this.#pendingSpace = false;
    this.#pendingBreaks = Math.max(this.#pendingBreaks, count);
    this.#lineHasText = false;
  }

  /** `<br>`: ends the line; a second one on an empty line makes a blank line. */
  hardBreak(): void {
    if (this.#length === 0) return;
    this.#pendingSpace = false;
    this.#pendingBreaks = this.#lineHasText
      ? Math.max(1, this.#pendingBreaks)
      : Math.min(2, this.#pendingBreaks + 1);
    this.#lineHasText = false;
  }

  space(): void {
    if (this.#lineHasText && !this.#endsWithSpace) this.#pendingSpace = true;
  }

  /** Collapsed text (HTML whitespace rules). */
  text(raw: string): void {
    if (raw.length === 0 || this.full) return;
    if (!HAS_COLLAPSIBLE_SPACE.test(raw)) {
      this.#emit(raw);
      return;
    }
    const collapsed = raw.replace(COLLAPSIBLE_SPACE, ' ');
    const words = collapsed.trim();
    if (collapsed.startsWith(' ')) this.space();
    if (words.length === 0) return;
    this.#emit(words);
    if (collapsed.endsWith(' ')) this.space();
  }

  /** Preformatted text: kept as written, each line still quoted inside a blockquote. */
  preformatted(raw: string): void {
    if (raw.length === 0 || this.full) return;
    const lines = raw.replace(/\r\n?/g, '\n').split('\n');
    for (let index = 0; index < lines.length; index++) {
      if (index > 0) this.hardBreak();
      const line = lines[index] ?? '';
      if (line.length > 0) this.#emit(line.replace(/\u00a0/g, ' '));
    }
  }

  /** A list bullet or number at the start of the current line. */
  marker(text: string): void {
    if (!this.full) this.#emit(text);
  }

  #emit(content: string): void {
    if (this.#pendingBreaks > 0) {
      this.#push('\n'.repeat(this.#pendingBreaks));
      this.#pendingBreaks = 0;
      this.#pendingSpace = false;
    }
    if (!this.#lineHasText && this.quoteDepth > 0) {
      this.#push(QUOTE_PREFIXES[Math.min(this.quoteDepth, MAX_QUOTE_PREFIX_DEPTH)] ?? '');
    } else if (this.#pendingSpace) {
      this.#push(' ');
    }
    this.#pendingSpace = false;
    this.#push(HAS_CONTROL.test(content) ? content.replace(CONTROL, ' ') : content);
    this.#lineHasText = true;
    this.#endsWithSpace = content.endsWith(' ');
  }

  #push(piece: string): void {
    const room = this.#maxChars - this.#length;
    if (room <= 0) return;
    const kept = piece.length > room ? piece.slice(0, room) : piece;
    this.#text += kept;
    this.#length += kept.length;
  }

  toString(): string {
    return this.#text;
  }
}

interface ListState {
  ordered: boolean;
  next: number;
}

/** Converts HTML to plain text in time linear in its length. Never throws. */
export function htmlToPlainText(html: string, options: HtmlToPlainTextOptions = {}): string {
  if (typeof html !== 'string' || html.length === 0) return '';
  const out = new PlainTextWriter(options.maxChars ?? Number.POSITIVE_INFINITY);
  const hidden = new Map<string, number>();
  let hiddenTotal = 0;
  let preDepth = 0;
  /** Open lists, innermost last; deeper nesting than the cap only counts. */
  const lists: ListState[] = [];
  let untrackedListDepth = 0;
  /** The tag being opened: its name is known before its attributes end. */
  let openingTag = '';
  let openingStart = -1;

  const tagName = (start: number, end: number): string =>
    end - start > LONGEST_INTERESTING_TAG ? '' : html.slice(start, end).toLowerCase();

  function open(name: string): void {
    if (HIDDEN.has(name)) {
      hidden.set(name, (hidden.get(name) ?? 0) + 1);
      hiddenTotal++;
    } else if (name === 'body') {
      // A <body> ends an unclosed <head>, as the HTML parsing algorithm does.
      hiddenTotal -= hidden.get('head') ?? 0;
      hidden.set('head', 0);
    } else if (name === 'br') {
      out.hardBreak();
    } else if (CELLS.has(name)) {
      out.space();
    } else if (name === 'blockquote') {
      out.lineBreak(2);
      out.quoteDepth++;
    } else if (PARAGRAPH_BLOCKS.has(name)) {
      if (name === 'pre') preDepth++;
      if (name === 'ul' || name === 'ol') {
        if (lists.length < MAX_TRACKED_LISTS) lists.push({ ordered: name === 'ol', next: 1 });
        else untrackedListDepth++;
      }
      // Inside a list, a nested list or paragraph is a line of the item, not a paragraph of its own.
      out.lineBreak(lists.length > 0 && name !== 'p' ? 1 : 2);
    } else if (LINE_BLOCKS.has(name)) {
      out.lineBreak();
      if (name === 'li' && hiddenTotal === 0) {
        const list = lists[lists.length - 1];
        out.marker(list?.ordered ? `${list.next++}. ` : '- ');
      }
    }
  }

  function close(name: string): void {
    const hiddenCount = hidden.get(name) ?? 0;
    if (hiddenCount > 0) {
      hidden.set(name, hiddenCount - 1);
      hiddenTotal--;
    } else if (name === 'br') {
      out.hardBreak(); // `</br>` is a line break in every browser
    } else if (CELLS.has(name)) {
      out.space();
    } else if (name === 'blockquote') {
      if (out.quoteDepth > 0) out.quoteDepth--;
      out.lineBreak(2);
    } else if (PARAGRAPH_BLOCKS.has(name)) {
      if (name === 'pre' && preDepth > 0) preDepth--;
      if (name === 'ul' || name === 'ol') {
        if (untrackedListDepth > 0) untrackedListDepth--;
        else lists.pop();
      }
      out.lineBreak(lists.length > 0 ? 1 : 2);
    } else if (LINE_BLOCKS.has(name)) {
      out.lineBreak();
    }
  }

  // The tokenizer reports text in pieces (each stray `<` and each character reference is one);
  // a run of text between two tags is gathered first and written once.
  const textParts: string[] = [];
  let rangeStart = -1;
  let rangeEnd = -1;
  function closeRange(): void {
    if (rangeStart < 0) return;
    textParts.push(html.slice(rangeStart, rangeEnd));
    rangeStart = -1;
  }
  function flushText(): void {
    closeRange();
    if (textParts.length === 0) return;
    const text = textParts.length === 1 ? (textParts[0] ?? '') : textParts.join('');
    textParts.length = 0;
    if (hiddenTotal > 0 || out.full) return;
    if (preDepth > 0) out.preformatted(text);
    else out.text(text);
  }

  const callbacks: TokenizerCallbacks = {
    ontext(start, end) {
      if (hiddenTotal > 0) return;
      if (rangeStart >= 0 && rangeEnd === start) {
        rangeEnd = end;
        return;
      }
      closeRange();
      rangeStart = start;
      rangeEnd = end;
    },
    ontextentity(codepoint) {
      if (hiddenTotal > 0) return;
      closeRange();
      textParts.push(String.fromCodePoint(codepoint));
    },
    onopentagname(start, end) {
      flushText();
      openingTag = tagName(start, end);
      openingStart = start;
    },
    onopentagend() {
      if (openingStart >= 0) open(openingTag);
      openingStart = -1;
    },
    onselfclosingtag() {
      // HTML ignores the slash (`<div/>` opens a div) except on void elements, which never close.
      if (openingStart >= 0) open(openingTag);
      openingStart = -1;
    },
    onclosetag(start, end) {
      flushText();
      close(tagName(start, end));
    },
    // Attributes, comments, CDATA, declarations and processing instructions carry no text.
    onattribname() {},
    onattribdata() {},
    onattribentity() {},
    onattribend() {},
    oncomment() {
      flushText();
    },
    oncdata() {},
    ondeclaration() {},
    onprocessinginstruction() {},
    onend() {
      flushText();
    },
  };
  const tokenizer = new Tokenizer({ xmlMode: false, decodeEntities: true }, callbacks);
  tokenizer.write(html);
  tokenizer.end();
  return out.toString();
}

/** Decodes HTML character references in text that is not HTML (a plain-text body with `&amp;`). */
export function decodeCharacterReferences(text: string): string {
  return typeof text === 'string' ? decodeHTML(text).replace(/\u00a0/g, ' ') : '';
}
