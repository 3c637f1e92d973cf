import { describe, expect, it } from 'vitest';
import { claimNextCase } from '../../../lambdas/domain/cases/claimQueue.js';
import { recordInbound } from '../../../lambdas/domain/cases/recordInbound.js';
import { sweepSla } from '../../../lambdas/domain/cases/slaSweep.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { InMemoryCaseStore } from '../../helpers/InMemoryCaseStore.js';
import { inboundEmail } from '../../helpers/inboundMessages.js';

class FakeClock {
  constructor(public current: Date) {}
  now() {
    return this.current;
  }
}

function harness(start: string) {
  const clock = new FakeClock(new Date(start));
  const caseStore = new InMemoryCaseStore();
  const sent: { to: string[]; subject: string }[] = [];
  const counted: string[] = [];
  const services = {
    caseStore,
    clock,
    policy: DEFAULT_POLICY,
    mailer: {
      send: async (message: { to: string[]; subject: string; text: string }) => void sent.push(message),
    },
    metrics: { count: (name: string) => void counted.push(name) },
  };
  return { clock, caseStore, sent, counted, services };
}

// Tuesday 2026-12-01 09:00 Central: inside the correspondence calendar's hours.
const TUESDAY_MORNING = '2026-12-01T15:00:00.000Z';

describe('slaSweep', () => {
  it('warns at 75 % and breaches at 100 % of the first-response target, each once', async () => {
    const { clock, caseStore, sent, counted, services } = harness(TUESDAY_MORNING);
    const created = await recordInbound(inboundEmail({ receivedAt: TUESDAY_MORNING }), services);
    const kase = caseStore.cases.get(created.caseId);
    const firstResponse = kase?.clocks.clocks.find((candidate) => candidate.id === 'firstResponse');
    const warning = firstResponse?.milestones.find((milestone) => milestone.type === 'warning')?.at ?? '';
    const breach = firstResponse?.milestones.find((milestone) => milestone.type === 'breach')?.at ?? '';

    clock.current = new Date(Date.parse(warning) - 1_000);
    expect((await sweepSla(services)).events).toBe(0);

    clock.current = new Date(warning);
    expect((await sweepSla(services)).events).toBe(1);
    expect(caseStore.cases.get(created.caseId)?.slaStatus).toBe('at_risk');
    expect((await sweepSla(services)).events).toBe(0);

    clock.current = new Date(breach);
    const atBreach = await sweepSla(services);
    expect(atBreach.events).toBe(2); // the breach and the raise-on-breach escalation
    const after = caseStore.cases.get(created.caseId);
    expect(after).toMatchObject({ slaStatus: 'breached', priority: 'high' });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.to).toEqual(DEFAULT_POLICY.timers.supervisors);
    expect(counted).toEqual(expect.arrayContaining(['SlaWarning', 'SlaBreach', 'SlaEscalation']));

    const types = caseStore.history.get(created.caseId)?.map((event) => event.type);
    expect(types?.filter((type) => type === 'sla_warning')).toHaveLength(1);
    expect(types?.filter((type) => type === 'sla_breach')).toHaveLength(1);
  });

  it('sweeps every other due case, and reports the one whose write failed, when one case cannot be written', async () => {
    const { clock, caseStore, sent, services } = harness(TUESDAY_MORNING);
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) {
      const created = await recordInbound(
        inboundEmail({ externalId: `<poison${index}@x>`, threading: { references: [] } }),
        services,
      );
      ids.push(created.caseId);
    }
    const [poisoned] = ids;
    const applyRevision = caseStore.applyRevision.bind(caseStore);
    caseStore.applyRevision = async (revision, notices) => {
      if (revision.after.caseId === poisoned)
        throw new Error('ValidationException: item size has exceeded the maximum');
      return applyRevision(revision, notices);
    };
    clock.current = new Date('2026-12-20T15:00:00.000Z');
    const report = await sweepSla(services);
    expect(report).toMatchObject({ dueCases: 3, applied: 2 });
    expect(report.failed).toEqual([
      { caseId: poisoned, error: { name: 'Error', message: expect.stringContaining('ValidationException') } },
    ]);
    for (const caseId of ids.slice(1)) expect(caseStore.cases.get(caseId)?.queue).toBe('escalations');
    expect(caseStore.cases.get(poisoned ?? '')?.firedTimerEvents).toEqual([]);
    // The notices of the cases that were swept still went out in the same run.
    expect(sent.length).toBeGreaterThan(0);
  });

  it('fires each event once when two sweepers run over the same due cases at once', async () => {
    const { clock, caseStore, sent, services } = harness(TUESDAY_MORNING);
    for (let index = 0; index < 5; index++) {
      await recordInbound(
        inboundEmail({ externalId: `<m${index}@x>`, threading: { references: [] } }),
        services,
      );
    }
    clock.current = new Date('2026-12-20T15:00:00.000Z'); // far past every business target
    const [first, second] = await Promise.all([sweepSla(services), sweepSla(services)]);
    expect(first.applied + second.applied).toBe(5);
    for (const kase of caseStore.cases.values()) {
      expect(new Set(kase.firedTimerEvents).size).toBe(kase.firedTimerEvents.length);
      expect(kase.queue).toBe('escalations'); // the "overdue" step at 150 %
    }
    const notices = sent.length;
    await sweepSla(services);
    expect(sent.length).toBe(notices);
  });

  it('finishes a sweep that crashed half way without firing or mailing anything twice', async () => {
    const { clock, caseStore, sent, services } = harness(TUESDAY_MORNING);
    for (let index = 0; index < 4; index++) {
      await recordInbound(
        inboundEmail({ externalId: `<c${index}@x>`, threading: { references: [] } }),
        services,
      );
    }
    clock.current = new Date('2026-12-20T15:00:00.000Z');
    // The first sweeper dies (a Lambda timeout) in its second write, after one case was fully
    // recorded: that write never returns, and nothing after it runs.
    let writes = 0;
    let died: () => void = () => undefined;
    const dead = new Promise<void>((resolve) => {
      died = resolve;
    });
    const crashing = {
      ...services,
      caseStore: Object.assign(Object.create(caseStore), {
        applyRevision: (...args: Parameters<InMemoryCaseStore['applyRevision']>) => {
          writes += 1;
          if (writes === 2) {
            died();
            return new Promise<never>(() => undefined);
          }
          return caseStore.applyRevision(...args);
        },
      }),
    };
    void sweepSla(crashing);
    await dead;
    expect(sent).toHaveLength(0); // it died before sending: the notices wait in the outbox

    const report = await sweepSla(services);
    expect(report.applied).toBe(3);
    for (const kase of caseStore.cases.values()) {
      expect(new Set(kase.firedTimerEvents).size).toBe(kase.firedTimerEvents.length);
      expect(kase.queue).toBe('escalations');
    }
    const subjects = sent.map((message) => message.subject);
    expect(new Set(subjects).size).toBe(subjects.length);
    expect(subjects).toHaveLength(4 * 4);
    expect([...caseStore.outbox.values()].every((entry) => entry.sentAt !== undefined)).toBe(true);
  });

  it('runs an expedited appeal on the 72-hour regulatory clock from receipt, across a weekend night', async () => {
    // Saturday 2026-11-28 23:30 Central: the desk is closed, the regulatory clock runs anyway.
    const receivedAt = '2026-11-29T05:30:00.000Z';
    const { clock, caseStore, services } = harness(receivedAt);
    const created = await recordInbound(
      inboundEmail({
        receivedAt,
        subject: 'Expedited appeal',
        bodyText:
          'I am appealing the denial of my Eliquis. Please expedite: waiting could seriously jeopardize my health. My Medicare Part D plan denied it.',
      }),
      services,
    );
    const kase = caseStore.cases.get(created.caseId);
    expect(kase).toMatchObject({ queue: 'appeals', priority: 'urgent', expedited: true });
    expect(kase?.sla.regulatoryDueAt).toBe('2026-12-02T05:30:00.000Z');

    clock.current = new Date('2026-12-02T05:30:00.000Z');
    await sweepSla(services);
    const after = caseStore.cases.get(created.caseId);
    expect(after?.firedTimerEvents).toContain('regulatory:breach');
    expect(after?.queue).toBe('escalations');
  });

  it('returns a claimed case to its queue when the claim lease expires', async () => {
    const { clock, caseStore, services } = harness(TUESDAY_MORNING);
    const created = await recordInbound(inboundEmail({ receivedAt: TUESDAY_MORNING }), services);
    const claimed = await claimNextCase(
      'fulfillment',
      { id: 'alice', role: 'agent', languages: ['en'] },
      {
        ...services,
        leaseMs: 10 * 60_000,
      },
    );
    expect(claimed.outcome).toBe('claimed');
    expect(caseStore.cases.get(created.caseId)?.nextTimerAt).toBe('2026-12-01T15:10:00.000Z');

    clock.current = new Date('2026-12-01T15:10:00.000Z');
    const report = await sweepSla(services);
    expect(report.leasesReturned).toBe(1);
    expect(caseStore.cases.get(created.caseId)).toMatchObject({ state: 'queued' });
    expect(caseStore.cases.get(created.caseId)?.assignee).toBeUndefined();
  });
});
