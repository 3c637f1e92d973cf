import { describe, expect, it } from 'vitest';
import { actOnCase, type CaseActionRequest } from '../../../lambdas/domain/cases/caseActions.js';
import type { Case } from '../../../lambdas/domain/cases/caseRecord.js';
import { claimNextCase, claimRevision, queueOrderKey } from '../../../lambdas/domain/cases/claimQueue.js';
import { recordInbound } from '../../../lambdas/domain/cases/recordInbound.js';
import { replyToCase } from '../../../lambdas/domain/cases/replyToCase.js';
import { sweepSla } from '../../../lambdas/domain/cases/slaSweep.js';
import type { StaffMember } from '../../../lambdas/domain/cases/staffMember.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { withEarlierReceipt } from '../../../lambdas/domain/sla/clocks.js';
import { emailCaseOpener } from '../../helpers/caseFactory.js';
import { FakeClock } from '../../helpers/FakeClock.js';
import { InMemoryCaseStore } from '../../helpers/InMemoryCaseStore.js';
import { inboundEmail, widgetMemberLine } from '../../helpers/inboundMessages.js';

const alice: StaffMember = { id: 'alice', role: 'agent', languages: ['en'] };
const bob: StaffMember = { id: 'bob', role: 'agent', languages: ['en'] };
const sue: StaffMember = { id: 'sue', role: 'supervisor', languages: ['en', 'es'] };
// Tuesday 09:00 Central, inside the correspondence calendar's hours.
const TUESDAY = '2026-12-01T15:00:00.000Z';

function harness() {
  const clock = new FakeClock(new Date(TUESDAY));
  const caseStore = new InMemoryCaseStore();
  const counted: string[] = [];
  const services = {
    caseStore,
    clock,
    policy: DEFAULT_POLICY,
    metrics: { count: (name: string) => void counted.push(name) },
    leaseMs: 15 * 60_000,
  };
  const open = emailCaseOpener(services);
  async function claimed(by: StaffMember = alice, overrides: Parameters<typeof inboundEmail>[0] = {}) {
    // This very case, whatever else waits in its queue (claim order is claimQueue's test).
    const kase = await open(overrides);
    const { after, events } = claimRevision(kase, by, clock.now(), services.leaseMs);
    if ((await caseStore.applyRevision({ before: kase, after, events }, [])) !== 'applied')
      throw new Error('not claimed');
    return after;
  }
  const act = (request: CaseActionRequest, caseId: string, staff: StaffMember, ifVersion?: number) =>
    actOnCase(request, caseId, staff, services, ifVersion === undefined ? {} : { ifVersion });
  const history = (caseId: string) => caseStore.history.get(caseId) ?? [];
  return { clock, caseStore, services, counted, open, claimed, act, history };
}

describe('actOnCase', () => {
  it('adds an internal note with its text, leaving the case where it was', async () => {
    const { claimed, act, history } = harness();
    const kase = await claimed();
    const noted = await act({ action: 'note', text: 'Called the prescriber.' }, kase.caseId, alice);
    expect(noted).toMatchObject({ outcome: 'done', case: { state: 'claimed', assignee: 'alice' } });
    expect(history(kase.caseId).at(-1)).toMatchObject({
      type: 'note_added',
      actor: 'alice',
      detail: { action: 'note', text: 'Called the prescriber.' },
    });
    expect(await act({ action: 'note', text: 'Supervisor here.' }, kase.caseId, sue)).toMatchObject({
      outcome: 'done',
    });
  });

  it('pends a claimed case, pausing its business clocks and keeping its assignee', async () => {
    const { claimed, act, history } = harness();
    const kase = await claimed();
    const pended = await act(
      { action: 'pend', reason: 'asked for the prescription number' },
      kase.caseId,
      alice,
    );
    if (pended.outcome !== 'done') throw new Error(pended.outcome);
    expect(pended.case).toMatchObject({ state: 'pending', assignee: 'alice' });
    expect(pended.case.leaseExpiresAt).toBeUndefined();
    expect(pended.case.clocks.clocks.find((clock) => clock.kind === 'firstResponse')?.state).toBe('paused');
    expect(history(kase.caseId).at(-1)?.detail).toMatchObject({
      action: 'pend',
      reason: 'asked for the prescription number',
    });
  });

  it('resolves a claimed or pending case, stopping its clocks and counting them as met', async () => {
    const { claimed, act, counted } = harness();
    const first = await claimed();
    expect(await act({ action: 'resolve', resolution: 'refill shipped' }, first.caseId, alice)).toMatchObject(
      {
        outcome: 'done',
        case: { state: 'resolved' },
      },
    );
    expect(counted).toContain('SlaMet');
    const second = await claimed();
    await act({ action: 'pend' }, second.caseId, alice);
    const resolved = await act({ action: 'resolve' }, second.caseId, alice);
    if (resolved.outcome !== 'done') throw new Error(resolved.outcome);
    expect(resolved.case.assignee).toBeUndefined();
    expect(resolved.case.resolvedAt).toBe(TUESDAY);
    expect(resolved.case.clocks.clocks.every((clock) => clock.state === 'stopped')).toBe(true);
  });

  it('transfers a case to another declared queue with a reason, clocks running on', async () => {
    const { claimed, act, history } = harness();
    const kase = await claimed();
    const due = kase.sla.firstResponseDueAt;
    const moved = await act(
      { action: 'transfer', queue: 'billing', reason: 'a copay question' },
      kase.caseId,
      alice,
    );
    if (moved.outcome !== 'done') throw new Error(moved.outcome);
    expect(moved.case).toMatchObject({ state: 'queued', queue: 'billing', sla: { firstResponseDueAt: due } });
    expect(moved.case.assignee).toBeUndefined();
    expect(moved.case.clocks.clocks.find((clock) => clock.kind === 'firstResponse')?.state).toBe('running');
    expect(history(kase.caseId).at(-1)?.detail).toEqual({
      action: 'transfer',
      from: 'fulfillment',
      to: 'billing',
      reason: 'a copay question',
      releasedFrom: 'alice',
    });
  });

  it('resumes the clocks of a pending case transferred back to work', async () => {
    const { claimed, act } = harness();
    const kase = await claimed();
    await act({ action: 'pend' }, kase.caseId, alice);
    const moved = await act(
      { action: 'transfer', queue: 'billing', reason: 'billing owns it' },
      kase.caseId,
      alice,
    );
    if (moved.outcome !== 'done') throw new Error(moved.outcome);
    expect(moved.case.clocks.clocks.find((clock) => clock.kind === 'firstResponse')?.state).toBe('running');
  });

  it('releases a claim back to the queue in the place it had', async () => {
    const { claimed, open, act, services } = harness();
    const first = await claimed();
    await open();
    const released = await act({ action: 'release', reason: 'end of shift' }, first.caseId, alice);
    expect(released).toMatchObject({ outcome: 'done', case: { state: 'queued', queuedAt: first.queuedAt } });
    const again = await claimNextCase(first.queue, bob, services);
    expect(again).toMatchObject({ outcome: 'claimed', case: { caseId: first.caseId } });
  });

  it('lets a supervisor release, reassign and renew anyone’s claim', async () => {
    const { claimed, act, clock } = harness();
    const kase = await claimed();
    const reassigned = await act(
      { action: 'reassign', to: 'bob', reason: 'speaks to the member' },
      kase.caseId,
      sue,
    );
    expect(reassigned).toMatchObject({ outcome: 'done', case: { state: 'claimed', assignee: 'bob' } });
    clock.current = new Date(Date.parse(TUESDAY) + 10 * 60_000);
    const renewed = await act({ action: 'renew' }, kase.caseId, sue);
    expect(renewed).toMatchObject({ outcome: 'done', case: { leaseExpiresAt: '2026-12-01T15:25:00.000Z' } });
    expect(await act({ action: 'release' }, kase.caseId, sue)).toMatchObject({
      outcome: 'done',
      case: { state: 'queued' },
    });
  });

  it('releases a case pending with someone back to its queue, its paused clocks running again', async () => {
    const { claimed, act, history, clock } = harness();
    const kase = await claimed();
    await act({ action: 'pend', reason: 'asked for the prescriber' }, kase.caseId, alice);
    clock.current = new Date(Date.parse(TUESDAY) + 60 * 60_000);
    // Only the holder or a supervisor: bob is refused and the case stays as it was.
    expect(await act({ action: 'release' }, kase.caseId, bob)).toMatchObject({ outcome: 'forbidden' });
    const released = await act({ action: 'release', reason: 'alice is on leave' }, kase.caseId, sue);
    if (released.outcome !== 'done') throw new Error(released.outcome);
    expect(released.case).toMatchObject({ state: 'queued', queuedAt: kase.queuedAt });
    expect(released.case.assignee).toBeUndefined();
    expect(released.case.clocks.clocks.filter((c) => c.state === 'paused')).toEqual([]);
    expect(released.case.clocks.clocks.find((c) => c.kind === 'firstResponse')?.state).toBe('running');
    expect(history(kase.caseId).at(-1)).toMatchObject({
      type: 'released',
      actor: 'sue',
      detail: { action: 'release', from: 'alice', reason: 'alice is on leave' },
    });
  });

  it('lets the holder reply to a case pending with them, taking it back with its clocks running', async () => {
    const { claimed, act, history, clock, services } = harness();
    const desk = { address: 'support@pharmacy.example', timeZone: 'America/Chicago' };
    const kase = await claimed();
    await act({ action: 'pend', reason: 'asked for the prescriber' }, kase.caseId, alice);
    clock.current = new Date(Date.parse(TUESDAY) + 60 * 60_000);
    const reminder = { text: 'Did the form reach you? We can also take it by fax.' };
    expect(await replyToCase(reminder, kase.caseId, bob, { ...services, desk })).toMatchObject({
      outcome: 'forbidden',
    });
    const replied = await replyToCase(reminder, kase.caseId, alice, { ...services, desk });
    if (replied.outcome !== 'done') throw new Error(replied.outcome);
    expect(replied.case).toMatchObject({
      state: 'claimed',
      assignee: 'alice',
      leaseExpiresAt: new Date(clock.now().getTime() + services.leaseMs).toISOString(),
    });
    const clocks = replied.case.clocks.clocks;
    expect(clocks.filter((c) => c.state === 'paused')).toEqual([]);
    expect(clocks.find((c) => c.kind === 'firstResponse')?.state).toBe('stopped');
    expect(clocks.find((c) => c.kind === 'resolution')?.state).toBe('running');
    expect(history(kase.caseId).at(-1)).toMatchObject({
      type: 'replied',
      actor: 'alice',
      detail: { takenBackFrom: 'pending' },
    });
    expect(replied.entry).toMatchObject({ kind: 'reply', caseId: kase.caseId });
  });

  it('renews the holder’s own lease', async () => {
    const { claimed, act, clock } = harness();
    const kase = await claimed();
    clock.current = new Date(Date.parse(TUESDAY) + 14 * 60_000);
    const renewed = await act({ action: 'renew' }, kase.caseId, alice);
    expect(renewed).toMatchObject({ outcome: 'done', case: { leaseExpiresAt: '2026-12-01T15:29:00.000Z' } });
    if (renewed.outcome === 'done') expect(renewed.case.nextTimerAt).toBe('2026-12-01T15:29:00.000Z');
  });

  it("counts a reopened case's resolution clock once, however often it is resolved", async () => {
    const { claimed, act, clock, caseStore, services } = harness();
    const reported: string[] = [];
    services.metrics.count = (name: string, dimensions?: { clock?: string }) =>
      void reported.push(`${name}:${dimensions?.clock ?? ''}`);
    const kase = await claimed();
    await act({ action: 'resolve' }, kase.caseId, alice);
    expect(reported.filter((entry) => entry.endsWith(':resolution'))).toHaveLength(1);
    clock.current = new Date('2026-12-03T15:00:00.000Z');
    await act({ action: 'reopen', reason: 'the member called back' }, kase.caseId, bob);
    const reopened = caseStore.cases.get(kase.caseId);
    if (!reopened) throw new Error('missing');
    const { after, events } = claimRevision(reopened, alice, clock.now(), services.leaseMs);
    expect(await caseStore.applyRevision({ before: reopened, after, events }, [])).toBe('applied');
    expect((await act({ action: 'resolve' }, kase.caseId, alice)).outcome).toBe('done');
    expect(reported.filter((entry) => entry.endsWith(':resolution'))).toHaveLength(1);
  });

  it('reopens a resolved case within the reopen window, and refuses past it', async () => {
    const { claimed, act, clock } = harness();
    const kase = await claimed();
    await act({ action: 'resolve' }, kase.caseId, alice);
    clock.current = new Date('2026-12-10T15:00:00.000Z');
    expect(await act({ action: 'reopen', reason: 'the member called back' }, kase.caseId, bob)).toMatchObject(
      {
        outcome: 'done',
        case: { state: 'queued', queuedAt: '2026-12-10T15:00:00.000Z' },
      },
    );
    const old = await claimed();
    await act({ action: 'resolve' }, old.caseId, alice);
    clock.current = new Date('2027-01-30T15:00:00.000Z');
    expect(await act({ action: 'reopen', reason: 'too late' }, old.caseId, alice)).toMatchObject({
      outcome: 'invalid_state',
      case: { state: 'resolved' },
      reason: expect.stringContaining('more than 14 days'),
    });
  });

  it('merges a duplicate into a survivor: both histories kept, links both ways, the survivor takes the higher priority', async () => {
    const { open, act, caseStore, history } = harness();
    const survivor = await open({ subject: 'Refill', bodyText: 'Please refill my lisinopril.' });
    const duplicate = await open({
      subject: 'Expedited appeal',
      bodyText: 'I am appealing the denial of my Eliquis. Please expedite: my health is at risk.',
    });
    const survivorWithClock = await open({
      subject: 'Appeal',
      bodyText: 'I am appealing the denial of my Eliquis under my Medicare Part D plan.',
    });
    expect(await act({ action: 'merge', into: survivor.reference }, duplicate.caseId, sue)).toMatchObject({
      outcome: 'invalid_state',
      reason: expect.stringContaining('merge the other way'),
    });
    const merged = await act(
      { action: 'merge', into: survivorWithClock.reference.toLowerCase(), reason: 'same appeal' },
      duplicate.caseId,
      sue,
    );
    expect(merged).toMatchObject({
      outcome: 'done',
      case: { state: 'merged', mergedInto: survivorWithClock.caseId },
    });
    expect(caseStore.cases.get(survivorWithClock.caseId)).toMatchObject({
      priority: 'urgent',
      links: [{ caseId: duplicate.caseId, relation: 'merged_from' }],
    });
    expect(history(duplicate.caseId).map((event) => event.type)).toEqual(['case_created', 'merged']);
    expect(history(survivorWithClock.caseId).at(-1)).toMatchObject({
      type: 'merged_from',
      detail: { action: 'merge', from: duplicate.caseId, reason: 'same appeal' },
    });
    expect((await caseStore.listQueues([duplicate.queue]))[0]?.depth).toBe(
      [...caseStore.cases.values()].filter(
        (kase) => kase.queue === duplicate.queue && kase.state === 'queued',
      ).length,
    );
  });

  it('gives the survivor the earlier Part D deadline of its duplicate: its due times and queue place follow the merged clock', async () => {
    const { open, act, caseStore, clock } = harness();
    const appeal = {
      subject: 'Appeal',
      bodyText: 'I am appealing the denial of my Eliquis under my Medicare Part D plan.',
    };
    const hours = (n: number) => new Date(Date.parse(TUESDAY) + n * 3_600_000);
    clock.current = hours(-47);
    const first = await open(appeal);
    clock.current = hours(-24);
    const between = await open(appeal);
    clock.current = hours(0);
    const latest = await open(appeal);
    expect([first.queue, between.queue]).toEqual([latest.queue, latest.queue]);
    const order = async () =>
      (await caseStore.listCases({ queue: latest.queue, state: 'queued' }, { limit: 10 })).cases.map(
        (kase) => kase.caseId,
      );
    expect(await order()).toEqual([first.caseId, between.caseId, latest.caseId]);

    const merged = await act(
      { action: 'merge', into: latest.reference, reason: 'same appeal' },
      first.caseId,
      sue,
    );
    expect(merged.outcome).toBe('done');
    const survivor = caseStore.cases.get(latest.caseId);
    const regulatory = survivor?.clocks.clocks.find((clock) => clock.id === 'regulatory');
    expect(regulatory?.dueAt).toBe(first.sla.regulatoryDueAt);
    expect(survivor?.sla.regulatoryDueAt).toBe(regulatory?.dueAt);
    expect(survivor?.sla.firstResponseDueAt).toBe(latest.sla.firstResponseDueAt);
    // The queue orders the survivor by its new due times.
    const byKey = [between.caseId, latest.caseId]
      .map((caseId) => caseStore.cases.get(caseId))
      .filter((kase): kase is Case => kase !== undefined)
      .sort((a, b) => queueOrderKey(a).localeCompare(queueOrderKey(b)))
      .map((kase) => kase.caseId);
    expect(await order()).toEqual(byKey);
  });

  it('does not fire again on the survivor what the duplicate already fired for the same request (one notice, one breach)', async () => {
    const { open, act, caseStore, clock, services, counted } = harness();
    const HOUR = 3_600_000;
    const standard = await open({
      subject: 'Appeal',
      bodyText: 'I am appealing the denial of my Eliquis under my Medicare Part D plan.',
    });
    clock.current = new Date(Date.parse(TUESDAY) + HOUR);
    const expedited = await open({
      subject: 'Expedited appeal',
      bodyText: 'I am appealing the denial of my Eliquis. Please expedite: my health is at risk.',
    });
    // Past the expedited 72 hours, before the standard clock's 50 % warning: only the duplicate fired.
    clock.current = new Date(Date.parse(TUESDAY) + 80 * HOUR);
    const mails: string[] = [];
    const sweep = () =>
      sweepSla({ ...services, mailer: { send: async (mail) => void mails.push(mail.subject) } });
    await sweep();
    const firedOnDuplicate = (caseStore.cases.get(expedited.caseId)?.firedTimerEvents ?? []).filter((id) =>
      id.startsWith('regulatory:'),
    );
    expect(firedOnDuplicate).toEqual(expect.arrayContaining(['regulatory:breach', 'regulatory:ire-forward']));
    const regulatoryMailsOf = (reference: string) =>
      mails.filter((subject) => subject.includes(reference) && subject.includes('regulatory'));
    expect(regulatoryMailsOf(standard.reference)).toEqual([]);
    expect(regulatoryMailsOf(expedited.reference).length).toBeGreaterThan(0);
    expect(await act({ action: 'merge', into: standard.reference }, expedited.caseId, sue)).toMatchObject({
      outcome: 'done',
    });
    // The survivor now runs the expedited 72 hours from its own earlier receipt: already past, but
    // the duplicate told the supervisors, so neither the mails nor the breach repeat.
    const survivor = caseStore.cases.get(standard.caseId);
    expect(survivor?.sla.regulatoryDueAt).toBe(
      new Date(Date.parse(standard.receivedAt) + 72 * HOUR).toISOString(),
    );
    mails.length = 0;
    counted.length = 0;
    await sweep();
    expect(regulatoryMailsOf(standard.reference)).toEqual([]);
    expect(counted).not.toContain('SlaBreach');
  });

  it('keeps the stricter Part D clock when an expedited request is merged into a standard one', async () => {
    const { open, act, caseStore, clock } = harness();
    const regulatoryOf = (caseId: string) =>
      caseStore.cases.get(caseId)?.clocks.clocks.find((kase) => kase.type === 'regulatory');
    const standard = await open({
      subject: 'Appeal',
      bodyText: 'I am appealing the denial of my Eliquis under my Medicare Part D plan.',
    });
    clock.current = new Date(Date.parse(TUESDAY) + 3_600_000);
    const expedited = await open({
      subject: 'Expedited appeal',
      bodyText: 'I am appealing the denial of my Eliquis. Please expedite: my health is at risk.',
    });
    expect(regulatoryOf(standard.caseId)).toMatchObject({ variant: 'standard' });
    expect(regulatoryOf(expedited.caseId)).toMatchObject({ variant: 'expedited' });
    const merged = await act({ action: 'merge', into: standard.reference }, expedited.caseId, sue);
    expect(merged.outcome).toBe('done');
    // 42 CFR 423.590(d)(1): 72 hours, from the earliest receipt (the standard request's, an hour earlier).
    expect(regulatoryOf(standard.caseId)).toMatchObject({
      state: 'running',
      variant: 'expedited',
      startedAt: standard.receivedAt,
      dueAt: new Date(Date.parse(standard.receivedAt) + 72 * 3_600_000).toISOString(),
    });
    expect(caseStore.cases.get(standard.caseId)?.sla.regulatoryDueAt).toBe(
      regulatoryOf(standard.caseId)?.dueAt,
    );
  });

  it('refuses to merge two different Part D requests (a grievance and a coverage determination)', async () => {
    const { open, act, caseStore } = harness();
    const grievance = await open({
      subject: 'Complaint',
      bodyText: 'I want to file a grievance about my Medicare Part D plan: the pharmacy staff were rude.',
    });
    const coverage = await open({
      subject: 'Coverage request',
      bodyText:
        'Please approve coverage of Eliquis under my Medicare Part D plan; it is not on the formulary.',
    });
    const kinds = [grievance, coverage].map(
      (kase) => kase.clocks.clocks.find((clock) => clock.type === 'regulatory')?.regulatoryKind,
    );
    expect(kinds).toEqual(['grievance', 'coverageDetermination']);
    const refused = await act({ action: 'merge', into: grievance.reference }, coverage.caseId, sue);
    expect(refused).toMatchObject({
      outcome: 'invalid_state',
      reason: expect.stringContaining('different requests'),
    });
    expect(caseStore.cases.get(coverage.caseId)?.state).toBe('queued');
    expect(caseStore.cases.get(grievance.caseId)?.links).toBeUndefined();
  });

  it("keeps the survivor's Part D clock on its own receipt when the duplicate's request of the same kind was decided", async () => {
    const { claimed, open, act, caseStore, clock } = harness();
    const hours = (n: number) => new Date(Date.parse(TUESDAY) + n * 3_600_000);
    const request = (drug: string) => ({
      subject: 'Coverage request',
      bodyText: `Please approve coverage of ${drug} under my Medicare Part D plan; it is not on the formulary.`,
    });
    const decided = await claimed(alice, request('Eliquis'));
    clock.current = hours(1);
    // Decided: the case resolved, its clock stopped within the 72 hours (42 CFR 423.568(b)).
    expect((await act({ action: 'resolve' }, decided.caseId, alice)).outcome).toBe('done');
    clock.current = hours(48);
    const later = await open(request('Jardiance'));
    const clockOf = (caseId: string) =>
      caseStore.cases.get(caseId)?.clocks.clocks.find((kase) => kase.type === 'regulatory');
    expect(clockOf(decided.caseId)).toMatchObject({
      regulatoryKind: 'coverageDetermination',
      state: 'stopped',
    });
    const due = clockOf(later.caseId)?.dueAt;

    expect((await act({ action: 'merge', into: later.reference }, decided.caseId, sue)).outcome).toBe('done');

    // The decided request's receipt starts no other request's timeframe: moved back to hour 0, the
    // later request's 72 hours would lose two days and fire its notices (and an IRE forward) early.
    expect(clockOf(later.caseId)).toMatchObject({ startedAt: hours(48).toISOString(), dueAt: due });
  });

  it('refuses to merge a decided Part D request into a case running another kind of request, leaving both unchanged', async () => {
    const { claimed, open, act, caseStore, clock } = harness();
    const hours = (n: number) => new Date(Date.parse(TUESDAY) + n * 3_600_000);
    const grievance = await claimed(alice, {
      subject: 'Complaint',
      bodyText: 'I want to file a grievance about my Medicare Part D plan: the pharmacy staff were rude.',
    });
    clock.current = hours(1);
    // The grievance is decided: its case is resolved and its clock stopped.
    expect((await act({ action: 'resolve' }, grievance.caseId, alice)).outcome).toBe('done');
    clock.current = hours(48);
    const coverage = await open({
      subject: 'Coverage request',
      bodyText:
        'Please approve coverage of Eliquis under my Medicare Part D plan; it is not on the formulary.',
    });
    const clockOf = (caseId: string) =>
      caseStore.cases.get(caseId)?.clocks.clocks.find((kase) => kase.type === 'regulatory');
    expect(clockOf(grievance.caseId)).toMatchObject({ regulatoryKind: 'grievance', state: 'stopped' });
    expect(clockOf(coverage.caseId)).toMatchObject({
      regulatoryKind: 'coverageDetermination',
      state: 'running',
    });
    const before = [caseStore.cases.get(grievance.caseId), caseStore.cases.get(coverage.caseId)];

    const refused = await act({ action: 'merge', into: coverage.reference }, grievance.caseId, sue);

    expect(refused).toMatchObject({
      outcome: 'invalid_state',
      reason: expect.stringContaining('different requests'),
    });
    expect([caseStore.cases.get(grievance.caseId), caseStore.cases.get(coverage.caseId)]).toEqual(before);
    // The coverage determination's 72 hours still run from its own receipt, not the grievance's.
    expect(clockOf(coverage.caseId)?.startedAt).toBe(hours(48).toISOString());
  });

  it("starts the survivor's Part D clock from the earliest receipt the duplicate's clock already ran from", async () => {
    const { open, act, caseStore, clock } = harness();
    const hours = (n: number) => new Date(Date.parse(TUESDAY) + n * 3_600_000);
    const appeal = {
      subject: 'Appeal',
      bodyText: 'I am appealing the denial of my Eliquis under my Medicare Part D plan.',
    };
    const duplicate = await open(appeal);
    // A copy of the request reached the desk 20 hours earlier (a fax processed late): its clock runs from there.
    const stored = caseStore.cases.get(duplicate.caseId);
    if (!stored) throw new Error('missing');
    const moved = stored.clocks.clocks.map((kase) =>
      kase.type === 'regulatory' ? withEarlierReceipt(kase, hours(-20), DEFAULT_POLICY) : kase,
    );
    caseStore.cases.set(duplicate.caseId, { ...stored, clocks: { ...stored.clocks, clocks: moved } });
    clock.current = hours(2);
    const survivor = await open(appeal);
    expect((await act({ action: 'merge', into: survivor.reference }, duplicate.caseId, sue)).outcome).toBe(
      'done',
    );
    const regulatory = caseStore.cases
      .get(survivor.caseId)
      ?.clocks.clocks.find((kase) => kase.type === 'regulatory');
    // 42 CFR 423.590(a)(1): 7 days from receipt; the earliest receipt known is 20 hours before the first case.
    expect(regulatory?.startedAt).toBe(hours(-20).toISOString());
  });

  it('answers a stale version with a conflict and the current case', async () => {
    const { claimed, act } = harness();
    const kase = await claimed();
    await act({ action: 'note', text: 'first' }, kase.caseId, alice);
    const stale = await act({ action: 'pend' }, kase.caseId, alice, kase.version);
    expect(stale).toMatchObject({
      outcome: 'conflict',
      case: { version: kase.version + 1, state: 'claimed' },
    });
  });

  it('leaves the case unchanged on every refusal', async () => {
    const { claimed, open, act, caseStore, clock } = harness();
    const held = await claimed(alice);
    const queued = await open();
    const resolved = await claimed(alice);
    await act({ action: 'resolve' }, resolved.caseId, alice);
    const refusals: [CaseActionRequest, string, StaffMember, string][] = [
      [{ action: 'pend' }, held.caseId, bob, 'forbidden'],
      [{ action: 'resolve' }, held.caseId, bob, 'forbidden'],
      [{ action: 'note', text: 'x' }, held.caseId, bob, 'forbidden'],
      [{ action: 'release' }, held.caseId, bob, 'forbidden'],
      [{ action: 'renew' }, held.caseId, bob, 'forbidden'],
      [{ action: 'transfer', queue: 'billing', reason: 'x' }, held.caseId, bob, 'forbidden'],
      [{ action: 'transfer', queue: 'nowhere', reason: 'x' }, held.caseId, alice, 'unknown_queue'],
      [{ action: 'transfer', queue: 'fulfillment', reason: 'x' }, held.caseId, alice, 'invalid_state'],
      [{ action: 'transfer', queue: 'billing', reason: 'x' }, queued.caseId, alice, 'forbidden'],
      [{ action: 'merge', into: queued.caseId }, held.caseId, alice, 'forbidden'],
      [{ action: 'merge', into: held.caseId }, held.caseId, sue, 'invalid_state'],
      [{ action: 'merge', into: 'CR-0000000000' }, held.caseId, sue, 'not_found'],
      [{ action: 'merge', into: resolved.caseId }, held.caseId, sue, 'invalid_state'],
      [{ action: 'reassign', to: 'bob' }, held.caseId, alice, 'forbidden'],
      [{ action: 'reassign', to: 'alice' }, held.caseId, sue, 'invalid_state'],
      [{ action: 'pend' }, queued.caseId, alice, 'invalid_state'],
      [{ action: 'resolve' }, queued.caseId, alice, 'invalid_state'],
      [{ action: 'release' }, queued.caseId, alice, 'invalid_state'],
      [{ action: 'renew' }, queued.caseId, alice, 'invalid_state'],
      [{ action: 'reopen', reason: 'x' }, queued.caseId, alice, 'invalid_state'],
      [{ action: 'pend' }, resolved.caseId, alice, 'invalid_state'],
      [{ action: 'pend' }, 'NOSUCHCASE', alice, 'not_found'],
    ];
    clock.current = new Date(Date.parse(TUESDAY) + 60_000);
    for (const [request, caseId, staff, expected] of refusals) {
      const before = structuredClone({
        cases: [...caseStore.cases.entries()],
        history: [...caseStore.history.entries()],
        messages: [...caseStore.messages.entries()],
      });
      const outcome = await act(request, caseId, staff);
      expect(outcome.outcome, `${request.action} by ${staff.id}`).toBe(expected);
      if (outcome.outcome === 'invalid_state') expect(outcome.case.caseId).toBe(caseId);
      expect({
        cases: [...caseStore.cases.entries()],
        history: [...caseStore.history.entries()],
        messages: [...caseStore.messages.entries()],
      }).toEqual(before);
    }
  });
});

describe('reclassify', () => {
  const HOUR = 3_600_000;
  const regulatoryOf = (kase: Case | undefined) =>
    kase?.clocks.clocks.find((clock) => clock.type === 'regulatory');
  const BILLING = {
    subject: 'Charged twice',
    bodyText: 'Why was my card charged twice for my refill copay?',
  };
  const APPEAL = {
    subject: 'Appeal',
    bodyText: 'I am appealing the denial of my Eliquis under my Medicare Part D plan.',
  };

  it('re-routes a case triage misread as an appeal: appeals queue, its priority, and a redetermination clock from the receipt', async () => {
    const { claimed, act, history, clock } = harness();
    const kase = await claimed(alice, BILLING);
    expect(kase).toMatchObject({ topic: 'billing', queue: 'billing' });
    expect(regulatoryOf(kase)).toBeUndefined();
    clock.current = new Date(Date.parse(TUESDAY) + 5 * HOUR);
    const outcome = await act(
      { action: 'reclassify', topic: 'appeal', reason: 'the member disputes a denial' },
      kase.caseId,
      alice,
    );
    if (outcome.outcome !== 'done') throw new Error(outcome.outcome);
    // 42 CFR 423.590(a)(1): 7 calendar days from the plan's receipt, not from when staff noticed.
    const dueAt = new Date(Date.parse(kase.receivedAt) + 7 * 24 * HOUR).toISOString();
    expect(outcome.case).toMatchObject({
      topic: 'appeal',
      queue: 'appeals',
      priority: 'high',
      state: 'queued',
      needsTriage: false,
      sla: { regulatoryDueAt: dueAt },
    });
    expect(outcome.case.assignee).toBeUndefined();
    expect(regulatoryOf(outcome.case)).toMatchObject({
      state: 'running',
      regulatoryKind: 'redetermination',
      variant: 'standard',
      startedAt: kase.receivedAt,
      dueAt,
    });
    expect(Date.parse(outcome.case.nextTimerAt ?? '')).toBeLessThanOrEqual(Date.parse(dueAt));
    expect(history(kase.caseId).at(-1)).toMatchObject({
      type: 'reclassified',
      actor: 'alice',
      detail: {
        action: 'reclassify',
        reason: 'the member disputes a denial',
        from: { topic: 'billing', queue: 'billing' },
        to: { topic: 'appeal', queue: 'appeals', priority: 'high' },
        partD: { outcome: 'started', kind: 'redetermination', dueAt, citation: '42 CFR 423.590(a)(1)' },
        releasedFrom: 'alice',
      },
    });
  });

  it('retargets the first-response clock to the rule it now matches, counting the business time already spent', async () => {
    const { claimed, act, history, clock } = harness();
    // Tuesday 09:00 Chicago: a billing question on e-mail's 24 business hours.
    const kase = await claimed(alice, BILLING);
    const firstResponse = (of: Case) => of.clocks.clocks.find((each) => each.id === 'firstResponse');
    const resolution = (of: Case) => of.clocks.clocks.find((each) => each.id === 'resolution');
    expect(firstResponse(kase)).toMatchObject({ targetMs: 24 * HOUR, state: 'running' });
    clock.current = new Date(Date.parse(TUESDAY) + HOUR);
    const outcome = await act(
      { action: 'reclassify', topic: 'appeal', expedited: true, reason: 'the prescriber says it is urgent' },
      kase.caseId,
      alice,
    );
    if (outcome.outcome !== 'done') throw new Error(outcome.outcome);
    // The expedited-appeal rule answers in 2 business hours; one is spent, so it is due at 11:00 Chicago.
    expect(firstResponse(outcome.case)).toMatchObject({
      targetMs: 2 * HOUR,
      state: 'running',
      startedAt: kase.receivedAt,
      dueAt: '2026-12-01T17:00:00.000Z',
    });
    expect(outcome.case.sla.firstResponseDueAt).toBe('2026-12-01T17:00:00.000Z');
    // The rule sets no resolution target of its own: that clock keeps the channel's.
    expect(resolution(outcome.case)).toEqual(resolution(kase));
    expect(Date.parse(outcome.case.nextTimerAt ?? '')).toBeLessThanOrEqual(
      Date.parse('2026-12-01T17:00:00.000Z'),
    );
    expect(history(kase.caseId).at(-1)?.detail).toMatchObject({
      sla: [
        {
          clock: 'firstResponse',
          fromTargetMs: 24 * HOUR,
          toTargetMs: 2 * HOUR,
          dueAt: '2026-12-01T17:00:00.000Z',
        },
      ],
    });
  });

  it('routes a reclassified case of a member abroad by the country they gave, as routing did', async () => {
    const { open, act } = harness();
    const kase = await open({ ...APPEAL, hints: { country: 'MX' } });
    expect(kase).toMatchObject({ topic: 'appeal', country: 'MX' });
    const outcome = await act(
      { action: 'reclassify', topic: 'refill', reason: 'asks for a refill, not an appeal' },
      kase.caseId,
      sue,
    );
    if (outcome.outcome !== 'done') throw new Error(outcome.outcome);
    expect(outcome.case.queue).toBe('international');
  });

  it('lengthens a first-response target too, and a paused clock takes the new target and keeps its pause', async () => {
    const { claimed, act, clock } = harness();
    const kase = await claimed(alice, { ...APPEAL, subject: 'URGENT expedited appeal' });
    const firstResponse = (of: Case) => of.clocks.clocks.find((each) => each.id === 'firstResponse');
    if (!kase.expedited) throw new Error('the fixture is meant to triage as expedited');
    expect(firstResponse(kase)).toMatchObject({ targetMs: 2 * HOUR });
    clock.current = new Date(Date.parse(TUESDAY) + HOUR);
    const pended = await act({ action: 'pend', reason: 'waiting on the prescriber' }, kase.caseId, alice);
    if (pended.outcome !== 'done') throw new Error(pended.outcome);
    clock.current = new Date(Date.parse(TUESDAY) + 3 * HOUR);
    const outcome = await act(
      { action: 'reclassify', topic: 'billing', reason: 'a copay question after all' },
      kase.caseId,
      sue,
    );
    if (outcome.outcome !== 'done') throw new Error(outcome.outcome);
    expect(firstResponse(outcome.case)).toMatchObject({ targetMs: 24 * HOUR, elapsedMs: HOUR });
    // Taken back by the desk (another queue), the case owes the member work again: the clock resumes
    // at 12:00 Chicago with 23 business hours left, Tuesday 12:00-20:00, Wednesday 08:00-20:00, Thursday 08:00-11:00.
    expect(outcome.case.state).toBe('queued');
    expect(firstResponse(outcome.case)).toMatchObject({
      state: 'running',
      dueAt: '2026-12-03T17:00:00.000Z',
    });
  });

  it('confirming what triage read changes no clock, even under a policy edited since the case opened (409)', async () => {
    const { claimed, act, clock, services } = harness();
    const kase = await claimed(alice, BILLING);
    services.policy = {
      ...DEFAULT_POLICY,
      version: `${DEFAULT_POLICY.version}-tighter`,
      channelTargets: {
        ...DEFAULT_POLICY.channelTargets,
        email: { ...DEFAULT_POLICY.channelTargets.email, firstResponse: { hours: 4 } },
      },
    };
    clock.current = new Date(Date.parse(TUESDAY) + 5 * HOUR);
    const outcome = await act(
      { action: 'reclassify', topic: 'billing', reason: 'confirmed' },
      kase.caseId,
      alice,
    );
    expect(outcome).toMatchObject({ outcome: 'invalid_state' });
  });

  it('never lengthens a clock whose warning has fired; a reclassified case keeps it and the clocks carry the new policy version', async () => {
    const { claimed, act, clock, caseStore, services } = harness();
    const opened = await claimed(alice, { ...APPEAL, subject: 'URGENT expedited appeal' });
    // The sweeper warned at 75 % of the 2-hour target.
    const kase = { ...opened, firedTimerEvents: ['firstResponse:warning'] };
    caseStore.cases.set(kase.caseId, kase);
    services.policy = { ...DEFAULT_POLICY, version: `${DEFAULT_POLICY.version}-next` };
    clock.current = new Date(Date.parse(TUESDAY) + 1.6 * HOUR);
    const outcome = await act(
      { action: 'reclassify', topic: 'billing', reason: 'a copay question after all' },
      kase.caseId,
      alice,
    );
    if (outcome.outcome !== 'done') throw new Error(outcome.outcome);
    const firstResponse = outcome.case.clocks.clocks.find((each) => each.id === 'firstResponse');
    expect(firstResponse).toEqual(kase.clocks.clocks.find((each) => each.id === 'firstResponse'));
    expect(outcome.case.policyVersion).toBe(`${DEFAULT_POLICY.version}-next`);
  });

  it('keeps a chat that arrived while chat was closed on the outside-hours targets when it is reclassified', async () => {
    const { act, caseStore, clock, services } = harness();
    // Tuesday 23:00 Chicago: chat (07:00-22:00) is closed.
    const lateLine = { ...widgetMemberLine('conv-late', 'line-1', 'I was charged twice for my copay.') };
    const created = await recordInbound({ ...lateLine, receivedAt: '2026-12-02T05:00:00.000Z' }, services);
    const kase = caseStore.cases.get(created.caseId);
    if (!kase) throw new Error('not recorded');
    expect(kase.openedOutsideChatHours).toBe(true);
    const before = kase.clocks.clocks.find((each) => each.id === 'firstResponse');
    expect(before).toMatchObject({ calendar: 'correspondence', targetMs: 24 * HOUR });
    // Chat hours are then widened to every hour of the week.
    const allDay = Object.fromEntries(
      ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => [day, [['00:00', '24:00']]]),
    );
    const chatCalendar = DEFAULT_POLICY.calendars.chat;
    if (!chatCalendar) throw new Error('the default policy has a chat calendar');
    services.policy = {
      ...DEFAULT_POLICY,
      version: `${DEFAULT_POLICY.version}-all-day-chat`,
      calendars: { ...DEFAULT_POLICY.calendars, chat: { ...chatCalendar, hours: allDay } },
    };
    clock.current = new Date('2026-12-02T15:00:00.000Z');
    const outcome = await act(
      { action: 'reclassify', topic: 'refill', reason: 'asks about a refill' },
      kase.caseId,
      sue,
    );
    if (outcome.outcome !== 'done') throw new Error(outcome.outcome);
    expect(outcome.case.clocks.clocks.find((each) => each.id === 'firstResponse')).toMatchObject({
      calendar: 'correspondence',
      targetMs: 24 * HOUR,
    });
  });

  it('expedites a running appeal to the 72-hour limit from its receipt, and never lengthens it again', async () => {
    const { open, act, caseStore } = harness();
    const kase = await open(APPEAL);
    expect(regulatoryOf(kase)).toMatchObject({ variant: 'standard' });
    expect(
      await act(
        { action: 'reclassify', topic: 'appeal', expedited: true, reason: 'urgent' },
        kase.caseId,
        alice,
      ),
    ).toMatchObject({ outcome: 'forbidden' });
    const expedited = await act(
      { action: 'reclassify', topic: 'appeal', expedited: true, reason: 'the prescriber says it is urgent' },
      kase.caseId,
      sue,
    );
    if (expedited.outcome !== 'done') throw new Error(expedited.outcome);
    const shortDue = new Date(Date.parse(kase.receivedAt) + 72 * HOUR).toISOString();
    expect(expedited.case).toMatchObject({
      priority: 'urgent',
      expedited: true,
      sla: { regulatoryDueAt: shortDue },
    });
    expect(regulatoryOf(expedited.case)).toMatchObject({ variant: 'expedited', dueAt: shortDue });
    expect(expedited.case.clocks.clocks.filter((clock) => clock.type === 'regulatory')).toHaveLength(1);
    const back = await act(
      { action: 'reclassify', topic: 'appeal', expedited: false, reason: 'not urgent after all' },
      kase.caseId,
      sue,
    );
    if (back.outcome !== 'done') throw new Error(back.outcome);
    expect(back.case.priority).toBe('high');
    expect(regulatoryOf(back.case)).toMatchObject({ variant: 'expedited', dueAt: shortDue });
    expect(caseStore.history.get(kase.caseId)?.at(-1)?.detail).toMatchObject({ partD: { outcome: 'kept' } });
  });

  it('leaves a running Part D clock running when the case is reclassified away from the request', async () => {
    const { open, act } = harness();
    const kase = await open(APPEAL);
    const moved = await act(
      { action: 'reclassify', topic: 'billing', reason: 'only a copay question' },
      kase.caseId,
      sue,
    );
    if (moved.outcome !== 'done') throw new Error(moved.outcome);
    expect(moved.case.queue).toBe('billing');
    expect(regulatoryOf(moved.case)).toEqual(regulatoryOf(kase));
    expect(moved.case.sla.regulatoryDueAt).toBe(kase.sla.regulatoryDueAt);
  });

  it('refuses a second, different Part D request on one case, and a finished one, leaving the case unchanged', async () => {
    const { open, act, caseStore, clock } = harness();
    const appeal = await open(APPEAL);
    const refused = await act(
      { action: 'reclassify', topic: 'complaint', reason: 'a grievance' },
      appeal.caseId,
      sue,
    );
    expect(refused).toMatchObject({
      outcome: 'invalid_state',
      reason: expect.stringContaining('different request'),
    });
    expect(caseStore.cases.get(appeal.caseId)).toEqual(appeal);
    const billing = await open(BILLING);
    const claimedBySue = await act({ action: 'reassign', to: 'sue' }, billing.caseId, sue);
    if (claimedBySue.outcome !== 'done') throw new Error(claimedBySue.outcome);
    const started = await act(
      { action: 'reclassify', topic: 'appeal', reason: 'a denial' },
      billing.caseId,
      sue,
    );
    if (started.outcome !== 'done') throw new Error(started.outcome);
    await act({ action: 'reassign', to: 'sue' }, billing.caseId, sue);
    await act({ action: 'resolve' }, billing.caseId, sue);
    clock.current = new Date(Date.parse(TUESDAY) + HOUR);
    await act({ action: 'reopen', reason: 'member wrote again' }, billing.caseId, sue);
    const reopened = caseStore.cases.get(billing.caseId);
    expect(
      await act(
        { action: 'reclassify', topic: 'appeal', expedited: true, reason: 'again' },
        billing.caseId,
        sue,
      ),
    ).toMatchObject({ outcome: 'invalid_state', reason: expect.stringContaining('stopped') });
    expect(caseStore.cases.get(billing.caseId)).toEqual(reopened);
  });

  it('starts the clock at a named receipt only for a supervisor, never in the future, and only for a Part D request', async () => {
    const { claimed, act, clock, caseStore } = harness();
    const kase = await claimed(alice, BILLING);
    clock.current = new Date(Date.parse(TUESDAY) + 48 * HOUR);
    const later = new Date(Date.parse(TUESDAY) + 24 * HOUR).toISOString();
    const request = {
      action: 'reclassify' as const,
      topic: 'appeal' as const,
      partD: { receivedAt: later },
      reason: 'asked in the second message',
    };
    expect(await act(request, kase.caseId, alice)).toMatchObject({ outcome: 'forbidden' });
    // An earlier receipt breaches at once and mails the supervisors: naming any receipt is theirs.
    expect(
      await act(
        { ...request, partD: { receivedAt: new Date(Date.parse(TUESDAY) - 30 * 24 * HOUR).toISOString() } },
        kase.caseId,
        alice,
      ),
    ).toMatchObject({ outcome: 'forbidden' });
    expect(
      await act(
        { ...request, partD: { receivedAt: new Date(Date.parse(TUESDAY) + 72 * HOUR).toISOString() } },
        kase.caseId,
        sue,
      ),
    ).toMatchObject({ outcome: 'invalid_state', reason: expect.stringContaining('future') });
    expect(await act({ ...request, topic: 'refill' }, kase.caseId, sue)).toMatchObject({
      outcome: 'invalid_state',
      reason: expect.stringContaining('no Part D request'),
    });
    expect(caseStore.cases.get(kase.caseId)).toEqual(kase);
    const done = await act(request, kase.caseId, sue);
    if (done.outcome !== 'done') throw new Error(done.outcome);
    expect(regulatoryOf(done.case)).toMatchObject({
      startedAt: later,
      dueAt: new Date(Date.parse(later) + 7 * 24 * HOUR).toISOString(),
    });
  });

  it('takes the payment limit only when told, and refuses a resolved case or a change that changes nothing', async () => {
    const { claimed, act } = harness();
    const payment = await claimed(alice, BILLING);
    const paid = await act(
      { action: 'reclassify', topic: 'coverage', partD: { payment: true }, reason: 'wants the copay back' },
      payment.caseId,
      alice,
    );
    if (paid.outcome !== 'done') throw new Error(paid.outcome);
    expect(regulatoryOf(paid.case)).toMatchObject({
      regulatoryKind: 'coverageDetermination',
      variant: 'payment',
    });
    const plain = await claimed(alice, BILLING);
    const standard = await act(
      { action: 'reclassify', topic: 'coverage', reason: 'a coverage question' },
      plain.caseId,
      alice,
    );
    if (standard.outcome !== 'done') throw new Error(standard.outcome);
    expect(regulatoryOf(standard.case)).toMatchObject({ variant: 'standard', limit: '72 hours' });
    const same = await act({ action: 'reclassify', topic: 'coverage', reason: 'again' }, plain.caseId, sue);
    expect(same).toMatchObject({ outcome: 'invalid_state', reason: expect.stringContaining('already') });
    const resolvedCase = await claimed(alice, BILLING);
    await act({ action: 'resolve' }, resolvedCase.caseId, alice);
    expect(
      await act({ action: 'reclassify', topic: 'appeal', reason: 'late' }, resolvedCase.caseId, sue),
    ).toMatchObject({ outcome: 'invalid_state', reason: expect.stringContaining('reopen') });
  });

  it('starts the clock from an earlier message of the case: a fax received before the mail that opened it', async () => {
    const { open, act, services, caseStore } = harness();
    const kase = await open({ ...BILLING, sender: { address: 'member@example.com' } });
    // Faxed the day before, OCR'd and routed after the e-mail opened the case.
    const faxedAt = new Date(Date.parse(TUESDAY) - 30 * HOUR).toISOString();
    await recordInbound(
      inboundEmail({
        ...BILLING,
        externalId: '<earlier@mail.example.com>',
        receivedAt: faxedAt,
        sender: { address: 'member@example.com' },
        subject: `Re: ${kase.reference}`,
        threading: { messageId: '<earlier@mail.example.com>', references: [] },
      }),
      services,
    );
    expect(caseStore.cases.get(kase.caseId)?.messageCount).toBe(2);
    const outcome = await act(
      { action: 'reclassify', topic: 'appeal', reason: 'a denial' },
      kase.caseId,
      sue,
    );
    if (outcome.outcome !== 'done') throw new Error(outcome.outcome);
    // 42 CFR 423.590(a)(1): from the plan's receipt of the request, the earliest on any channel.
    expect(regulatoryOf(outcome.case)).toMatchObject({
      startedAt: faxedAt,
      dueAt: new Date(Date.parse(faxedAt) + 7 * 24 * HOUR).toISOString(),
    });
  });

  it('starts the clock from the receipt of a duplicate merged into the case before it was reclassified', async () => {
    const { open, act, clock } = harness();
    clock.current = new Date(Date.parse(TUESDAY) - 30 * HOUR);
    const duplicate = await open(BILLING);
    clock.current = new Date(TUESDAY);
    const survivor = await open(BILLING);
    expect(await act({ action: 'merge', into: survivor.caseId }, duplicate.caseId, sue)).toMatchObject({
      outcome: 'done',
    });
    const outcome = await act(
      { action: 'reclassify', topic: 'appeal', reason: 'both are the same appeal' },
      survivor.caseId,
      sue,
    );
    if (outcome.outcome !== 'done') throw new Error(outcome.outcome);
    expect(regulatoryOf(outcome.case)).toMatchObject({
      startedAt: duplicate.receivedAt,
      dueAt: new Date(Date.parse(duplicate.receivedAt) + 7 * 24 * HOUR).toISOString(),
    });
  });

  it('does not date a request from a merged duplicate whose own Part D request was decided', async () => {
    const { claimed, open, act, clock } = harness();
    clock.current = new Date(Date.parse(TUESDAY) - 30 * HOUR);
    const decided = await claimed(alice, APPEAL);
    expect(
      await act({ action: 'resolve', resolution: 'redetermination issued' }, decided.caseId, alice),
    ).toMatchObject({
      outcome: 'done',
    });
    clock.current = new Date(TUESDAY);
    const survivor = await open(BILLING);
    expect(await act({ action: 'merge', into: survivor.caseId }, decided.caseId, sue)).toMatchObject({
      outcome: 'done',
    });
    const outcome = await act(
      { action: 'reclassify', topic: 'appeal', reason: 'a new appeal of another denial' },
      survivor.caseId,
      sue,
    );
    if (outcome.outcome !== 'done') throw new Error(outcome.outcome);
    // 42 CFR 423.590(a)(1): seven days from this request's own receipt, not the decided one's.
    expect(regulatoryOf(outcome.case)).toMatchObject({
      startedAt: survivor.receivedAt,
      dueAt: new Date(Date.parse(survivor.receivedAt) + 7 * 24 * HOUR).toISOString(),
    });
  });

  it('gives an appeal triage read as a complaint the redetermination clock, which ends before the grievance one', async () => {
    const { claimed, act } = harness();
    const kase = await claimed(alice, {
      subject: 'Complaint',
      bodyText: 'I want to file a complaint about the rude pharmacist and the terrible service I received.',
    });
    expect(regulatoryOf(kase)).toMatchObject({ regulatoryKind: 'grievance', limit: '30 days' });
    const outcome = await act(
      { action: 'reclassify', topic: 'appeal', reason: 'the member disputes the denial, it is an appeal' },
      kase.caseId,
      alice,
    );
    if (outcome.outcome !== 'done') throw new Error(`${outcome.outcome}: ${JSON.stringify(outcome)}`);
    // 42 CFR 423.590(a)(1): 7 days from the receipt; the grievance's 30 days would let it run late.
    const dueAt = new Date(Date.parse(kase.receivedAt) + 7 * 24 * HOUR).toISOString();
    expect(outcome.case).toMatchObject({ queue: 'appeals', sla: { regulatoryDueAt: dueAt } });
    expect(outcome.case.clocks.clocks.filter((clock) => clock.type === 'regulatory')).toEqual([
      expect.objectContaining({ regulatoryKind: 'redetermination', startedAt: kase.receivedAt, dueAt }),
    ]);
  });

  it('warns again for a replaced Part D clock whose warning is still ahead (a supervisor names a later receipt)', async () => {
    const { open, act, clock, caseStore, services, history } = harness();
    const DAY = 24 * HOUR;
    const kase = await open(APPEAL);
    const start = Date.parse(kase.receivedAt);
    // 3.7 days into the 7-day redetermination: its 50 % warning has fired.
    clock.current = new Date(start + 3.7 * DAY);
    await sweepSla({ ...services, mailer: { send: async () => undefined } });
    expect(caseStore.cases.get(kase.caseId)?.firedTimerEvents).toContain('regulatory:warning');
    // The prescriber's expedite request came in at 3.6 days: 72 hours from then ends before 7 days.
    const receivedAt = new Date(start + 3.6 * DAY).toISOString();
    const outcome = await act(
      { action: 'reclassify', topic: 'appeal', expedited: true, partD: { receivedAt }, reason: 'expedite' },
      kase.caseId,
      sue,
    );
    if (outcome.outcome !== 'done') throw new Error(outcome.outcome);
    const replaced = outcome.case.clocks.clocks.find((c) => c.type === 'regulatory');
    expect(replaced).toMatchObject({ variant: 'expedited', startedAt: receivedAt });
    // Its warning (50 % of 72 hours: 5.1 days) is ahead, so it is no longer counted as fired.
    expect(outcome.case.firedTimerEvents).not.toContain('regulatory:warning');
    clock.current = new Date(start + 5.2 * DAY);
    await sweepSla({ ...services, mailer: { send: async () => undefined } });
    const warnings = history(kase.caseId).filter(
      (event) => event.type === 'sla_warning' && event.detail?.clock === 'regulatory',
    );
    expect(warnings).toHaveLength(2);
  });

  it('never lowers the priority an SLA escalation raised: the holder reclassifying an at-risk appeal keeps it urgent', async () => {
    const { open, act, clock, caseStore, services } = harness();
    const kase = await open(APPEAL);
    // 75 % of the 7-day redetermination clock: regulatory-at-risk sets urgent (and the first
    // response is long overdue: escalations).
    clock.current = new Date(Date.parse(kase.receivedAt) + 5.5 * 24 * HOUR);
    await sweepSla({ ...services, mailer: { send: async () => undefined } });
    const escalated = caseStore.cases.get(kase.caseId);
    if (!escalated) throw new Error('no case');
    expect(escalated.priority).toBe('urgent');
    expect(escalated.firedTimerEvents).toContain('regulatory:escalation:regulatory-at-risk');
    const { after, events } = claimRevision(escalated, alice, clock.now(), services.leaseMs);
    expect(await caseStore.applyRevision({ before: escalated, after, events }, [])).toBe('applied');
    const outcome = await act(
      { action: 'reclassify', topic: 'appeal', reason: 'back to the appeals team' },
      kase.caseId,
      alice,
    );
    if (outcome.outcome !== 'done') throw new Error(outcome.outcome);
    expect(outcome.case.priority).toBe('urgent');
  });

  it('never lowers the priority the IRE stage raised: a policy without a regulatory ladder still keeps an undecided appeal urgent', async () => {
    const { open, act, clock, caseStore, services } = harness();
    // The IRE stage is code, not policy: it sets urgent at the limit whatever the ladder says.
    services.policy = { ...DEFAULT_POLICY, timers: { ...DEFAULT_POLICY.timers, escalation: [] } };
    const kase = await open(APPEAL);
    // Past the 7-day redetermination limit, undecided: regulatory:ire-forward sets urgent.
    clock.current = new Date(Date.parse(kase.receivedAt) + 7 * 24 * HOUR + HOUR);
    await sweepSla({ ...services, mailer: { send: async () => undefined } });
    const escalated = caseStore.cases.get(kase.caseId);
    if (!escalated) throw new Error('no case');
    expect(escalated.firedTimerEvents).toContain('regulatory:ire-forward');
    expect(escalated.priority).toBe('urgent');
    const { after, events } = claimRevision(escalated, alice, clock.now(), services.leaseMs);
    expect(await caseStore.applyRevision({ before: escalated, after, events }, [])).toBe('applied');
    // The holder sends it to the pharmacists (rule priority high); its Part D clock runs on.
    const outcome = await act(
      { action: 'reclassify', topic: 'clinical', reason: 'a pharmacist must review the drug first' },
      kase.caseId,
      alice,
    );
    if (outcome.outcome !== 'done') throw new Error(outcome.outcome);
    expect(outcome.case.queue).toBe('pharmacist');
    expect(outcome.case.priority).toBe('urgent');
  });

  it('keeps the payment limit triage found when a supervisor confirms the topic and says nothing of payment', async () => {
    const { open, act } = harness();
    const kase = await open({
      subject: 'Coverage',
      bodyText:
        'My Medicare Part D plan would not cover my Eliquis so I paid out of pocket at the pharmacy. Please reimburse me for the drug I already bought.',
    });
    expect(kase).toMatchObject({ queue: 'triage', needsTriage: true });
    expect(regulatoryOf(kase)).toMatchObject({ regulatoryKind: 'coverageDetermination', variant: 'payment' });
    const outcome = await act(
      { action: 'reclassify', topic: 'coverage', reason: 'confirmed: a coverage request' },
      kase.caseId,
      sue,
    );
    if (outcome.outcome !== 'done') throw new Error(outcome.outcome);
    // 42 CFR 423.568(c): a request for payment is decided within 14 days, not 72 hours.
    expect(outcome.case).toMatchObject({ queue: 'coverage', needsTriage: false });
    expect(regulatoryOf(outcome.case)).toEqual(regulatoryOf(kase));
  });
});
