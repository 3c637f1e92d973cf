/**
 * The two regular-expression HTML converters the project used before `htmlToPlainText`, kept
 * verbatim (less the `stripped` bookkeeping) only so `npm run bench:html` can time them beside the
 * replacement on the same inputs. Nothing outside `bench/` may import this file.
 */

/** Was `htmlToPlainText` in lambdas/adapters/mime/PostalMimeEmailParser.ts. */
export function legacyMimeHtmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>|<\/(p|div|li|tr|h\d)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

// Was `htmlToText` (with `decodeEntities`) in lambdas/domain/triage/prepareText.ts.
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  rsquo: '’',
  lsquo: '‘',
  rdquo: '”',
  ldquo: '“',
  eacute: 'é',
  egrave: 'è',
  ecirc: 'ê',
  aacute: 'á',
  agrave: 'à',
  acirc: 'â',
  atilde: 'ã',
  iacute: 'í',
  oacute: 'ó',
  ocirc: 'ô',
  otilde: 'õ',
  uacute: 'ú',
  ntilde: 'ñ',
  ccedil: 'ç',
  uuml: 'ü',
  ouml: 'ö',
  auml: 'ä',
  szlig: 'ß',
  Eacute: 'É',
  Ntilde: 'Ñ',
  copy: '©',
  reg: '®',
  trade: '™',
  euro: '€',
  middot: '·',
  bull: '•',
  times: '×',
};

/** Decode HTML character references; unknown names are kept verbatim. */
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z][a-z0-9]{1,10});/gi, (whole, body: string) => {
    if (body.startsWith('#')) {
      const code =
        body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
      if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
        return ' ';
      return String.fromCodePoint(code);
    }
    return NAMED_ENTITIES[body] ?? whole;
  });
}

const BLOCK_TAGS =
  /<\/?(?:p|div|br|tr|li|ul|ol|table|tbody|thead|h[1-6]|section|article|header|footer|hr|pre|address|dd|dt|dl|center)\b[^>]*>/gi;

/** HTML to plain text without a DOM: drop script/style/head, blocks become new lines. */
export function legacyTriageHtmlToText(html: string): string {
  let text = html.replace(/<!--[\s\S]*?-->/g, '');
  text = text.replace(/<(script|style|head|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '');
  // Gmail/Apple/Outlook put the quoted thread in a blockquote or a gmail_quote div; mark its lines as quoted.
  text = text.replace(/<blockquote\b[^>]*>([\s\S]*?)<\/blockquote\s*>/gi, (_whole, inner: string) =>
    `\n${inner.replace(BLOCK_TAGS, '\n').replace(/<[^>]*>/g, '')}`
      .split('\n')
      .map((line) => `> ${line}`)
      .join('\n'),
  );
  text = text.replace(
    /<div\b[^>]*class=["'][^"']*(?:gmail_quote|OutlookMessageHeader|divRplyFwdMsg)[^"']*["'][^>]*>/gi,
    '\n',
  );
  text = text.replace(/<li\b[^>]*>/gi, '\n- ');
  text = text.replace(/<t[dh]\b[^>]*>/gi, ' ');
  text = text.replace(BLOCK_TAGS, '\n');
  text = text.replace(/<\/?[a-z!?][^>]*>/gi, '');
  return decodeEntities(text).replace(/\n[ \t]*(?:\n[ \t]*)+/g, '\n');
}
