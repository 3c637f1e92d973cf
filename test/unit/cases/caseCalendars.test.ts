import { describe, expect, it } from 'vitest';
import { actOnCase, type CaseActionRequest } from '../../../lambdas/domain/cases/caseActions.js';
import { CLOCK_CALENDAR_MOVED } from '../../../lambdas/domain/cases/caseCalendars.js';
import type { Case } from '../../../lambdas/domain/cases/caseRecord.js';
import { claimRevision } from '../../../lambdas/domain/cases/claimQueue.js';
import { recordInbound } from '../../../lambdas/domain/cases/recordInbound.js';
import { replyToCase } from '../../../lambdas/domain/cases/replyToCase.js';
import { sweepSla } from '../../../lambdas/domain/cases/slaSweep.js';
import type { StaffMember } from '../../../lambdas/domain/cases/staffMember.js';
import { recordChatLine } from '../../../lambdas/domain/chat/recordChatLine.js';
import { chatLineMessage } from '../../../lambdas/domain/ingest/acceptChat.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import type { Policy } from '../../../lambdas/domain/policy/policy.js';
import { addBusinessTime } from '../../../lambdas/domain/sla/businessCalendar.js';
import type { BusinessClock, Clock } from '../../../lambdas/domain/sla/clocks.js';
import { calendarOf, UnknownCalendarError } from '../../../lambdas/domain/sla/policyCalendars.js';
import { emailCaseOpener } from '../../helpers/caseFactory.js';
import { FakeClock } from '../../helpers/FakeClock.js';
import { InMemoryCaseStore } from '../../helpers/InMemoryCaseStore.js';
import { inboundEmail } from '../../helpers/inboundMessages.js';
import { memberServicesPolicy, renamedCalendarPolicy } from '../../helpers/renamedCalendar.js';

const HOUR = 3_600_000;
const alice: StaffMember = { id: 'alice', role: 'agent', languages: ['en'] };
const sue: StaffMember = { id: 'sue', role: 'supervisor', languages: ['en', 'es'] };
// Tuesday 1 December 2026, 09:00 Central: open on the correspondence calendar.
const TUESDAY = '2026-12-01T15:00:00.000Z';
const desk = { address: 'support@pharmacy.example', name: 'Member Services', timeZone: 'America/Chicago' };
const APPEAL = {
  subject: 'Appeal',
  bodyText: 'I am appealing the denial of my Eliquis under my Medicare Part D plan.',
};

const MEMBER_SERVICES = memberServicesPolicy();

function harness() {
  const clock = new FakeClock(new Date(TUESDAY));
  const caseStore = new InMemoryCaseStore();
  const services = {
    caseStore,
    clock,
    policy: DEFAULT_POLICY,
    metrics: { count: () => undefined },
    leaseMs: 15 * 60_000,
    desk,
  };
  const open = emailCaseOpener(services);
  function stored(caseId: string): Case {
    const kase = caseStore.cases.get(caseId);
    if (!kase) throw new Error(`no case ${caseId}`);
    return kase;
  }
  async function claim(kase: Case, by: StaffMember = alice): Promise<Case> {
    const { after, events } = claimRevision(kase, by, clock.now(), services.leaseMs);
    if ((await caseStore.applyRevision({ before: kase, after, events }, [])) !== 'applied')
      throw new Error('not claimed');
    return after;
  }
  const act = (request: CaseActionRequest, caseId: string, staff: StaffMember = alice) =>
    actOnCase(request, caseId, staff, services);
  const reply = (caseId: string, text = 'Your refill ships today.') =>
    replyToCase({ text }, caseId, alice, services);
  /** The member writes on the case, naming its reference. */
  const memberWrites = (kase: Case, key: string) =>
    recordInbound(
      inboundEmail({
        externalId: `<${key}@mail.example.com>`,
        receivedAt: clock.now().toISOString(),
        sender: { address: kase.sender.address },
        subject: `Re: [${kase.reference}] Refill for my lisinopril`,
        bodyText: 'Here is the prescription number you asked for: 4455.',
        threading: { messageId: `<${key}@mail.example.com>`, references: [] },
      }),
      services,
    );
  const history = (caseId: string) => caseStore.history.get(caseId) ?? [];
  const moves = (caseId: string) => history(caseId).filter((event) => event.type === CLOCK_CALENDAR_MOVED);
  const hoursIn = (hours: number) => {
    clock.current = new Date(Date.parse(TUESDAY) + hours * HOUR);
  };
  return {
    clock,
    caseStore,
    services,
    open,
    stored,
    claim,
    act,
    reply,
    memberWrites,
    history,
    moves,
    hoursIn,
  };
}

const clockOf = (kase: Case, id: string): Clock | undefined =>
  kase.clocks.clocks.find((candidate) => candidate.id === id);

function businessClockOf(kase: Case, id: string): BusinessClock {
  const found = clockOf(kase, id);
  if (found?.type !== 'business') throw new Error(`no business clock ${id}`);
  return found;
}

describe('a calendar renamed while cases run on it', () => {
  it('moves the clocks of an open case onto the renamed calendar: pend, resume, reply and resolve all work, due on the new hours', async () => {
    const { services, open, stored, claim, act, reply, memberWrites, history, moves, hoursIn } = harness();
    const kase = await claim(await open());
    expect(businessClockOf(kase, 'firstResponse').calendar).toBe('correspondence');

    // Deployed: correspondence is now member-services, Monday to Friday 08:00-18:00.
    services.policy = MEMBER_SERVICES;
    hoursIn(2); // Tuesday 11:00
    const pended = await act({ action: 'pend', reason: 'asked for the prescription number' }, kase.caseId);
    expect(pended).toMatchObject({ outcome: 'done', case: { state: 'pending' } });
    expect(businessClockOf(stored(kase.caseId), 'firstResponse')).toMatchObject({
      calendar: 'member-services',
      state: 'paused',
      elapsedMs: 2 * HOUR,
    });
    expect(stored(kase.caseId).clocks.calendar).toBe('member-services');
    expect(history(kase.caseId).slice(-2)).toMatchObject([
      {
        type: CLOCK_CALENDAR_MOVED,
        actor: 'alice',
        detail: {
          why: `calendar "correspondence" is no longer in policy ${MEMBER_SERVICES.version}: moved to calendar "member-services", which the email channel targets give the case`,
          policyVersion: MEMBER_SERVICES.version,
          moved: [
            {
              clock: 'firstResponse',
              fromCalendar: 'correspondence',
              toCalendar: 'member-services',
              state: 'running',
              countedMs: 2 * HOUR,
              countedOnNewCalendarSince: TUESDAY,
            },
            { clock: 'resolution', fromCalendar: 'correspondence', toCalendar: 'member-services' },
          ],
          laterClocks: { fromCalendar: 'correspondence', toCalendar: 'member-services' },
        },
      },
      { type: 'pended' },
    ]);

    // The member answers on Wednesday 10:00: the clock resumes with its 2 hours, 22 left on the new hours.
    hoursIn(25);
    expect(await memberWrites(kase, 'answer')).toMatchObject({ outcome: 'threaded' });
    const resumed = stored(kase.caseId);
    const wednesday10 = new Date('2026-12-02T16:00:00.000Z');
    const dueOnMemberServices = addBusinessTime(
      calendarOf(MEMBER_SERVICES, 'member-services'),
      wednesday10,
      22 * HOUR,
    ).toISOString();
    // Wednesday 10-18 (8 h), Thursday 08-18 (10 h), Friday 08-12 (4 h).
    expect(dueOnMemberServices).toBe('2026-12-04T18:00:00.000Z');
    const dueOnCorrespondence = addBusinessTime(
      calendarOf(DEFAULT_POLICY, 'correspondence'),
      wednesday10,
      22 * HOUR,
    );
    expect(dueOnCorrespondence.toISOString()).not.toBe(dueOnMemberServices);
    expect(businessClockOf(resumed, 'firstResponse')).toMatchObject({
      calendar: 'member-services',
      state: 'running',
      elapsedMs: 2 * HOUR,
      dueAt: dueOnMemberServices,
    });
    expect(resumed.sla.firstResponseDueAt).toBe(dueOnMemberServices);

    hoursIn(27); // Wednesday 12:00
    const claimed = await claim(resumed);
    const replied = await reply(claimed.caseId);
    expect(replied.outcome).toBe('done');
    expect(businessClockOf(stored(kase.caseId), 'firstResponse')).toMatchObject({
      calendar: 'member-services',
      state: 'stopped',
      elapsedMs: 4 * HOUR,
      breached: false,
    });

    const resolved = await act({ action: 'resolve', resolution: 'refill shipped' }, kase.caseId);
    expect(resolved).toMatchObject({ outcome: 'done', case: { state: 'resolved' } });
    expect(stored(kase.caseId).clocks.clocks.every((each) => each.state === 'stopped')).toBe(true);
    // Moved once, when the first action met the missing calendar.
    expect(moves(kase.caseId)).toHaveLength(1);
  });

  it.each<[string, (h: ReturnType<typeof harness>, kase: Case) => Promise<unknown>, string]>([
    ['pend', (h, kase) => h.act({ action: 'pend' }, kase.caseId), 'pended'],
    ['resolve', (h, kase) => h.act({ action: 'resolve' }, kase.caseId), 'resolved'],
    ['reply', (h, kase) => h.reply(kase.caseId), 'replied'],
    [
      'reclassify',
      (h, kase) => h.act({ action: 'reclassify', topic: 'billing', reason: 'a copay question' }, kase.caseId),
      'reclassified',
    ],
    ['a member message', (h, kase) => h.memberWrites(kase, 'more'), 'message_received'],
  ])(
    'moves the clocks when %s is the first action to meet the missing calendar',
    async (_name, action, eventType) => {
      const h = harness();
      const kase = await h.claim(await h.open());
      h.services.policy = MEMBER_SERVICES;
      h.hoursIn(1);
      await action(h, kase);
      const after = h.stored(kase.caseId);
      expect(after.version).toBeGreaterThan(kase.version);
      expect(businessClockOf(after, 'firstResponse').calendar).toBe('member-services');
      expect(
        h
          .history(kase.caseId)
          .slice(-2)
          .map((event) => event.type),
      ).toEqual([CLOCK_CALENDAR_MOVED, eventType]);
    },
  );

  it('reopens a case resolved on the old calendar: its resolution clock runs on from its count on the new one', async () => {
    const { services, open, stored, claim, act, moves, hoursIn } = harness();
    const kase = await claim(await open());
    hoursIn(3);
    await act({ action: 'resolve' }, kase.caseId);
    const counted = businessClockOf(stored(kase.caseId), 'resolution').elapsedMs;
    expect(counted).toBe(3 * HOUR);

    services.policy = MEMBER_SERVICES;
    hoursIn(4);
    expect(await act({ action: 'reopen', reason: 'the refill never came' }, kase.caseId, sue)).toMatchObject({
      outcome: 'done',
    });
    const resolution = businessClockOf(stored(kase.caseId), 'resolution');
    expect(resolution).toMatchObject({ calendar: 'member-services', state: 'running', elapsedMs: counted });
    expect(resolution.dueAt).toBe(
      addBusinessTime(
        calendarOf(MEMBER_SERVICES, 'member-services'),
        new Date(Date.parse(TUESDAY) + 4 * HOUR),
        resolution.targetMs - counted,
      ).toISOString(),
    );
    expect(moves(kase.caseId)[0]?.detail).toMatchObject({
      moved: [
        { clock: 'firstResponse', state: 'stopped' },
        { clock: 'resolution', state: 'stopped', countedMs: counted },
      ],
    });
  });

  it('moves a chat case when a staff line stops its clock after the chat calendar was renamed', async () => {
    const { caseStore, clock, services, history } = harness();
    // Monday 2 March 2026, 09:14 Central: chat is open.
    const started = Date.parse('2026-03-02T15:14:00.000Z');
    clock.current = new Date(started);
    const line = (lineId: string, role: 'member' | 'staff', text: string, secondsIn: number) =>
      chatLineMessage({
        source: 'widget',
        conversationId: 'conv-1',
        lineId,
        role,
        event: 'message',
        text,
        receivedAt: new Date(started + secondsIn * 1000),
        ...(role === 'member' ? { member: { name: 'Dana Lee', email: 'dana@example.com' } } : {}),
        outsideChatHours: false,
        rawBlobKey: `chat/widget/conv-1/events/${lineId}.json`,
      });
    const opened = await recordInbound(line('m1', 'member', 'My package was not delivered.', 0), services);
    if (opened.outcome !== 'created') throw new Error(opened.outcome);

    const webChat = renamedCalendarPolicy('chat', 'web-chat');
    services.policy = webChat;
    clock.current = new Date(started + 120_000);
    expect(await recordChatLine(line('a1', 'staff', 'It ships again today.', 90), services)).toMatchObject({
      outcome: 'appended',
    });
    const kase = caseStore.cases.get(opened.caseId);
    if (!kase) throw new Error('no case');
    expect(businessClockOf(kase, 'firstResponse')).toMatchObject({
      calendar: 'web-chat',
      state: 'stopped',
      elapsedMs: 90_000,
      breached: false,
    });
    expect(history(opened.caseId).slice(-2)).toMatchObject([
      {
        type: CLOCK_CALENDAR_MOVED,
        actor: 'system',
        detail: {
          why: `calendar "chat" is no longer in policy ${webChat.version}: moved to calendar "web-chat", which the chat channel targets give the case`,
        },
      },
      { type: 'chat_staff_message' },
    ]);
  });

  it('the sweeper fires a moved clock at its due time on the new calendar', async () => {
    const { services, caseStore, clock, open, stored, act, claim, history, hoursIn } = harness();
    const kase = await claim(await open());
    services.policy = MEMBER_SERVICES;
    hoursIn(2);
    await act({ action: 'transfer', queue: 'billing', reason: 'a copay question' }, kase.caseId);
    const due = businessClockOf(stored(kase.caseId), 'firstResponse').dueAt;
    // 24 open hours of Monday-Friday 08:00-18:00 from the receipt, Tuesday 09:00: Thursday 13:00 Central.
    expect(due).toBe('2026-12-03T19:00:00.000Z');
    const sweeper = {
      caseStore,
      clock,
      policy: MEMBER_SERVICES,
      mailer: { send: async () => undefined },
      metrics: services.metrics,
    };
    clock.current = new Date(Date.parse(due ?? '') - 1);
    await sweepSla(sweeper);
    expect(history(kase.caseId).some((event) => event.type === 'sla_breach')).toBe(false);
    clock.current = new Date(due ?? '');
    await sweepSla(sweeper);
    expect(history(kase.caseId).filter((event) => event.type === 'sla_breach')).toMatchObject([
      { detail: { clock: 'firstResponse', dueAt: due } },
    ]);
  });
});

describe('a calendar dropped with no calendar in the rules for the case', () => {
  const { correspondence: _dropped, ...remaining } = DEFAULT_POLICY.calendars;
  const withEmailCalendar = (calendar: string | undefined, version: string) =>
    ({
      ...DEFAULT_POLICY,
      version,
      calendars: remaining,
      channelTargets: {
        ...DEFAULT_POLICY.channelTargets,
        email: { ...DEFAULT_POLICY.channelTargets.email, calendar },
      },
    }) as unknown as Policy;

  it.each([
    ['no calendar at all', withEmailCalendar(undefined, 'no-email-calendar')],
    ['only the dropped one', withEmailCalendar('correspondence', 'stale-email-calendar')],
  ])(
    'keeps the clocks and fails naming the missing calendar when the rules give %s',
    async (_name, policy) => {
      const { services, open, stored, claim, act, reply, memberWrites, moves, hoursIn } = harness();
      const kase = await claim(await open());
      services.policy = policy;
      hoursIn(1);
      const before = stored(kase.caseId);
      const missing = `clock "firstResponse" runs on calendar "correspondence", which policy ${policy.version} does not declare`;

      await expect(act({ action: 'pend' }, kase.caseId)).rejects.toThrow(UnknownCalendarError);
      await expect(act({ action: 'pend' }, kase.caseId)).rejects.toThrow(missing);
      await expect(reply(kase.caseId)).rejects.toThrow(missing);
      // Never a guess: the chat calendar is declared, and nothing moved onto it.
      expect(stored(kase.caseId)).toEqual(before);
      expect(moves(kase.caseId)).toEqual([]);
      // A member's message needs no calendar while the clocks run: it is still recorded.
      expect(await memberWrites(kase, 'still-here')).toMatchObject({ outcome: 'threaded' });
      expect(businessClockOf(stored(kase.caseId), 'firstResponse').calendar).toBe('correspondence');
    },
  );
});

describe('a Part D case on a renamed calendar', () => {
  it('moves only its business clocks: the regulatory clock runs on in calendar time, untouched', async () => {
    const { services, open, stored, claim, act, moves, hoursIn } = harness();
    const kase = await claim(await open(APPEAL));
    const regulatory = clockOf(kase, 'regulatory');
    expect(regulatory).toMatchObject({
      type: 'regulatory',
      state: 'running',
      regulatoryKind: 'redetermination',
    });

    services.policy = MEMBER_SERVICES;
    hoursIn(2);
    expect(await act({ action: 'pend' }, kase.caseId)).toMatchObject({ outcome: 'done' });
    const pended = stored(kase.caseId);
    // 42 CFR 423.590: the limit runs from receipt in calendar time and never pauses.
    expect(clockOf(pended, 'regulatory')).toEqual(regulatory);
    expect(pended.sla.regulatoryDueAt).toBe(kase.sla.regulatoryDueAt);
    expect(businessClockOf(pended, 'firstResponse')).toMatchObject({
      calendar: 'member-services',
      state: 'paused',
    });
    const moved = moves(kase.caseId)[0]?.detail.moved as { clock: string }[];
    expect(moved.map((each) => each.clock)).toEqual(['firstResponse', 'resolution']);

    hoursIn(3);
    expect(await act({ action: 'resolve' }, kase.caseId)).toMatchObject({ outcome: 'done' });
    const regulatoryDueAt = regulatory?.type === 'regulatory' ? regulatory.dueAt : undefined;
    expect(clockOf(stored(kase.caseId), 'regulatory')).toMatchObject({
      state: 'stopped',
      dueAt: regulatoryDueAt,
      startedAt: TUESDAY,
      stoppedAt: new Date(Date.parse(TUESDAY) + 3 * HOUR).toISOString(),
      breached: false,
    });
  });
});
