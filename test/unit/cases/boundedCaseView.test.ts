import { describe, expect, it } from 'vitest';
import type { CaseEvent, CaseMessage, CaseView } from '../../../lambdas/domain/cases/caseRecord.js';
import {
  boundedCaseView,
  CASE_VIEW_BUDGET_BYTES,
  CUT_TEXT_CHARS,
} from '../../../lambdas/domain/cases/caseViews.js';
import { caseTemplate } from '../../helpers/caseFactory.js';

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).byteLength;

function message(index: number, text: string): CaseMessage {
  return {
    direction: 'inbound',
    channel: 'email',
    externalId: `<m${index}@mail.example.com>`,
    receivedAt: new Date(Date.UTC(2026, 11, 1, 0, index)).toISOString(),
    subject: `Re: refill ${index}`,
    text,
    attachments: [],
    sender: { address: 'maria@example.com' },
  };
}

function event(index: number): CaseEvent {
  return {
    at: new Date(Date.UTC(2026, 11, 1, 0, index)).toISOString(),
    type: 'message_received',
    actor: 'system',
    detail: { index },
  };
}

describe('a case view within one response', () => {
  it('gives the history what short messages leave: a long chat keeps every event', async () => {
    const messages = Array.from({ length: 500 }, (_, index) => message(index, `line ${index}`));
    const history = Array.from({ length: 20_000 }, (_, index) => event(index));
    const view: CaseView = { case: await caseTemplate(), messages, history };
    // More than a fifth of the budget, less than all of it.
    expect(bytes(history)).toBeGreaterThan(CASE_VIEW_BUDGET_BYTES * 0.2);
    const bounded = boundedCaseView(view);
    expect(bounded).toEqual(view);
    expect(bytes(bounded)).toBeLessThanOrEqual(CASE_VIEW_BUDGET_BYTES);
  });

  it('never cuts an emoji in half', async () => {
    // An emoji (two UTF-16 units) straddles the cut: the cut text ends before it.
    const text = `${'a'.repeat(CUT_TEXT_CHARS - 1)}😀${'b'.repeat(200_000)}`;
    const bounded = boundedCaseView(
      { case: await caseTemplate(), messages: [message(0, text), message(1, 'newest')], history: [] },
      100_000,
    );
    const cut = bounded.messages[0];
    expect(cut?.textCut).toEqual({ length: text.length });
    expect(cut?.text).toBe('a'.repeat(CUT_TEXT_CHARS - 1));
  });

  it('leaves a case that fits exactly as it is', async () => {
    const view: CaseView = {
      case: await caseTemplate(),
      messages: [message(0, 'Hello')],
      history: [event(0)],
    };
    expect(boundedCaseView(view)).toEqual(view);
  });

  it('shows a case of 200 stored messages of 50,000 CJK characters (30 MB) in 4.5 MB: newest whole, older cut, oldest left out', async () => {
    // Three bytes a character in UTF-8: 150 KB a message, as a thread someone keeps writing into could hold.
    const long = (index: number) => `${index}:${'薬'.repeat(49_990)}`;
    const messages = Array.from({ length: 200 }, (_, index) => message(index, long(index)));
    const history = Array.from({ length: 50_000 }, (_, index) => event(index));
    const view: CaseView = { case: await caseTemplate(), messages, history };
    expect(bytes(view)).toBeGreaterThan(30_000_000);

    const bounded = boundedCaseView(view);
    expect(bytes(bounded)).toBeLessThanOrEqual(CASE_VIEW_BUDGET_BYTES);
    const omitted = bounded.messagesOmitted ?? 0;
    expect(omitted).toBeGreaterThan(0);
    expect(omitted + bounded.messages.length).toBe(200);
    // messages[i] is the case's message number omitted + i, in order.
    bounded.messages.forEach((shown, index) => {
      expect(shown.externalId).toBe(`<m${omitted + index}@mail.example.com>`);
    });
    const newest = bounded.messages.at(-1);
    expect(newest?.text).toBe(long(199));
    expect(newest?.textCut).toBeUndefined();
    const cut = bounded.messages.filter((shown) => shown.textCut);
    expect(cut.length).toBeGreaterThan(0);
    const lengthOf = new Map(messages.map((original) => [original.externalId, original.text.length]));
    for (const shown of cut) {
      expect(shown.text).toHaveLength(CUT_TEXT_CHARS);
      expect(shown.textCut).toEqual({ length: lengthOf.get(shown.externalId) });
    }
    // Whole ones are the newest: nothing whole sits before a cut one.
    const firstWhole = bounded.messages.findIndex((shown) => !shown.textCut);
    expect(bounded.messages.slice(firstWhole).every((shown) => !shown.textCut)).toBe(true);
    // The newest history, in order, with what was left out counted.
    expect((bounded.historyOmitted ?? 0) + bounded.history.length).toBe(50_000);
    expect(bounded.history.at(-1)).toEqual(event(49_999));
    expect(bounded.history.length).toBeGreaterThan(1_000);
  });
});

describe('a case view within the Lambda response it travels in', () => {
  // The staff API returns `{ statusCode, headers, body }` and Lambda serializes that object as JSON:
  // the view's JSON is a string in it, escaped a second time. A quote is `\"` in the view and
  // `\\\"` in the response; a backslash `\\`, then `\\\\`. Lambda refuses a response over 6 MB.
  const LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024;
  const lambdaResponseBytes = (view: unknown) =>
    new TextEncoder().encode(
      JSON.stringify({
        statusCode: 200,
        headers: { 'content-type': 'application/json', etag: '"v1"' },
        body: JSON.stringify(view),
      }),
    ).byteLength;

  it.each([
    ['quotes', '"'],
    ['backslashes', '\\'],
  ])('a thread of messages full of %s still fits', async (_name, character) => {
    const messages = Array.from({ length: 120 }, (_, index) =>
      message(index, `${index}:${character.repeat(49_990)}`),
    );
    const history = Array.from({ length: 20_000 }, (_, index) => ({
      ...event(index),
      detail: { reason: character.repeat(1_000) },
    }));
    const bounded = boundedCaseView({ case: await caseTemplate(), messages, history });
    expect(lambdaResponseBytes(bounded)).toBeLessThanOrEqual(LAMBDA_RESPONSE_LIMIT);
    expect(bounded.messages.at(-1)?.textCut).toBeUndefined();
  });
});
