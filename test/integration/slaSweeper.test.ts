import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/fixtures.js';
import { startTestRouter } from '../helpers/localRouter.js';

class FakeClock {
  constructor(public current: Date) {}
  now() {
    return this.current;
  }
}

interface SesStore {
  emails: { subject: string; destination: { to: string[] } }[];
}

function emailWithId(messageId: string): string {
  return fixture('email/refill.eml')
    .toString('utf8')
    .replace(/Message-ID: <[^>]+>/, `Message-ID: <${messageId}>`);
}

describe('SLA sweeper on DynamoDB Local', () => {
  // Tuesday 2026-12-01 09:00 Central, inside the correspondence calendar's hours.
  const clock = new FakeClock(new Date('2026-12-01T15:00:00.000Z'));
  let router: Awaited<ReturnType<typeof startTestRouter>>;
  let second: Awaited<ReturnType<typeof startTestRouter>>;

  beforeAll(async () => {
    router = await startTestRouter({ clock });
    // A second router on the same resources: its sweeper overlaps the first one's.
    second = await startTestRouter({ clock, prefix: router.prefix });
    await fetch(`${router.endpoints.ses}/clear-store`, { method: 'POST' });
  });
  afterAll(async () => {
    await second?.stop();
    await router?.stop();
  });

  it('fires every warning, breach and escalation exactly once with two sweepers overlapping', async () => {
    for (let index = 0; index < 6; index++)
      await router.postEmail(emailWithId(`sla-${index}@mail.example.com`));
    await router.drain();
    expect((await router.sweep()).dueCases).toBe(0);

    clock.current = new Date('2026-12-20T15:00:00.000Z'); // past every business target and escalation step
    const reports = await Promise.all([router.sweep(), second.sweep(), router.sweep()]);
    expect(reports.reduce((sum, report) => sum + report.applied, 0)).toBe(6);
    expect((await router.sweep()).events).toBe(0);

    const queues = await router.queues();
    expect(queues.find((queue) => queue.queue === 'escalations')).toMatchObject({ depth: 6, breached: 6 });
    expect(queues.find((queue) => queue.queue === 'fulfillment')).toMatchObject({ depth: 0, breached: 0 });

    const escalated = await router.claim('sue', 'escalations');
    const view = await router.viewCase('sue', escalated?.caseId ?? '');
    const slaEvents = view.history.filter((event) => event.type.startsWith('sla_'));
    const ids = slaEvents.map((event) => String(event.detail.eventId));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining([
        'firstResponse:warning',
        'firstResponse:breach',
        'firstResponse:escalation:overdue',
      ]),
    );
    expect(view.case.priority).toBe('urgent');

    const store = (await (await fetch(`${router.endpoints.ses}/store`)).json()) as SesStore;
    const escalationMails = store.emails.filter((email) => email.subject.startsWith('[SLA'));
    // Each case: the raise-on-breach and overdue notices of its first-response and resolution
    // clocks (both long past on Dec 20), every notice exactly once.
    const subjects = escalationMails.map((email) => email.subject);
    expect(new Set(subjects).size).toBe(subjects.length);
    expect(escalationMails).toHaveLength(6 * 4);
  });

  it('returns an expired claim to its queue', async () => {
    clock.current = new Date('2026-12-21T15:00:00.000Z');
    await router.postEmail(emailWithId('lease@mail.example.com'));
    await router.drain();
    const claimed = await router.claim('alice', 'fulfillment');
    expect(claimed?.state).toBe('claimed');
    clock.current = new Date('2026-12-21T15:16:00.000Z'); // the 15-minute lease is over
    // The escalated case claimed above had a lease too: both return.
    expect((await router.sweep()).leasesReturned).toBe(2);
    const reclaimed = await router.claim('bob', 'fulfillment');
    expect(reclaimed?.caseId).toBe(claimed?.caseId);
  });
});
