import { describe, expect, it } from 'vitest';
import { claimRevision } from '../../../lambdas/domain/cases/claimQueue.js';
import { replyToCase } from '../../../lambdas/domain/cases/replyToCase.js';
import { sweepSla } from '../../../lambdas/domain/cases/slaSweep.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { emailCaseOpener } from '../../helpers/caseFactory.js';
import { FakeClock } from '../../helpers/FakeClock.js';
import { InMemoryCaseStore } from '../../helpers/InMemoryCaseStore.js';
import { memberServicesPolicy } from '../../helpers/renamedCalendar.js';

const desk = { address: 'support@pharmacy.example', name: 'Member Services', timeZone: 'America/Chicago' };
const alice = { id: 'alice', role: 'agent' as const, languages: ['en'] };

describe('a clock that breached on its old calendar', () => {
  it('stays breached after it moves onto a calendar closed since the breach (the sweeper told supervisors)', async () => {
    // Thursday 3 Dec 2026 09:00 Central: 24 h on correspondence (Mon-Sat 08-20) ends Saturday 09:00.
    const clock = new FakeClock(new Date('2026-12-03T15:00:00.000Z'));
    const caseStore = new InMemoryCaseStore();
    const metrics: string[] = [];
    const services = {
      caseStore,
      clock,
      policy: DEFAULT_POLICY,
      leaseMs: 15 * 60_000,
      desk,
      metrics: { count: (name: string) => void metrics.push(name) },
    };
    const kase = await emailCaseOpener(services)();
    const fr = kase.clocks.clocks.find((c) => c.id === 'firstResponse');
    expect(fr?.dueAt).toBe('2026-12-05T15:00:00.000Z');

    // The sweeper fires the breach at Saturday 09:00: supervisors are told the member waited too long.
    clock.current = new Date('2026-12-05T15:00:00.000Z');
    await sweepSla({
      caseStore,
      clock,
      policy: DEFAULT_POLICY,
      mailer: { send: async () => undefined },
      metrics: services.metrics,
    });
    expect((caseStore.history.get(kase.caseId) ?? []).some((e) => e.type === 'sla_breach')).toBe(true);

    // Saturday 12:00: the rename (new hours, no Saturdays) is deployed, and alice answers.
    services.policy = memberServicesPolicy();
    clock.current = new Date('2026-12-05T18:00:00.000Z');
    const current = caseStore.cases.get(kase.caseId);
    if (!current) throw new Error('the case is gone');
    const { after, events } = claimRevision(current, alice, clock.now(), services.leaseMs);
    await caseStore.applyRevision({ before: current, after, events }, []);
    expect((await replyToCase({ text: 'Sorry for the wait.' }, kase.caseId, alice, services)).outcome).toBe(
      'done',
    );

    const stopped = caseStore.cases.get(kase.caseId)?.clocks.clocks.find((c) => c.id === 'firstResponse');
    // 27 open hours on the hours it ran on; the breach fired 3 hours ago.
    expect(stopped).toMatchObject({ state: 'stopped', breached: true });
    expect(metrics).not.toContain('SlaMet');
  });
});
