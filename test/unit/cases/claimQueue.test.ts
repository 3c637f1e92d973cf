import { describe, expect, it } from 'vitest';
import { slaOfClocks } from '../../../lambdas/domain/cases/caseSla.js';
import {
  claimNextCase,
  earliestDue,
  listQueues,
  queueTally,
} from '../../../lambdas/domain/cases/claimQueue.js';
import type { StaffMember } from '../../../lambdas/domain/cases/staffMember.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { routeMessage } from '../../../lambdas/domain/policy/routeMessage.js';
import { clocksOnMemberMessage, clocksOnStaffReply } from '../../../lambdas/domain/sla/clocks.js';
import { caseTemplate, queuedCase } from '../../helpers/caseFactory.js';
import { FakeClock } from '../../helpers/FakeClock.js';
import { InMemoryCaseStore } from '../../helpers/InMemoryCaseStore.js';
import { triageResult } from '../policy/triageResult.js';

const english: StaffMember = { id: 'ann', role: 'agent', languages: ['en'] };
const bilingual: StaffMember = { id: 'bea', role: 'agent', languages: ['en', 'es'] };
const ARRIVED = '2026-12-01T15:00:00.000Z';

async function desk(
  cases: { key: string; language: string; priority?: 'urgent' | 'normal'; receivedAt?: string }[],
) {
  const template = await caseTemplate(ARRIVED);
  const caseStore = new InMemoryCaseStore();
  for (const spec of cases) {
    const kase = queuedCase(template, { queue: 'fulfillment', receivedAt: ARRIVED, ...spec });
    await caseStore.createCase({
      case: kase,
      message: {
        direction: 'inbound',
        channel: 'email',
        externalId: spec.key,
        receivedAt: kase.receivedAt,
        subject: '',
        text: '',
        attachments: [],
      },
      inboundKey: spec.key,
      threadKeys: [],
      event: { at: ARRIVED, type: 'case_created', actor: 'system', detail: {} },
    });
  }
  const clock = new FakeClock(new Date('2026-12-01T15:01:00.000Z'));
  const services = { caseStore, clock, policy: DEFAULT_POLICY, leaseMs: 15 * 60_000 };
  const claim = async (staff: StaffMember) => {
    const outcome = await claimNextCase('fulfillment', staff, services);
    return outcome.outcome === 'claimed' ? outcome.case.language : outcome.outcome;
  };
  return { caseStore, clock, services, claim };
}

describe('claim-next', () => {
  it('gives a case in a language the claimer reads before an older one anyone could take', async () => {
    const { claim } = await desk([
      { key: 'en-old', language: 'en', receivedAt: '2026-12-01T14:00:00.000Z' },
      { key: 'es-new', language: 'es' },
    ]);
    expect(await claim(bilingual)).toBe('es');
    expect(await claim(bilingual)).toBe('en');
  });

  it('keeps priority first: an urgent English case before a normal Spanish one, for a Spanish speaker too', async () => {
    const { claim } = await desk([
      { key: 'es-normal', language: 'es', priority: 'normal' },
      { key: 'en-urgent', language: 'en', priority: 'urgent' },
    ]);
    expect(await claim(bilingual)).toBe('en');
  });

  it('keeps a case in another language for those who read it until the policy timeout, then offers it to anyone', async () => {
    const { claim, clock } = await desk([{ key: 'vi', language: 'vi' }]);
    expect(await claim(english)).toBe('empty');
    clock.current = new Date(Date.parse(ARRIVED) + DEFAULT_POLICY.caseRules.languageRelaxMinutes * 60_000);
    expect(await claim(english)).toBe('vi');
  });

  it('answers an unknown queue by name', async () => {
    const { services } = await desk([]);
    expect(await claimNextCase('nowhere', english, services)).toEqual({
      outcome: 'unknown_queue',
      queue: 'nowhere',
    });
  });

  it('lists every declared queue and the suspended queue with their figures', async () => {
    const { services } = await desk([{ key: 'a', language: 'en' }]);
    const queues = await listQueues(services);
    expect(queues.map((queue) => queue.queue)).toEqual(
      expect.arrayContaining([...Object.keys(DEFAULT_POLICY.queues), 'suspended']),
    );
    expect(queues.find((queue) => queue.queue === 'fulfillment')).toMatchObject({
      depth: 1,
      oldestReceivedAt: ARRIVED,
    });
  });

  it('counts open cases toward at-risk and breached, and only waiting ones toward depth', async () => {
    const template = await caseTemplate(ARRIVED);
    const base = queuedCase(template, { key: 't' });
    expect(queueTally(base)).toEqual({ queue: base.queue, waiting: true, atRisk: false, breached: false });
    expect(queueTally({ ...base, state: 'claimed', slaStatus: 'breached' })).toMatchObject({
      waiting: false,
      breached: true,
    });
    expect(queueTally({ ...base, state: 'resolved', slaStatus: 'breached' })).toBeUndefined();
    expect(queueTally({ ...base, state: 'merged', slaStatus: 'at_risk' })).toBeUndefined();
  });

  it('orders a case by the deadline it faces now: a first response met long ago no longer puts it ahead', () => {
    const receivedAt = new Date('2026-12-01T15:00:00.000Z');
    const decision = routeMessage(triageResult({ topic: 'refill' }), 'email', receivedAt, DEFAULT_POLICY);
    const answered = clocksOnStaffReply(
      decision.clocks,
      new Date('2026-12-01T16:00:00.000Z'),
      DEFAULT_POLICY,
    );
    const clocks = clocksOnMemberMessage(answered, new Date('2026-12-03T15:00:00.000Z'), DEFAULT_POLICY);
    const running = clocks.clocks.filter((clock) => clock.state === 'running' && clock.dueAt);
    expect(running.map((clock) => clock.kind).sort()).toEqual(['nextResponse', 'resolution']);
    // The summary keeps the met first response's due time; the queue orders by what still runs.
    expect(slaOfClocks(decision.sla, clocks).firstResponseDueAt).toBe(decision.sla.firstResponseDueAt);
    const soonest = running.map((clock) => clock.dueAt ?? '').sort()[0];
    expect(earliestDue({ clocks })).toBe(soonest);
    expect(earliestDue({ clocks }) > decision.sla.firstResponseDueAt).toBe(true);
    // Nothing running (answered, then released; no resolution clock): after every case with a deadline.
    const stopped = {
      ...clocks,
      clocks: clocks.clocks.map((clock) => ({ ...clock, state: 'stopped' as const })),
    };
    expect(earliestDue({ clocks: stopped as typeof clocks })).toBe('9999-12-31T23:59:59.999Z');
  });
});
