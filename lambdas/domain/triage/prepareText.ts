/**
 * Text preparation: turn an inbound body (plain text, HTML or fax OCR) into what the member
 * wrote now. Quoted replies, forwarded headers, signatures and legal disclaimers are cut and
 * reported, so `explain` can show them. Pure, never throws, bounded work on any input.
 */
import { decodeCharacterReferences, htmlToPlainText } from '../text/htmlToPlainText.js';

export type StrippedKind = 'html' | 'quote' | 'signature' | 'disclaimer' | 'noise' | 'truncated';

export interface StrippedPart {
  kind: StrippedKind;
  /** Why it was cut, e.g. `reply header "On Tue, … wrote:"`. */
  reason: string;
  /** The cut text (at most 2,000 characters kept for display). */
  text: string;
}

export interface PreparedText {
  /** What the member wrote now, original case, trimmed. */
  text: string;
  /** `text` case-folded, Latin diacritics removed, checkboxes normalized: for matching only. */
  matchText: string;
  stripped: StrippedPart[];
  /** Whether the input was HTML. */
  html: boolean;
}

/** Inputs above this many characters are cut before any scanning (Lambda cost, 1 MB bodies). */
export const MAX_PREPARED_CHARS = 64_000;
const MAX_STRIPPED_DISPLAY = 2_000;

/** Control characters other than tab and new line, and the replacement/BOM characters. */
const CONTROL = /[^\P{Cc}\n\t]|[\ufffd\ufeff]/gu;
// `[^<>]*` stops at the next `<`, so each character is scanned once; `[^>]*` rescanned to the end
// after every `<div` that never closes (quadratic).
const HTML_HINT = /<(?:html|body|div|p|br|table|span|font|blockquote|head|meta|style)\b[^<>]*>/i;

/** HTML to text for triage: the shared converter, then blank lines closed up as triage reads lines. */
export function htmlToText(html: string, stripped: StrippedPart[] = []): string {
  stripped.push({ kind: 'html', reason: 'HTML markup converted to text', text: '' });
  return htmlToPlainText(html, { maxChars: MAX_PREPARED_CHARS }).replace(/\n[ \t]*(?:\n[ \t]*)+/g, '\n');
}

const WROTE =
  /(?:\bwrote|escribi[oó]|a\s+[ée]crit|schrieb|escreveu|ha\s+scritto|napisa[łl](?:a|\(a\))?|написал(?:а|\(а\))?|schreef|đã\s+viết|sumulat|te\s+ekri|kumatha|寫道|写道|書きました|작성|كتب|ने\s+लिखा)\s*[:：]?\s*$/i;
const ATTRIBUTION_START =
  /^(?:on|el|le|am|em|il|op|w\s+dniu|dnia|в|вт|пн|ср|чт|пт|сб|вс|vào|noong|nan|lè|le\s|在|于|於|\d{4}年|\d{4}\.|\d{4}년|\d{1,2}[./-]|في|[a-z]{2,10},?\s+\d)/i;

const ORIGINAL_MESSAGE =
  /^[-_=\s]*(?:original message|mensaje original|message d'origine|ursprüngliche nachricht|mensagem original|messaggio originale|wiadomość oryginalna|исходное сообщение|原始邮件|原始郵件|元のメッセージ|원본 메시지|tin nhắn gốc|orihinal na mensahe|mesaj orijinal|الرسالة الأصلية|मूल संदेश|forwarded message|mensaje reenviado|message transféré|weitergeleitete nachricht|mensagem encaminhada|messaggio inoltrato|пересланное сообщение|转发的邮件|転送されたメッセージ|전달된 메시지|begin forwarded message)[-_=\s:]*$/i;
const HEADER_FROM =
  /^\**\s*(?:from|de|von|da|od|от|van|mula|từ|من|प्रेषक|发件人|寄件者|差出人|보낸\s*사람|soti|nadawca)\s*\**\s*[:：]/i;
const HEADER_OTHER =
  /^\**\s*(?:sent|date|to|subject|cc|envoy[ée]|gesendet|datum|an|betreff|enviado(?:\s+el)?|enviada|fecha|para|asunto|data|inviato|oggetto|a|wysłano|do|temat|отправлено|дата|кому|тема|ngày(?:\s+gửi)?|đến|chủ\s+đề|ipinadala|petsa|para\s+kay|paksa|voye|dat|sijè|التاريخ|إلى|الموضوع|भेजा\s+गया|दिनांक|प्रति|विषय|发送时间|日期|收件人|主题|寄件日期|主旨|送信日時|宛先|件名|보낸\s*날짜|받는\s*사람|제목|objet|à)\s*\**\s*[:：]/i;

const SIGNATURE_DELIMITER = /^(?:--|—|__)\s*$/;
const MOBILE_SIGNATURE =
  /^(?:sent from my|sent from (?:yahoo|outlook|mail for)|get outlook for|enviado desde mi|enviado do meu|envoy[ée] de mon|envoy[ée] depuis mon|von meinem .* gesendet|gesendet von meinem|inviato da(?:l mio)?|wysłane z (?:mojego|mego)|отправлено с(?:о)? (?:моего )?|从我的|從我的|寄自我的|.*から送信|내 .*에서 보냄|gửi từ|ipinadala mula sa|voye soti nan|أرسلت من|मेरे .* से भेजा गया)/i;
const SIGN_OFF =
  /^(?:thanks(?: again| so much)?|thank you(?: so much| very much)?|many thanks|best(?: regards| wishes)?|kind regards|warm regards|regards|sincerely(?: yours)?|respectfully|cheers|yours truly|take care|god bless|saludos(?: cordiales)?|atentamente|cordialmente|muchas gracias|gracias|un saludo|cordialement|bien (?:cordialement|à vous)|merci(?: beaucoup)?|salutations|mit freundlichen gr(?:ü|ue)(?:ß|ss)en|freundliche gr(?:ü|ue)(?:ß|ss)e|viele gr(?:ü|ue)(?:ß|ss)e|danke(?: schön)?|lg|mfg|atenciosamente|obrigad[oa]|abraços|cumprimentos|cordiali saluti|distinti saluti|saluti|grazie(?: mille)?|pozdrawiam(?: serdecznie)?|z poważaniem|dziękuję|с уважением|спасибо|всего доброго|trân trọng|cảm ơn|xin cảm ơn|salamat(?: po)?|lubos na gumagalang|mèsi(?: anpil)?|respè|谢谢|謝謝|此致敬礼|祝好|よろしくお願いします|よろしくお願いいたします|敬具|감사합니다|고맙습니다|شكرا|شكرًا|مع التحية|धन्यवाद|सादर)[\s,.!।。、]*$/i;
const DISCLAIMER_START =
  /^(?:\**\s*)?(?:confidentiality notice|confidential(?:ity)?\s*(?:statement|note|disclaimer)?\s*:|disclaimer\s*:|privileged (?:and|&) confidential|this (?:e-?mail|message|communication|transmission|fax)(?: and any (?:attachments?|files?)(?: transmitted with it)?)? (?:is|are|may|contains?|and)|the information (?:contained )?in this (?:e-?mail|message|transmission|fax)|if you (?:are not|have received this)|this fax (?:is|contains)|notice\s*:\s*this|aviso de confidencialidad|este (?:correo|mensaje)(?: electrónico)? (?:es|y|contiene|puede)|la información contenida en este|avis de confidentialité|ce (?:message|courriel) (?:et|est|contient)|vertraulichkeitshinweis|diese e-?mail (?:enthält|ist|kann)|aviso de confidencialidade|esta mensagem (?:é|e|pode|contém)|avviso di riservatezza|questo messaggio (?:è|e|può|contiene)|klauzula poufności|ta wiadomość (?:jest|może|zawiera)|конфиденциальн|данное сообщение|本邮件|本郵件|この(?:メール|電子メール)|본 메일|이 메일은|thông báo bảo mật|email này)/i;

const QUOTE_MARK = /^\s*(?:>|&gt;|\|\s)/;

function clip(text: string): string {
  return text.length > MAX_STRIPPED_DISPLAY ? `${text.slice(0, MAX_STRIPPED_DISPLAY)}…` : text;
}

const WROTE_MID = /^(?:am|op|w dniu)\s.*\b(?:schrieb|schreef|napisa[łl])\b.*[:：]\s*$/i;

const ENDS_WITH_COLON = /[:：]\s*$/;

function isAttribution(line: string): boolean {
  // Every client's reply header ends with a colon; testing that first keeps long bodies cheap.
  if (line.length > 300 || !ENDS_WITH_COLON.test(line)) return false;
  if (WROTE_MID.test(line)) return true;
  if (!WROTE.test(line)) return false;
  return ATTRIBUTION_START.test(line.trim()) || /\d|@|</.test(line);
}

function isHeaderBlock(lines: string[], index: number): boolean {
  const first = lines[index] ?? '';
  if (!HEADER_FROM.test(first)) return false;
  let others = 0;
  for (let next = index + 1; next < Math.min(lines.length, index + 6); next++) {
    if (HEADER_OTHER.test(lines[next] ?? '')) others++;
  }
  return others >= 1;
}

const SUBJECT_PREFIX =
  /^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|rv|res|enc|tr|odp|pd|ynt|回复|答复|回覆|転送|转发|轉寄|답장|전달)\s*(?:\[\d+\])?\s*[:：]\s*)+/iu;

/** A subject without its reply/forward prefixes ("Re:", "Fwd:", "AW:", "回复:"). */
export function cleanSubject(subject: string): string {
  return typeof subject === 'string' ? subject.replace(SUBJECT_PREFIX, '') : '';
}

const NON_ASCII = /[^\n\t\r -~]/;
const CHECKBOX_HINT = /[[(☒☑✔✓■▣⊠☐□▢]/;

/** Latin diacritics folded, lower case, fax checkboxes normalized to `[x]` / `[ ]`. */
export function foldForMatching(text: string): string {
  // ASCII fast path: no diacritics to fold, no compatibility forms to normalize.
  let folded = NON_ASCII.test(text)
    ? text
        .normalize('NFKD')
        .replace(/([A-Za-z])[\u0300-\u036f]+/g, '$1')
        .normalize('NFC')
        .toLowerCase()
        .replace(/ł/g, 'l')
        .replace(/đ/g, 'd')
        .replace(/ß/g, 'ss')
        .replace(/[’‘`´]/g, "'")
    : text.toLowerCase();
  if (CHECKBOX_HINT.test(folded)) {
    folded = folded
      .replace(/[☒☑✔✓■▣⊠]|\[\s*[x✓✔v*]\s*\]|\(\s*[x✓✔]\s*\)/giu, ' [x] ')
      .replace(/[☐□▢]|\[\s{0,3}\]|\(\s{0,3}\)/gu, ' [ ] ');
  }
  return folded.replace(/_{2,}/g, ' ').replace(/[ \t]{2,}/g, ' ');
}

/** Fax OCR often yields runs of punctuation and stray pipes; a line with no letter or digit is noise. */
function isNoiseLine(line: string): boolean {
  return line.length > 0 && !/[\p{L}\p{N}]/u.test(line);
}

/**
 * Prepare an inbound body for triage: HTML to text, cut quoted replies, forwarded headers,
 * signatures and disclaimers, and fold case for matching. Never throws.
 */
export function prepareText(input: string): PreparedText {
  const stripped: StrippedPart[] = [];
  let raw = typeof input === 'string' ? input : '';
  if (raw.length > MAX_PREPARED_CHARS) {
    stripped.push({
      kind: 'truncated',
      reason: `input of ${raw.length} characters cut to ${MAX_PREPARED_CHARS}`,
      text: '',
    });
    raw = raw.slice(0, MAX_PREPARED_CHARS);
  }
  // Control characters (binary junk) become spaces; keep tab and new line.
  raw = raw.replace(/\r\n?/g, '\n');
  const html = raw.includes('<') && HTML_HINT.test(raw);
  if (html) raw = htmlToText(raw, stripped);
  else if (/&(?:nbsp|amp|lt|gt|quot|#\d+);/.test(raw)) raw = decodeCharacterReferences(raw);
  // After decoding, so `&#1;` cannot bring a control character back.
  raw = raw.replace(CONTROL, ' ');

  const lines = raw.split('\n').map((line) => line.trimEnd());
  const kept: string[] = [];
  const quoted: string[] = [];
  let cutAt = -1;
  let cutReason = '';
  let cutKind: StrippedKind = 'quote';
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    const trimmed = line.trim();
    if (QUOTE_MARK.test(line)) {
      quoted.push(line);
      continue;
    }
    if (ORIGINAL_MESSAGE.test(trimmed) && /[\p{L}]/u.test(trimmed)) {
      cutAt = index;
      cutReason = `original/forwarded message separator "${trimmed.slice(0, 80)}"`;
      break;
    }
    const joined = `${trimmed} ${(lines[index + 1] ?? '').trim()}`;
    if (isAttribution(trimmed) || (trimmed.length > 0 && !WROTE.test(trimmed) && isAttribution(joined))) {
      cutAt = index;
      cutReason = `reply header "${trimmed.slice(0, 80)}"`;
      break;
    }
    if (isHeaderBlock(lines, index) || (/^_{10,}\s*$/.test(trimmed) && isHeaderBlock(lines, index + 1))) {
      cutAt = index;
      cutReason = `message header block "${trimmed.slice(0, 80)}"`;
      break;
    }
    if (SIGNATURE_DELIMITER.test(line) && kept.some((k) => k.trim())) {
      cutAt = index;
      cutKind = 'signature';
      cutReason = 'signature delimiter "-- "';
      break;
    }
    if (MOBILE_SIGNATURE.test(trimmed) && trimmed.length < 80) {
      cutAt = index;
      cutKind = 'signature';
      cutReason = `mobile signature "${trimmed}"`;
      break;
    }
    kept.push(line);
  }
  if (quoted.length > 0)
    stripped.push({
      kind: 'quote',
      reason: `${quoted.length} ">" quoted line(s)`,
      text: clip(quoted.join('\n')),
    });
  if (cutAt >= 0)
    stripped.push({ kind: cutKind, reason: cutReason, text: clip(lines.slice(cutAt).join('\n')) });

  let body = removeDisclaimers(kept, stripped);
  body = removeSignOff(body, stripped);
  const noise = body.filter((line) => isNoiseLine(line.trim()));
  if (noise.length > 0) {
    stripped.push({
      kind: 'noise',
      reason: `${noise.length} line(s) without letters or digits`,
      text: clip(noise.join('\n')),
    });
    body = body.filter((line) => !isNoiseLine(line.trim()));
  }
  let text = body
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  // A bare forward ("see below") with nothing of the member's own: the quoted part is all there is.
  if (!/\p{L}{2}/u.test(text) && cutAt >= 0) {
    const rest = lines.slice(cutAt + 1).filter((line) => !HEADER_FROM.test(line) && !HEADER_OTHER.test(line));
    const fallback = rest
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
    if (/\p{L}{2}/u.test(fallback)) {
      text = [text, fallback].filter(Boolean).join('\n');
      stripped.push({ kind: 'quote', reason: 'no new text above the quote: quoted body kept', text: '' });
    }
  }
  return { text, matchText: foldForMatching(text), stripped, html };
}

function removeDisclaimers(lines: string[], stripped: StrippedPart[]): string[] {
  const out: string[] = [];
  let skipping = false;
  let cut: string[] = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (!skipping && DISCLAIMER_START.test(trimmed) && out.some((k) => k.trim())) {
      skipping = true;
    }
    if (skipping) {
      if (trimmed === '' && cut.length > 0) {
        skipping = false;
        continue;
      }
      cut.push(line);
      continue;
    }
    out.push(line);
  }
  if (cut.length > 0) {
    stripped.push({
      kind: 'disclaimer',
      reason: 'legal/confidentiality disclaimer',
      text: clip(cut.join('\n')),
    });
    cut = [];
  }
  return out;
}

/** A closing line ("Thanks,", "Saludos,") near the end, followed only by short name/title lines. */
function removeSignOff(lines: string[], stripped: StrippedPart[]): string[] {
  let last = lines.length - 1;
  while (last >= 0 && (lines[last] ?? '').trim() === '') last--;
  for (let index = Math.max(0, last - 6); index <= last; index++) {
    const trimmed = (lines[index] ?? '').trim();
    if (!SIGN_OFF.test(trimmed)) continue;
    const before = lines.slice(0, index);
    if (!before.some((line) => /\p{L}{2}/u.test(line))) continue;
    const after = lines.slice(index + 1, last + 1);
    if (after.every((line) => line.trim().length <= 60)) {
      stripped.push({
        kind: 'signature',
        reason: `sign-off "${trimmed}" and name lines`,
        text: clip(lines.slice(index, last + 1).join('\n')),
      });
      return before;
    }
  }
  return lines;
}
