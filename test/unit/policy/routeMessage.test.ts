import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { routeMessage } from '../../../lambdas/domain/policy/routeMessage.js';
import { TOPICS } from '../../../lambdas/domain/triage/taxonomy.js';
import { triageResult } from './triageResult.js';

const wednesday = new Date('2026-11-04T10:00:00-06:00');
const isoUtc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const EXPECTED_QUEUE: Record<(typeof TOPICS)[number], string> = {
  appeal: 'appeals',
  coverage: 'coverage',
  refill: 'fulfillment',
  delivery: 'fulfillment',
  lost_damaged: 'fulfillment',
  billing: 'billing',
  account: 'account',
  clinical: 'pharmacist',
  international: 'international',
  complaint: 'complaints',
  privacy_fraud: 'privacy',
  other: 'triage',
};

describe('routeMessage with the default policy', () => {
  it.each(TOPICS.map((topic) => [topic, EXPECTED_QUEUE[topic]]))('routes %s to %s', (topic, queue) => {
    for (const channel of ['email', 'fax', 'chat', 'form'] as const) {
      const decision = routeMessage(triageResult({ topic }), channel, wednesday, DEFAULT_POLICY);

      expect(decision).toMatchObject({ queue, needsTriage: false, policyVersion: DEFAULT_POLICY.version });
      expect(decision.sla.firstResponseDueAt).toMatch(isoUtc);
    }
  });

  it('sends low-confidence triage to the triage queue, flagged, never to the guessed team', () => {
    const decision = routeMessage(
      triageResult({ topic: 'billing', topicConfidence: 0.3 }),
      'email',
      wednesday,
      DEFAULT_POLICY,
    );

    expect(decision).toMatchObject({
      queue: 'triage',
      needsTriage: true,
      reason: 'low topic confidence',
      priority: 'normal',
    });
  });

  it('keeps the guessed topic regulatory clock when triage is unsure about an appeal', () => {
    const decision = routeMessage(
      triageResult({ topic: 'appeal', topicConfidence: 0.3, expedited: true }),
      'fax',
      wednesday,
      DEFAULT_POLICY,
    );

    expect(decision).toMatchObject({ queue: 'triage', priority: 'urgent', needsTriage: true });
    expect(decision.regulatoryClock).toMatchObject({ kind: 'redetermination', variant: 'expedited' });
  });

  it('routes a refill from a member abroad to international, and one from the US to fulfillment', () => {
    const refill = triageResult({ topic: 'refill' });

    expect(routeMessage(refill, 'form', wednesday, DEFAULT_POLICY, { country: 'DE' }).queue).toBe(
      'international',
    );
    expect(routeMessage(refill, 'form', wednesday, DEFAULT_POLICY, { country: 'us' }).queue).toBe(
      'fulfillment',
    );
    expect(routeMessage(refill, 'form', wednesday, DEFAULT_POLICY).queue).toBe('fulfillment');
  });

  it('gives e-mail, fax and form a 24 business-hour first response and chat 5 business minutes', () => {
    const refill = triageResult({ topic: 'refill' });

    for (const channel of ['email', 'fax', 'form'] as const) {
      // Wednesday 10:00–20:00 (10 h), Thursday 08:00–20:00 (12 h), Friday 08:00–10:00 (2 h).
      expect(routeMessage(refill, channel, wednesday, DEFAULT_POLICY).sla.firstResponseDueAt).toBe(
        '2026-11-06T16:00:00.000Z',
      );
    }
    expect(routeMessage(refill, 'chat', wednesday, DEFAULT_POLICY).sla).toEqual({
      firstResponseDueAt: '2026-11-04T16:05:00.000Z',
    });
  });

  it('asks claim-next for a Spanish speaker for a Spanish appeal, and says when a queue has none', () => {
    const spanish = routeMessage(
      triageResult({ topic: 'appeal', language: 'es' }),
      'email',
      wednesday,
      DEFAULT_POLICY,
    );
    const polish = routeMessage(
      triageResult({ topic: 'billing', language: 'pl' }),
      'email',
      wednesday,
      DEFAULT_POLICY,
    );
    const english = routeMessage(triageResult({ topic: 'billing' }), 'email', wednesday, DEFAULT_POLICY);

    expect(spanish.languageSkill).toEqual({ language: 'es', covered: true });
    expect(polish.languageSkill).toEqual({ language: 'pl', covered: false });
    expect(english.languageSkill).toBeUndefined();
  });

  it('returns clocks stamped with the policy version and the first timer for the index', () => {
    const decision = routeMessage(triageResult({ topic: 'coverage' }), 'email', wednesday, DEFAULT_POLICY);

    expect(decision.clocks.policyVersion).toBe(DEFAULT_POLICY.version);
    expect(decision.clocks.clocks.map((clock) => clock.id)).toEqual([
      'firstResponse',
      'resolution',
      'regulatory',
    ]);
    // The regulatory warning at 50 % of 72 hours comes before the first-response warning.
    expect(decision.nextTimerAt).toBe('2026-11-05T22:00:00.000Z');
  });

  it('explains the rule, the skipped holiday and the regulatory basis', () => {
    const decision = routeMessage(
      triageResult({ topic: 'appeal' }),
      'email',
      new Date('2026-11-25T14:00:00-06:00'),
      DEFAULT_POLICY,
    );

    expect(decision.explanation[0]).toBe('rule "appeals" matched: queue appeals, priority high');
    expect(decision.explanation).toContain(
      '    thu 2026-11-26  skipped: Thanksgiving Day (federal holiday, 5 U.S.C. 6103(a))',
    );
    expect(decision.explanation.at(-1)).toMatch(
      /^regulatory: standard redetermination, 7 calendar days .*42 CFR 423\.590\(a\)\(1\)/,
    );
  });
});
