import type { FaxDetails } from '../fax/faxDetails.js';
import type { CaseListQuery, CasePage, CaseStore } from '../ports.js';
import { redactPii } from '../triage/redactPii.js';
import { caseIdFromReference } from './caseIds.js';
import type { Case, CaseEvent, CaseMessage, CaseView } from './caseRecord.js';

/**
 * What staff see of cases. Everything shown is redacted: the message text was redacted when it
 * was recorded; display names and attachment file names are redacted here too (they carry
 * identifiers as often as text does: "SSN 123-45-6789 card.pdf"), so records written before they
 * were redacted at recording are safe to show as well.
 */

export interface CaseViewServices {
  caseStore: CaseStore;
}

const redact = (text: string) => redactPii(text).redactedText;

function redactSender<T extends { name?: string }>(sender: T): T {
  return sender.name === undefined ? sender : { ...sender, name: redact(sender.name) };
}

/**
 * A fax's fields read off the form: the free-text ones (the sentence that asked for an expedited
 * decision, the drug line, names) are OCR text like the body and are redacted like it; the member ID,
 * date of birth and NPI are the structured values staff look the member up by.
 */
export function redactFaxDetails(fax: FaxDetails): FaxDetails {
  const fields = { ...fax.fields };
  for (const key of ['expeditedEvidence', 'drug', 'memberName', 'prescriberName'] as const) {
    const value = fields[key];
    if (value !== undefined) fields[key] = redact(value);
  }
  return { ...fax, fields };
}

function redactMessage(message: CaseMessage): CaseMessage {
  return {
    ...message,
    ...(message.sender ? { sender: redactSender(message.sender) } : {}),
    ...(message.fax ? { fax: redactFaxDetails(message.fax) } : {}),
    attachments: message.attachments.map((attachment) => ({
      ...attachment,
      filename: redact(attachment.filename),
    })),
  };
}

/** The case with every field shown to staff redacted. */
export function redactCase(kase: Case): Case {
  return { ...kase, sender: redactSender(kase.sender) };
}

/** The case, its messages (each with its unverified-sender mark) and its history. */
export async function viewCase(caseId: string, services: CaseViewServices): Promise<CaseView | undefined> {
  const view = await services.caseStore.getCase(caseId);
  if (!view) return undefined;
  return { case: redactCase(view.case), messages: view.messages.map(redactMessage), history: view.history };
}

/** A message as a case view shows it: `textCut` when only the start of its text is in the view. */
export type ShownMessage = CaseMessage & { textCut?: { length: number } };

/**
 * A case view that fits one response. A Lambda response carries at most 6 MB, and a case can hold
 * more: 50,000 characters of text a message (three bytes a character in CJK, six for an escaped
 * control character), any number of messages (a long chat, a thread someone keeps writing into).
 * Without a bound such a case could no longer be opened at all. Nothing is lost: what does not fit
 * is named, and `GET /cases/{id}/messages/{n}` gives any message whole.
 * - `messagesOmitted`: the oldest messages left out; `messages[0]` is message number
 *   `messagesOmitted` of the case (the index fax pages and whole messages are asked for by).
 * - `textCut`: an older message shown by the start of its text only (its whole length given).
 * - `historyOmitted`: the oldest history events left out.
 */
export interface BoundedCaseView {
  case: Case;
  messages: ShownMessage[];
  history: CaseEvent[];
  messagesOmitted?: number;
  historyOmitted?: number;
}

/** What a case view may take of a 6 MB Lambda response (counted as it travels there), with room for headers and envelope. */
export const CASE_VIEW_BUDGET_BYTES = 4_500_000;
/** The history's share: recent events first. */
const HISTORY_SHARE = 0.2;
/** How much of an older message's text a view shows when the message does not fit whole. */
export const CUT_TEXT_CHARS = 2_000;

/**
 * The bytes `value` takes in the Lambda response: the staff API returns `{ statusCode, headers, body }`
 * and Lambda serializes that as JSON, so the view's JSON is escaped once more inside it (a quote is
 * `\"` in the view and `\\\"` in the response, a backslash doubles again). Counting the view's own
 * JSON let a thread of messages full of quotes answer 9 MB, which Lambda refuses.
 */
const jsonBytes = (value: unknown) =>
  new TextEncoder().encode(JSON.stringify(JSON.stringify(value))).byteLength - 2;

/** The newest of `items` that fit `budget` bytes, each as `shown` makes it from the bytes left; stops at the first that does not. */
function newestWithin<T, S>(items: readonly T[], budget: number, shown: (item: T, left: number) => S) {
  const kept: S[] = [];
  let used = 0;
  for (let index = items.length - 1; index >= 0; index--) {
    const item = items[index] as T;
    const view = shown(item, budget - used);
    // The item and the comma that follows it in the array.
    const size = jsonBytes(view) + 1;
    if (used + size > budget) break;
    used += size;
    kept.push(view);
  }
  return { kept: kept.reverse(), used };
}

/** The view within {@link CASE_VIEW_BUDGET_BYTES}: newest messages whole, older ones cut, the oldest left out. */
export function boundedCaseView(view: CaseView, budget = CASE_VIEW_BUDGET_BYTES): BoundedCaseView {
  // The case, and the view's keys, brackets and counts around the two lists.
  const caseBytes = jsonBytes(view.case) + 200;
  const messageBytes = new Map(view.messages.map((message) => [message, jsonBytes(message)]));
  const allMessages = [...messageBytes.values()].reduce((sum, bytes) => sum + bytes + 1, 0);
  // The history takes its share, or all the messages leave when they fit whole (a long chat's
  // events outnumber its short lines): who did what is what an audit of the case reads.
  const historyBudget = Math.max(budget * HISTORY_SHARE, budget - caseBytes - allMessages);
  const history = newestWithin(view.history, historyBudget, (event) => event);
  const messageBudget = budget - caseBytes - history.used;
  const messages = newestWithin(view.messages, messageBudget, (message, left): ShownMessage => {
    if ((messageBytes.get(message) ?? jsonBytes(message)) <= left) return message;
    // Never half of a surrogate pair (an emoji, a rare CJK character): it would show as U+FFFD.
    const last = message.text.charCodeAt(CUT_TEXT_CHARS - 1);
    const end = last >= 0xd800 && last <= 0xdbff ? CUT_TEXT_CHARS - 1 : CUT_TEXT_CHARS;
    return {
      ...message,
      text: message.text.slice(0, end),
      textCut: { length: message.text.length },
    };
  });
  const messagesOmitted = view.messages.length - messages.kept.length;
  const historyOmitted = view.history.length - history.kept.length;
  return {
    case: view.case,
    messages: messages.kept,
    history: history.kept,
    ...(messagesOmitted > 0 ? { messagesOmitted } : {}),
    ...(historyOmitted > 0 ? { historyOmitted } : {}),
  };
}

/** `GET /cases/by-reference/CR-…`: the case a member's reference names. */
export async function findCaseByReference(
  reference: string,
  services: CaseViewServices,
): Promise<CaseView | undefined> {
  const caseId = caseIdFromReference(reference);
  return caseId ? viewCase(caseId, services) : undefined;
}

export const MAX_PAGE_SIZE = 100;

/**
 * Cases by assignee (claimed and pending, most urgent first), or by queue and state (queued in
 * queue order; other states most recently changed first), paged from an index, never a scan.
 */
export async function listCases(
  query: CaseListQuery,
  page: { limit: number; cursor?: string },
  services: CaseViewServices,
): Promise<CasePage> {
  const limit = Math.max(1, Math.min(MAX_PAGE_SIZE, Math.trunc(page.limit)));
  const found = await services.caseStore.listCases(query, { ...page, limit });
  return { ...found, cases: found.cases.map(redactCase) };
}
