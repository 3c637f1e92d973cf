import { describe, expect, it } from 'vitest';
import { outsideHoursNotice } from '../../../lambdas/domain/chat/chatNotices.js';
import { chatHoursAt } from '../../../lambdas/domain/policy/chatHours.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { routeMessage } from '../../../lambdas/domain/policy/routeMessage.js';
import { triage } from '../../../lambdas/domain/triage/triage.js';
import { triageResult } from './triageResult.js';

const tuesdayMorning = new Date('2026-03-03T09:00:00-06:00');
const tuesdayNight = new Date('2026-03-03T23:00:00-06:00');

describe('chat hours', () => {
  it('is open 07:00-22:00 Central and names the next opening when closed', () => {
    expect(chatHoursAt(DEFAULT_POLICY, tuesdayMorning)).toMatchObject({ open: true, calendar: 'chat' });
    expect(chatHoursAt(DEFAULT_POLICY, tuesdayNight)).toEqual({
      open: false,
      calendar: 'chat',
      nextOpenAt: '2026-03-04T13:00:00.000Z',
    });
  });

  it('writes the closed notice in Spanish for a Spanish-speaking member and in English otherwise', () => {
    expect(outsideHoursNotice('es-MX', '2026-03-04T13:00:00.000Z').text).toMatch(/^Nuestro equipo de chat/);
    expect(outsideHoursNotice('vi', '2026-03-04T13:00:00.000Z')).toMatchObject({ language: 'en' });
  });

  it('puts a chat that arrives while chat is closed on the correspondence clock', () => {
    const open = routeMessage(triageResult({ topic: 'delivery' }), 'chat', tuesdayMorning, DEFAULT_POLICY);
    const closed = routeMessage(triageResult({ topic: 'delivery' }), 'chat', tuesdayNight, DEFAULT_POLICY);

    expect(open.clocks.calendar).toBe('chat');
    expect(open.sla.firstResponseDueAt).toBe('2026-03-03T15:05:00.000Z');
    expect(closed).toMatchObject({
      outsideChatHours: true,
      reason: 'rule "fulfillment"; outside chat hours',
    });
    expect(closed.clocks.calendar).toBe('correspondence');
    // 24 business hours from Tuesday 23:00 on Mon-Sat 08:00-20:00: Wednesday 12 h, Thursday 12 h.
    expect(closed.sla.firstResponseDueAt).toBe('2026-03-06T02:00:00.000Z');
  });
});

describe('form and fax hints in triage and routing', () => {
  it('makes a checked expedited box an expedited request whatever the text says', () => {
    const result = triage({
      channel: 'form',
      subject: '',
      text: 'My plan denied my inhaler, please review the denial.',
      hints: { expedited: true },
    });
    expect(result.expedited).toBe(true);
    expect(result.evidence).toContain("the form's expedited box is checked");
  });

  it("does not read a form's printed instructions as a request when its box is unchecked", () => {
    const text =
      'Request for redetermination. If you or your prescriber believe that waiting 7 days could seriously jeopardize your life, health, or ability to regain maximum function, you can ask for an expedited decision.';
    expect(triage({ channel: 'fax', subject: '', text }).expedited).toBe(true);
    expect(triage({ channel: 'fax', subject: '', text, hints: { expedited: false } }).expedited).toBe(false);
  });

  it("takes a recognised form's title as the topic, and a member's pick only over a less sure classifier", () => {
    const unclear = 'Hello, I am writing about my medicine.';
    expect(
      triage({
        channel: 'fax',
        subject: '',
        text: unclear,
        hints: { topic: 'appeal', topicSource: 'document' },
      }),
    ).toMatchObject({
      topic: 'appeal',
      topicConfidence: 0.9,
    });
    const clearRefill =
      'Please refill my atorvastatin prescription, I have three pills left and need a refill sent.';
    const member = triage({
      channel: 'form',
      subject: '',
      text: clearRefill,
      hints: { topic: 'billing', topicSource: 'member' },
    });
    expect(member.topic).toBe('refill');
  });

  it('sends an e-mail that may be spoofing the desk to the privacy team', () => {
    const decision = routeMessage(
      triageResult({ topic: 'billing', possibleSpoofing: true }),
      'email',
      tuesdayMorning,
      DEFAULT_POLICY,
    );
    expect(decision).toMatchObject({ queue: 'privacy', priority: 'high', rule: 'possible spoofing' });
  });

  it('sends a form to the multilingual team when the topic queue reads neither its language nor the preferred one', () => {
    const japanese = routeMessage(
      triageResult({ topic: 'billing', language: 'ja', preferredLanguage: 'ja' }),
      'form',
      tuesdayMorning,
      DEFAULT_POLICY,
    );
    const spanish = routeMessage(
      triageResult({ topic: 'billing', language: 'es', preferredLanguage: 'es' }),
      'form',
      tuesdayMorning,
      DEFAULT_POLICY,
    );
    const email = routeMessage(
      triageResult({ topic: 'billing', language: 'ja' }),
      'email',
      tuesdayMorning,
      DEFAULT_POLICY,
    );

    expect(japanese).toMatchObject({
      queue: 'international',
      languageSkill: { language: 'ja', covered: true },
    });
    expect(spanish).toMatchObject({ queue: 'billing', languageSkill: { language: 'es', covered: true } });
    expect(email.queue).toBe('billing');
  });

  it("prefers staff who write the member's preferred language over the language of the text", () => {
    const decision = routeMessage(
      triageResult({ topic: 'international', language: 'en', preferredLanguage: 'pt' }),
      'form',
      tuesdayMorning,
      DEFAULT_POLICY,
    );
    expect(decision.languageSkill).toEqual({ language: 'pt', covered: true });
  });
});
