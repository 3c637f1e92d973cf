import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { routeMessage } from '../../../lambdas/domain/policy/routeMessage.js';
import { chooseRegulatoryLimit, regulatoryDueAt } from '../../../lambdas/domain/sla/regulatoryClocks.js';
import { triageResult } from '../policy/triageResult.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('chooseRegulatoryLimit', () => {
  it.each([
    ['coverageDetermination', false, false, 72 * HOUR, '42 CFR 423.568(b)'],
    ['coverageDetermination', true, false, 24 * HOUR, '42 CFR 423.572(a)'],
    ['coverageDetermination', false, true, 14 * DAY, '42 CFR 423.568(c)'],
    ['redetermination', false, false, 7 * DAY, '42 CFR 423.590(a)(1)'],
    ['redetermination', true, false, 72 * HOUR, '42 CFR 423.590(d)(1)'],
    ['redetermination', false, true, 14 * DAY, '42 CFR 423.590(b)'],
    ['grievance', false, false, 30 * DAY, '42 CFR 423.564(e)(1)'],
    ['grievance', true, false, 24 * HOUR, '42 CFR 423.564(f)'],
    ['grievance', false, true, 30 * DAY, '42 CFR 423.564(e)(1)'],
    ['redetermination', true, true, 72 * HOUR, '42 CFR 423.590(d)(1)'],
  ] as const)(
    'gives a %s (expedited %s, payment %s) %i ms under %s',
    (kind, expedited, paymentRequest, durationMs, citation) => {
      const limit = chooseRegulatoryLimit({ kind, expedited, paymentRequest, programs: ['medicare_part_d'] });

      expect(limit).toMatchObject({ durationMs, citation, assumedProgram: false });
    },
  );

  it('assumes Part D when the program is unknown, because it is the strictest clock that could apply', () => {
    expect(
      chooseRegulatoryLimit({
        kind: 'redetermination',
        expedited: false,
        paymentRequest: false,
        programs: [],
      }),
    ).toMatchObject({ assumedProgram: true, durationMs: 7 * DAY });
  });
});

describe('regulatoryDueAt', () => {
  it('ends a 7-day limit at the same wall-clock time when spring-forward shortens the week', () => {
    const due = regulatoryDueAt(
      { durationMs: 7 * DAY, calendarDays: 7 },
      new Date('2026-03-05T10:00:00-06:00'),
      'America/Chicago',
    );

    expect(due.toISOString()).toBe('2026-03-12T15:00:00.000Z');
  });

  it('ends a 7-day limit after 168 hours when fall-back lengthens the week', () => {
    const due = regulatoryDueAt(
      { durationMs: 7 * DAY, calendarDays: 7 },
      new Date('2026-10-29T10:00:00-05:00'),
      'America/Chicago',
    );

    expect(due.toISOString()).toBe('2026-11-05T15:00:00.000Z');
  });

  it('counts a limit in hours as elapsed hours across a DST change', () => {
    const due = regulatoryDueAt(
      { durationMs: 72 * HOUR },
      new Date('2026-03-07T12:00:00-06:00'),
      'America/Chicago',
    );

    expect(due.toISOString()).toBe('2026-03-10T18:00:00.000Z');
  });
});

describe('regulatory clocks in routing', () => {
  it('gives an expedited appeal received after hours on a Saturday 72 calendar hours, not business hours', () => {
    const receivedAt = new Date('2026-11-28T21:30:00-06:00');
    const appeal = triageResult({ topic: 'appeal', expedited: true, programs: ['medicare_part_d'] });

    const decision = routeMessage(appeal, 'fax', receivedAt, DEFAULT_POLICY);

    expect(decision.sla.regulatoryDueAt).toBe('2026-12-02T03:30:00.000Z');
    expect(decision.regulatoryClock).toMatchObject({
      kind: 'redetermination',
      variant: 'expedited',
      citation: '42 CFR 423.590(d)(1)',
      assumedProgram: false,
    });
    // The business first response waits for Monday's opening: 2 business hours from 08:00.
    expect(decision.sla.firstResponseDueAt).toBe('2026-11-30T16:00:00.000Z');
    expect(decision.priority).toBe('urgent');
  });

  it('runs a standard appeal 7 calendar days through Thanksgiving and the weekend', () => {
    const decision = routeMessage(
      triageResult({ topic: 'appeal' }),
      'email',
      new Date('2026-11-25T14:00:00-06:00'),
      DEFAULT_POLICY,
    );

    expect(decision.sla.regulatoryDueAt).toBe('2026-12-02T20:00:00.000Z');
    expect(decision.regulatoryClock?.assumedProgram).toBe(true);
  });

  it('gives an appeal asking to be paid back the 14-day payment redetermination', () => {
    const decision = routeMessage(
      triageResult({
        topic: 'appeal',
        redactedText: 'They denied it so I paid out of pocket. Please reimburse me.',
      }),
      'email',
      new Date('2026-11-02T10:00:00-06:00'),
      DEFAULT_POLICY,
    );

    expect(decision.regulatoryClock).toMatchObject({ variant: 'payment', citation: '42 CFR 423.590(b)' });
    expect(decision.sla.regulatoryDueAt).toBe('2026-11-16T16:00:00.000Z');
  });

  it.each([
    'Please approve Eliquis so I can pick it up at the pharmacy. I have not bought it; I cannot afford to pay and wait to be reimbursed.',
    'I have not bought it yet: will Part D cover it, or do I pay and get reimbursed later?',
    'No lo he comprado todavía. ¿Me lo cubren o tengo que pedir reembolso?',
    'If I pay for it myself, will you reimburse me? The pharmacy is holding it.',
    'I will pay and ask to be reimbursed, but right now I do not have the medication.',
    'I still need to pick it up and want reimbursement for the copay difference.',
  ])(
    'keeps a benefit request for a drug not yet bought on the 72-hour clock, whatever it says of reimbursement: %s',
    (text) => {
      const decision = routeMessage(
        triageResult({ topic: 'coverage', programs: ['medicare_part_d'], redactedText: text }),
        'email',
        new Date('2026-11-02T10:00:00-06:00'),
        DEFAULT_POLICY,
      );
      // 42 CFR 423.568(b): 72 hours for a drug not yet furnished; 423.568(c)'s 14 days are for one bought.
      expect(decision.regulatoryClock).toMatchObject({ variant: 'standard', limit: '72 hours' });
    },
  );

  it.each([
    'I already paid $300 out of pocket because I could not afford to wait. Please reimburse me.',
    "I paid for it myself since I couldn't afford to go without it. Please reimburse me so I can get my money back.",
  ])('gives a request to be paid back for a drug already bought the payment clock: %s', (text) => {
    const decision = routeMessage(
      triageResult({ topic: 'coverage', programs: ['medicare_part_d'], redactedText: text }),
      'email',
      new Date('2026-11-02T10:00:00-06:00'),
      DEFAULT_POLICY,
    );
    // 42 CFR 423.568(c): 14 days for a request for payment.
    expect(decision.regulatoryClock).toMatchObject({ variant: 'payment' });
  });

  it.each([
    ['coverage', false, 'coverageDetermination', 'standard', '2026-11-05T16:00:00.000Z'],
    ['coverage', true, 'coverageDetermination', 'expedited', '2026-11-03T16:00:00.000Z'],
    ['complaint', false, 'grievance', 'standard', '2026-12-02T16:00:00.000Z'],
    ['complaint', true, 'grievance', 'expedited', '2026-11-03T16:00:00.000Z'],
  ] as const)('maps a %s (expedited %s) to a %s %s clock', (topic, expedited, kind, variant, dueAt) => {
    const decision = routeMessage(
      triageResult({ topic, expedited }),
      'email',
      new Date('2026-11-02T10:00:00-06:00'),
      DEFAULT_POLICY,
    );

    expect(decision.regulatoryClock).toMatchObject({ kind, variant, dueAt });
  });

  it('starts no regulatory clock for a refill', () => {
    const decision = routeMessage(
      triageResult({ topic: 'refill' }),
      'email',
      new Date('2026-11-02T10:00:00-06:00'),
      DEFAULT_POLICY,
    );

    expect(decision.regulatoryClock).toBeUndefined();
    expect(decision.sla.regulatoryDueAt).toBeUndefined();
  });

  it('starts the regulatory clock at the earliest receipt on any channel', () => {
    const decision = routeMessage(
      triageResult({ topic: 'appeal', expedited: true }),
      'email',
      new Date('2026-11-02T10:00:00-06:00'),
      DEFAULT_POLICY,
      { earliestReceivedAt: new Date('2026-11-01T22:00:00-06:00') },
    );

    expect(decision.sla.regulatoryDueAt).toBe('2026-11-05T04:00:00.000Z');
  });
});
