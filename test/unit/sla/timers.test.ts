import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import defaultPolicyJson from '../../../lambdas/domain/policy/default-policy.json' with { type: 'json' };
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { loadPolicy } from '../../../lambdas/domain/policy/policy.js';
import { routeMessage } from '../../../lambdas/domain/policy/routeMessage.js';
import { type CaseClocks, clocksOnMemberMessage, clocksOnPend } from '../../../lambdas/domain/sla/clocks.js';
import {
  applyEscalation,
  dueTimerEvents,
  nextTimerAt,
  planSweep,
} from '../../../lambdas/domain/sla/timers.js';
import { triageResult } from '../policy/triageResult.js';

const at = (iso: string) => new Date(iso);

/** A billing e-mail on Monday 2026-11-02 08:00 CST: first response 24 business hours (two 12-hour days). */
function openBilling(): CaseClocks {
  return routeMessage(
    triageResult({ topic: 'billing' }),
    'email',
    at('2026-11-02T08:00:00-06:00'),
    DEFAULT_POLICY,
  ).clocks;
}

const idsOf = (events: { eventId: string }[]) => events.map((event) => event.eventId);

describe('nextTimerAt', () => {
  it('is the first-response warning at 75 % of the target', () => {
    // 18 business hours: Monday 08–20, Tuesday 08–14.
    expect(nextTimerAt(openBilling(), [])).toBe('2026-11-03T20:00:00.000Z');
  });

  it('moves to the next pending event once the warning has fired', () => {
    expect(nextTimerAt(openBilling(), ['firstResponse:warning'])).toBe('2026-11-04T02:00:00.000Z');
  });

  it('is undefined while every clock is paused', () => {
    const pended = clocksOnPend(openBilling(), at('2026-11-02T09:00:00-06:00'), DEFAULT_POLICY);

    expect(nextTimerAt(pended, [])).toBeUndefined();
  });
});

/** An expedited appeal received Monday 2 November 2026, 08:00 Chicago: a 72-hour redetermination clock. */
function expeditedAppealClocks(): CaseClocks {
  return routeMessage(
    triageResult({ topic: 'appeal', expedited: true }),
    'email',
    at('2026-11-02T08:00:00-06:00'),
    DEFAULT_POLICY,
  ).clocks;
}

describe('dueTimerEvents', () => {
  it('lists nothing before the warning time', () => {
    expect(dueTimerEvents(openBilling(), [], at('2026-11-03T19:59:59Z'))).toEqual([]);
  });

  it('lists the warning, breach and first escalation in order once the target passes', () => {
    const events = dueTimerEvents(openBilling(), [], at('2026-11-04T02:00:00Z'));

    expect(idsOf(events)).toEqual([
      'firstResponse:warning',
      'firstResponse:breach',
      'firstResponse:escalation:raise-on-breach',
    ]);
    expect(events[1]).toMatchObject({
      type: 'breach',
      scheduledAt: '2026-11-04T02:00:00.000Z',
      clockKind: 'firstResponse',
    });
  });

  it('leaves out events already fired, so overlapping sweepers agree on what is left', () => {
    const now = at('2026-11-04T02:00:00Z');
    const fired = idsOf(dueTimerEvents(openBilling(), [], now)).slice(0, 2);

    expect(idsOf(dueTimerEvents(openBilling(), fired, now))).toEqual([
      'firstResponse:escalation:raise-on-breach',
    ]);
    expect(dueTimerEvents(openBilling(), new Set(fired), now)).toEqual(
      dueTimerEvents(openBilling(), fired, now),
    );
  });

  it('does not repeat a warning fired before a pause when the clock resumes', () => {
    const fired = ['firstResponse:warning'];
    const paused = clocksOnPend(openBilling(), at('2026-11-03T15:00:00-06:00'), DEFAULT_POLICY);
    const resumed = clocksOnMemberMessage(paused, at('2026-11-09T08:00:00-06:00'), DEFAULT_POLICY);

    const events = dueTimerEvents(resumed, fired, at('2026-11-09T08:00:00-06:00'));

    expect(events).toEqual([]);
    // 19 of 24 hours were counted before the pause: the breach comes 5 business hours after resuming.
    expect(nextTimerAt(resumed, fired)).toBe('2026-11-09T19:00:00.000Z');
  });

  it('carries the citation of a regulatory event', () => {
    const clocks = expeditedAppealClocks();

    const events = dueTimerEvents(clocks, [], at('2026-11-05T14:00:00Z'));

    expect(
      events
        .filter((event) => event.clockId === 'regulatory')
        .map((event) => [event.eventId, event.citation]),
    ).toEqual([
      ['regulatory:warning', '42 CFR 423.590(d)(1)'],
      ['regulatory:escalation:regulatory-at-risk', '42 CFR 423.590(d)(1)'],
      ['regulatory:breach', '42 CFR 423.590(d)(1)'],
      ['regulatory:escalation:regulatory-breach', '42 CFR 423.590(d)(1)'],
      // Undecided at the limit: an adverse decision by rule, to the IRE within 24 hours (42 CFR 423.590).
      ['regulatory:ire-forward', '42 CFR 423.590'],
    ]);
  });

  it('tells supervisors to forward an undecided appeal to the IRE within 24 hours of its limit, and again once that is overdue', () => {
    const clocks = expeditedAppealClocks();
    const regulatory = clocks.clocks.find((clock) => clock.type === 'regulatory');
    if (regulatory?.type !== 'regulatory') throw new Error('no regulatory clock');
    // 72 hours from receipt (14:00Z), then 24 more.
    expect(regulatory).toMatchObject({
      dueAt: '2026-11-05T14:00:00.000Z',
      ireForwardBy: '2026-11-06T14:00:00.000Z',
      ireForwardCitation: '42 CFR 423.590',
    });
    const atLimit = planSweep({
      caseClocks: clocks,
      firedEventIds: [],
      now: at('2026-11-05T14:00:00Z'),
      state: { priority: 'high', queue: 'appeals' },
      policy: DEFAULT_POLICY,
      caseLabel: 'CR-TEST',
    });
    const forward = atLimit.events.find(({ event }) => event.eventId === 'regulatory:ire-forward');
    expect(atLimit.priority).toBe('urgent');
    expect(forward?.outcome.notify?.text).toContain(
      'by regulation an adverse decision; forward the request to the IRE by 2026-11-06T14:00:00.000Z',
    );
    expect(atLimit.nextTimerAt).toBe('2026-11-06T14:00:00.000Z');
    const fired = atLimit.events.map(({ event }) => event.eventId);
    const overdue = planSweep({
      caseClocks: clocks,
      firedEventIds: fired,
      now: at('2026-11-06T14:00:00Z'),
      state: { priority: atLimit.priority, queue: atLimit.queue },
      policy: DEFAULT_POLICY,
      caseLabel: 'CR-TEST',
    });
    expect(overdue.events.map(({ event }) => event.eventId)).toEqual(['regulatory:ire-forward-overdue']);
    expect(overdue.events[0]?.outcome.notify?.text).toContain('forwarding to the IRE was due by');
    const later = dueTimerEvents(
      clocks,
      [...fired, 'regulatory:ire-forward-overdue'],
      at('2027-01-01T00:00:00Z'),
    );
    expect(later.filter((event) => event.clockId === 'regulatory')).toEqual([]);
  });

  it('tells the IRE stage by its event id: a policy step named ire-forward is an ordinary escalation', () => {
    const outcome = applyEscalation(
      { priority: 'normal', queue: 'billing' },
      {
        eventId: 'firstResponse:escalation:ire-forward',
        clockId: 'firstResponse',
        clockKind: 'firstResponse',
        type: 'escalation',
        step: 'ire-forward',
        percent: 150,
        scheduledAt: '2026-11-05T14:00:00.000Z',
        clockDueAt: '2026-11-04T14:00:00.000Z',
        actions: [{ type: 'notifySupervisors' }],
      },
      DEFAULT_POLICY,
    );
    expect(outcome.notify?.text).toContain('reached escalation step "ire-forward"');
    expect(outcome.notify?.text).not.toContain('IRE');
  });

  it('gives a grievance no IRE stage', () => {
    const clocks = routeMessage(
      triageResult({ topic: 'complaint' }),
      'email',
      at('2026-11-02T08:00:00-06:00'),
      DEFAULT_POLICY,
    ).clocks;
    const regulatory = clocks.clocks.find((clock) => clock.type === 'regulatory');
    expect(regulatory?.type === 'regulatory' && regulatory.regulatoryKind).toBe('grievance');
    expect(regulatory?.milestones.map((milestone) => milestone.eventId)).not.toContain(
      'regulatory:ire-forward',
    );
    expect(regulatory && 'ireForwardBy' in regulatory).toBe(false);
  });
});

describe('applyEscalation and planSweep', () => {
  it('raises the priority one level on breach and notifies the default supervisors', () => {
    const [, , escalation] = dueTimerEvents(openBilling(), [], at('2026-11-04T02:00:00Z'));
    if (!escalation) throw new Error('expected an escalation');

    const outcome = applyEscalation(
      { priority: 'normal', queue: 'billing' },
      escalation,
      DEFAULT_POLICY,
      'CR-ABC123',
    );

    expect(outcome).toMatchObject({
      priority: 'high',
      queue: 'billing',
      changes: { priority: { from: 'normal', to: 'high' } },
      notify: {
        to: ['support-supervisors@pharmacy.example'],
        subject: '[SLA escalation: raise-on-breach] CR-ABC123: firstResponse',
      },
    });
  });

  it('climbs the whole ladder in one late sweep: urgent, moved to escalations, next timer on resolution', () => {
    const plan = planSweep({
      caseClocks: openBilling(),
      firedEventIds: [],
      now: at('2026-11-05T12:00:00Z'),
      state: { priority: 'low', queue: 'billing' },
      policy: DEFAULT_POLICY,
    });

    expect(idsOf(plan.events.map((entry) => entry.event))).toEqual([
      'firstResponse:warning',
      'firstResponse:breach',
      'firstResponse:escalation:raise-on-breach',
      'firstResponse:escalation:overdue',
    ]);
    expect(plan).toMatchObject({ priority: 'urgent', queue: 'escalations' });
    expect(plan.events[3]?.outcome.changes).toEqual({
      priority: { from: 'normal', to: 'urgent' },
      queue: { from: 'billing', to: 'escalations' },
    });
    expect(plan.nextTimerAt).toBe(nextTimerAt(openBilling(), idsOf(plan.events.map((entry) => entry.event))));
    // Resolution warning at 90 of 120 business hours: six 12-hour days, then Monday and Tuesday until 14:00.
    expect(plan.nextTimerAt).toBe('2026-11-10T20:00:00.000Z');
  });

  it('notifies the queue supervisors when the queue names its own', () => {
    const [, , escalation] = dueTimerEvents(openBilling(), [], at('2026-11-04T02:00:00Z'));
    if (!escalation) throw new Error('expected an escalation');

    const outcome = applyEscalation({ priority: 'high', queue: 'privacy' }, escalation, DEFAULT_POLICY);

    expect(outcome.notify?.to).toEqual(['privacy-officer@pharmacy.example']);
  });

  it('fires at the times stored under the opening policy after the policy is edited', () => {
    const clocks = openBilling();
    const edited = loadPolicy({
      ...structuredClone(defaultPolicyJson),
      version: '2026-12-01.1',
      timers: { ...structuredClone(defaultPolicyJson.timers), warningPercent: 50 },
    });

    const plan = planSweep({
      caseClocks: clocks,
      firedEventIds: [],
      now: at('2026-11-03T19:59:59Z'),
      state: { priority: 'normal', queue: 'billing' },
      policy: edited,
    });

    expect(plan.events).toEqual([]);
    expect(clocks.policyVersion).toBe(DEFAULT_POLICY.version);
    expect(plan.nextTimerAt).toBe('2026-11-03T20:00:00.000Z');
  });

  it('keeps the case in its queue when the step moves it to a queue the current policy no longer declares', () => {
    // The clocks' ladder (moveToQueue "escalations") is a snapshot of the policy the case opened under;
    // the edited policy renamed that queue. A case moved there would be in no queue staff can see or claim.
    const json = structuredClone(defaultPolicyJson);
    const { escalations, ...otherQueues } = json.queues;
    const edited = loadPolicy({
      ...json,
      version: '2026-12-01.2',
      queues: { ...otherQueues, 'supervisor-review': escalations },
      timers: {
        ...json.timers,
        escalation: json.timers.escalation.map((step) =>
          'moveToQueue' in step ? { ...step, moveToQueue: 'supervisor-review' } : step,
        ),
      },
    });

    const plan = planSweep({
      caseClocks: openBilling(),
      firedEventIds: [],
      now: at('2026-11-05T12:00:00Z'),
      state: { priority: 'low', queue: 'billing' },
      policy: edited,
    });

    const overdue = plan.events.find(({ event }) => event.eventId === 'firstResponse:escalation:overdue');
    expect(overdue?.outcome.changes.queue).toBeUndefined();
    expect(overdue?.outcome.notify?.text).toContain('not moved to escalations');
    expect(plan).toMatchObject({ priority: 'urgent', queue: 'billing' });
  });
});

describe('sweeping (properties)', () => {
  it('fires every event exactly once, never early, however the sweeps are spaced', () => {
    const received = fc
      .integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-12-01T00:00:00Z') })
      .map((ms) => new Date(ms));
    const topic = fc.constantFrom('appeal', 'coverage', 'billing', 'complaint', 'clinical');
    const channel = fc.constantFrom('email', 'chat', 'fax');
    const sweepGaps = fc.array(fc.integer({ min: 1, max: 36 * 60 }), { minLength: 1, maxLength: 12 });

    fc.assert(
      fc.property(
        received,
        topic,
        channel,
        fc.boolean(),
        sweepGaps,
        (receivedAt, topicId, channelId, expedited, gaps) => {
          const { clocks } = routeMessage(
            triageResult({ topic: topicId, expedited }),
            channelId,
            receivedAt,
            DEFAULT_POLICY,
          );
          const fired: string[] = [];
          let now = receivedAt;
          for (const gap of gaps) {
            now = new Date(now.getTime() + gap * 60_000);
            const events = dueTimerEvents(clocks, fired, now);
            for (const event of events)
              expect(Date.parse(event.scheduledAt)).toBeLessThanOrEqual(now.getTime());
            fired.push(...idsOf(events));
            const next = nextTimerAt(clocks, fired);
            if (next !== undefined) expect(Date.parse(next)).toBeGreaterThan(now.getTime());
          }

          expect(new Set(fired).size).toBe(fired.length);
          expect([...fired].sort()).toEqual(idsOf(dueTimerEvents(clocks, [], now)).sort());
        },
      ),
      { numRuns: 200 },
    );
  });
});
