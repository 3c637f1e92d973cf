import { describe, expect, it } from 'vitest';
import { actOnCase } from '../../../lambdas/domain/cases/caseActions.js';
import { caseIdFor, caseReference } from '../../../lambdas/domain/cases/caseIds.js';
import type { Case } from '../../../lambdas/domain/cases/caseRecord.js';
import { SUSPENDED_QUEUE } from '../../../lambdas/domain/cases/caseRecord.js';
import { viewCase } from '../../../lambdas/domain/cases/caseViews.js';
import { inboundKeyOf } from '../../../lambdas/domain/cases/messageIdentity.js';
import { recordInbound, STORED_TEXT_LIMIT } from '../../../lambdas/domain/cases/recordInbound.js';
import type { InboundMessage } from '../../../lambdas/domain/inboundMessage.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { clocksOnResolve } from '../../../lambdas/domain/sla/clocks.js';
import { FakeClock } from '../../helpers/FakeClock.js';
import { InMemoryCaseStore } from '../../helpers/InMemoryCaseStore.js';
import { inboundEmail } from '../../helpers/inboundMessages.js';

const fixedClock = { now: () => new Date('2026-11-27T16:00:05.000Z') };

function services() {
  return { caseStore: new InMemoryCaseStore(), clock: fixedClock, policy: DEFAULT_POLICY };
}

describe('recordInbound', () => {
  it('opens a routed case whose preview and message carry no identifiers', async () => {
    const deps = services();
    const outcome = await recordInbound(inboundEmail(), deps);

    expect(outcome).toEqual({
      outcome: 'created',
      caseId: caseIdFor('email', inboundKeyOf(inboundEmail())),
      queue: 'fulfillment',
      acknowledged: false,
    });
    const view = await deps.caseStore.getCase(outcome.caseId);
    expect(view?.case).toMatchObject({
      state: 'queued',
      topic: 'refill',
      piiTypes: ['SSN'],
      policyVersion: DEFAULT_POLICY.version,
    });
    expect(view?.case.preview).not.toContain('123-45-6789');
    expect(view?.messages[0]?.text).not.toContain('123-45-6789');
    expect(view?.case.sla.firstResponseDueAt).toBeDefined();
  });

  it('keeps the triage evidence that routed the case, redacted and bounded, for the case view', async () => {
    const deps = services();
    const expedited = inboundEmail({
      externalId: '<evidence@mail.example.com>',
      subject: 'URGENT appeal',
      bodyText:
        'I need an expedited appeal of the denial of my Medicare Part D drug, waiting could seriously harm my health. SSN 123-45-6789.',
    });
    const outcome = await recordInbound(expedited, deps);
    const view = await deps.caseStore.getCase('caseId' in outcome ? outcome.caseId : '');
    const evidence = view?.case.triageEvidence ?? [];

    expect(evidence.length).toBeGreaterThan(1);
    expect(evidence.length).toBeLessThanOrEqual(12);
    expect(evidence.join(' ')).toMatch(/expedit/i);
    expect(evidence.join(' ')).not.toContain('123-45-6789');
    expect(evidence.every((item) => item.length <= 200)).toBe(true);
  });

  it('leaves out evidence that quotes a fragment of an identifier the redactor no longer recognises', async () => {
    const deps = services();
    const leaks: string[] = [];
    for (let index = 0; index < 40; index++) {
      const last4 = String(1000 + index * 211).slice(-4);
      const phone4 = String(2000 + index * 97).slice(-4);
      const message = inboundEmail({
        externalId: `<leak-${index}@mail.example.com>`,
        subject: 'Refill',
        bodyText: `Please refill my prescription. My SSN is 219-09-${last4} and call me at 415-555-${phone4}.\nPhone (urgent: yes) 555-${phone4}\nBorn (expedited: yes) 03/04/2015\nExpedited: yes" ${last4}`,
      });
      const outcome = await recordInbound(message, deps);
      const evidence = (await deps.caseStore.getCase('caseId' in outcome ? outcome.caseId : ''))?.case
        .triageEvidence;
      const joined = (evidence ?? []).join(' | ');
      if ([last4, phone4, '03/04/2015'].some((fragment) => joined.includes(fragment))) leaks.push(joined);
    }
    expect(leaks).toEqual([]);
  });

  it('leaves out evidence whose quote a stray quote mark in the text unbalanced', async () => {
    const deps = services();
    const outcome = await recordInbound(
      inboundEmail({
        externalId: '<stray-quote@mail.example.com>',
        subject: 'Appeal',
        bodyText: 'Expedited: yes" 9757',
      }),
      deps,
    );
    const evidence = (await deps.caseStore.getCase('caseId' in outcome ? outcome.caseId : ''))?.case
      .triageEvidence;
    expect((evidence ?? []).join(' | ')).not.toContain('9757');
  });

  it('reports the same message delivered twice as a duplicate of one case', async () => {
    const deps = services();
    const first = await recordInbound(inboundEmail(), deps);
    const second = await recordInbound(inboundEmail(), deps);
    expect(second).toEqual({ outcome: 'duplicate', caseId: first.caseId });
    expect(deps.caseStore.cases.size).toBe(1);
  });

  it('threads a reply by In-Reply-To into the case it answers', async () => {
    const deps = services();
    const first = await recordInbound(inboundEmail(), deps);
    const reply = inboundEmail({
      externalId: '<refill-2@mail.example.com>',
      subject: 'Re: Refill for my lisinopril',
      bodyText: 'Any news?',
      threading: {
        messageId: '<refill-2@mail.example.com>',
        inReplyTo: '<refill-1@mail.example.com>',
        references: [],
      },
    });
    expect(await recordInbound(reply, deps)).toEqual({
      outcome: 'threaded',
      caseId: first.caseId,
      unverifiedSender: false,
    });
    expect(deps.caseStore.messages.get(first.caseId)).toHaveLength(2);
  });

  it('threads a message naming the case reference in its subject', async () => {
    const deps = services();
    const first = await recordInbound(inboundEmail(), deps);
    const followUp = inboundEmail({
      externalId: '<other@mail.example.com>',
      subject: `About ${caseReference(first.caseId)}`,
      threading: { messageId: '<other@mail.example.com>', references: [] },
    });
    expect(await recordInbound(followUp, deps)).toEqual({
      outcome: 'threaded',
      caseId: first.caseId,
      unverifiedSender: false,
    });
  });

  it('opens a new case when a subject names a reference that does not exist', async () => {
    const deps = services();
    const outcome = await recordInbound(inboundEmail({ subject: 'Re: CR-0000000000 refill please' }), deps);
    expect(outcome.outcome).toBe('created');
  });

  it('parks automated mail that matches no case in the suspended queue at low priority', async () => {
    const deps = services();
    const outcome = await recordInbound(
      inboundEmail({ automated: true, subject: 'Out of office', bodyText: 'I am away until Monday.' }),
      deps,
    );
    expect(outcome).toMatchObject({ outcome: 'created', queue: SUSPENDED_QUEUE });
    const parked = deps.caseStore.cases.get(outcome.caseId);
    expect(parked).toMatchObject({ priority: 'low', automated: true });
    expect(parked?.clocks.clocks).toEqual([]);
    expect(parked?.nextTimerAt).toBeUndefined();
  });

  it('stores a very long message truncated with a note, keeping the item small', async () => {
    const deps = services();
    const outcome = await recordInbound(
      inboundEmail({ bodyText: `Refill please. ${'word '.repeat(40_000)}` }),
      deps,
    );
    const text = deps.caseStore.messages.get(outcome.caseId)?.[0]?.text ?? '';
    expect(text.length).toBeLessThan(STORED_TEXT_LIMIT + 100);
    expect(text).toMatch(/\[truncated: the full message is in the raw original\]$/);
  });

  it("sends a message below the policy's topic confidence to the triage queue, flagged for a person", async () => {
    // A policy that trusts no classification: whatever the classifier says, a person decides.
    const deps = { ...services(), policy: { ...DEFAULT_POLICY, minTopicConfidence: 1 } };
    const outcome = await recordInbound(inboundEmail(), deps);
    expect(outcome).toMatchObject({ outcome: 'created', queue: DEFAULT_POLICY.triageQueue });
    expect(deps.caseStore.cases.get(outcome.caseId)?.needsTriage).toBe(true);
  });
});

/** Marks a case resolved at a time with its clocks stopped, as a staff resolve would leave it. */
function resolveCase(caseStore: InMemoryCaseStore, caseId: string, resolvedAt: string): void {
  const kase = caseStore.cases.get(caseId);
  if (!kase) throw new Error('missing');
  caseStore.cases.set(caseId, {
    ...kase,
    state: 'resolved',
    resolvedAt,
    clocks: clocksOnResolve(kase.clocks, new Date(resolvedAt), DEFAULT_POLICY),
  });
}

describe('recordInbound on threads, senders and closed cases', () => {
  const at = (iso: string) => ({ now: () => new Date(iso) });
  const staffServices = (caseStore: InMemoryCaseStore, clock: { now: () => Date }) => ({
    caseStore,
    clock,
    policy: DEFAULT_POLICY,
    metrics: { count: () => {} },
    leaseMs: 15 * 60_000,
  });
  const sue = { id: 'sue', role: 'supervisor' as const, languages: ['en'] };

  function reply(id: string, overrides: Partial<InboundMessage> = {}): InboundMessage {
    return inboundEmail({
      externalId: `<${id}@mail.example.com>`,
      subject: 'Re: Refill for my lisinopril',
      bodyText: `Any news? ${id}`,
      threading: {
        messageId: `<${id}@mail.example.com>`,
        inReplyTo: '<refill-1@mail.example.com>',
        references: ['<refill-1@mail.example.com>'],
      },
      ...overrides,
    });
  }

  it('marks a message that names the case reference from an address the case has never seen', async () => {
    const deps = services();
    const first = await recordInbound(inboundEmail(), deps);
    const hijack = inboundEmail({
      externalId: '<evil@attacker.example>',
      sender: { address: 'someone@attacker.example' },
      subject: `Re: ${caseReference(first.caseId)} change of address`,
      bodyText: 'Ship my meds to 1 Evil Street.',
      threading: { messageId: '<evil@attacker.example>', references: [] },
    });
    expect(await recordInbound(hijack, deps)).toEqual({
      outcome: 'threaded',
      caseId: first.caseId,
      unverifiedSender: true,
    });
    const view = await viewCase(first.caseId, deps);
    expect(view?.case.unverifiedMessages).toBe(1);
    expect(view?.case.participants).toEqual(['maria@example.com']);
    expect(view?.messages[1]?.unverifiedSender).toEqual({
      matchedBy: 'case_reference',
      reason: 'names the case reference from an address this case has not seen',
    });
    expect(view?.history.at(-1)?.detail).toMatchObject({ unverifiedSender: { matchedBy: 'case_reference' } });
  });

  it('marks a reply in the thread from a new address, and trusts one from the member', async () => {
    const deps = services();
    const first = await recordInbound(inboundEmail(), deps);
    expect(await recordInbound(reply('from-member'), deps)).toMatchObject({ unverifiedSender: false });
    expect(
      await recordInbound(reply('from-cc', { sender: { address: 'daughter@example.com' } }), deps),
    ).toEqual({
      outcome: 'threaded',
      caseId: first.caseId,
      unverifiedSender: true,
    });
    const view = await viewCase(first.caseId, deps);
    expect(view?.messages.map((message) => message.unverifiedSender?.matchedBy)).toEqual([
      undefined,
      undefined,
      'thread_references',
    ]);
  });

  it('marks a reply flagged as possible spoofing even from an address the case knows', async () => {
    const deps = services();
    const first = await recordInbound(
      inboundEmail({ sender: { address: 'pharmacist@pharmacy.example' } }),
      deps,
    );
    const forged = reply('forged', {
      sender: { address: 'pharmacist@pharmacy.example' },
      emailVerdicts: { dmarc: 'FAIL' },
      hints: { possibleSpoofing: true },
    });

    const outcome = await recordInbound(forged, deps);

    expect(outcome).toEqual({ outcome: 'threaded', caseId: first.caseId, unverifiedSender: true });
    const view = await viewCase(first.caseId, deps);
    expect(view?.case.unverifiedMessages).toBe(1);
    expect(view?.messages[1]?.unverifiedSender).toMatchObject({
      matchedBy: 'thread_references',
      possibleSpoofing: true,
    });
    expect(view?.history.at(-1)?.detail).toMatchObject({ unverifiedSender: { possibleSpoofing: true } });
  });

  it('redacts the display name and attachment file names it shows staff', async () => {
    const deps = services();
    const created = await recordInbound(
      inboundEmail({
        sender: { address: 'maria@example.com', name: 'Maria SSN 123-45-6789' },
        attachments: [{ filename: 'SSN 123-45-6789 card.pdf', contentType: 'application/pdf', size: 1_000 }],
      }),
      deps,
    );
    const view = await viewCase(created.caseId, deps);
    const shown = JSON.stringify(view);
    expect(shown).not.toContain('123-45-6789');
    expect(view?.case.sender.name).toBe('Maria SSN [SSN]');
    expect(view?.messages[0]?.sender?.name).toBe('Maria SSN [SSN]');
    expect(view?.messages[0]?.attachments[0]?.filename).toBe('SSN [SSN] card.pdf');
  });

  it('redacts the lines it read off a fax form (the expedited sentence, the drug, names) as it stores and shows them', async () => {
    const deps = services();
    const fax = {
      provider: 'telnyx' as const,
      faxId: 'fax-1',
      pageCount: 1,
      partial: false,
      documentKey: 'fax/telnyx/fax-1/document',
      mediaType: 'application/pdf' as const,
      pages: [{ pageNumber: 1, confidence: 0.9 }],
      ocr: { engine: 'tesseract', confidence: 0.9, unreadablePages: [] },
      fields: {
        requestType: 'redetermination' as const,
        expedited: true,
        expeditedEvidence: 'URGENT expedited appeal for member SSN 123-45-6789, Medicare 1EG4-TE5-MK73',
        formRecognized: true,
        coverSheet: false,
        memberName: 'Maria Lopez SSN 123-45-6789',
        drug: 'Eliquis 5 mg, card 4111 1111 1111 1111',
      },
    };
    const created = await recordInbound(
      inboundEmail({
        channel: 'fax',
        externalId: 'telnyx:fax-1',
        sender: { phone: '+15551234567' },
        subject: 'Redetermination request by fax',
        bodyText: 'URGENT expedited appeal',
        threading: { references: [] },
        fax,
      }),
      deps,
    );
    const stored = JSON.stringify(await deps.caseStore.getCase(created.caseId));
    const shown = JSON.stringify(await viewCase(created.caseId, deps));
    for (const identifier of ['123-45-6789', '1EG4-TE5-MK73', '4111 1111 1111 1111']) {
      expect(stored).not.toContain(identifier);
      expect(shown).not.toContain(identifier);
    }
    const view = await viewCase(created.caseId, deps);
    expect(view?.messages[0]?.fax?.fields.expeditedEvidence).toBe(
      'URGENT expedited appeal for member SSN [SSN], Medicare [MBI]',
    );
    expect(view?.messages[0]?.fax?.fields.drug).toBe('Eliquis 5 mg, card [CARD]');
  });

  it('reopens a resolved case when the member writes within the reopen window', async () => {
    const deps = services();
    const first = await recordInbound(inboundEmail(), deps);
    resolveCase(deps.caseStore, first.caseId, '2026-11-28T16:00:00.000Z');
    const outcome = await recordInbound(reply('soon', { receivedAt: '2026-12-01T16:00:00.000Z' }), {
      ...deps,
      clock: at('2026-12-01T16:00:05.000Z'),
    });
    expect(outcome).toMatchObject({ outcome: 'threaded', caseId: first.caseId });
    expect(deps.caseStore.cases.get(first.caseId)?.state).toBe('queued');
    expect(deps.caseStore.history.get(first.caseId)?.map((event) => event.type)).toContain('reopened');
  });

  it('opens a follow-up case linked both ways when the member writes past the reopen window, and keeps the thread there', async () => {
    const deps = services();
    const first = await recordInbound(inboundEmail(), deps);
    resolveCase(deps.caseStore, first.caseId, '2026-11-28T16:00:00.000Z');
    const late = { ...deps, clock: at('2027-01-05T16:00:05.000Z') };
    const outcome = await recordInbound(reply('late', { receivedAt: '2027-01-05T16:00:00.000Z' }), late);
    expect(outcome).toMatchObject({ outcome: 'created', follows: first.caseId });
    const followUp = outcome.caseId;
    expect(followUp).not.toBe(first.caseId);
    expect(deps.caseStore.cases.get(followUp)?.links).toEqual([
      { caseId: first.caseId, relation: 'follows', at: '2027-01-05T16:00:05.000Z' },
    ]);
    expect(deps.caseStore.cases.get(first.caseId)).toMatchObject({
      state: 'resolved',
      links: [{ caseId: followUp, relation: 'followed_by' }],
    });
    const later = await recordInbound(reply('later', { receivedAt: '2027-01-06T16:00:00.000Z' }), late);
    expect(later).toMatchObject({ outcome: 'threaded', caseId: followUp });
  });

  it('opens a follow-up for a parent arriving after the case its reply opened was closed past the window', async () => {
    const deps = services();
    // The reply came first: its case holds the parent's Message-ID as a reference, waiting for it.
    const early = await recordInbound(reply('early-reply'), deps);
    resolveCase(deps.caseStore, early.caseId, '2026-11-28T16:00:00.000Z');
    const late = { ...deps, clock: at('2027-01-05T16:00:05.000Z') };
    // Two months on, the parent itself arrives.
    const parent = inboundEmail({ receivedAt: '2027-01-05T16:00:00.000Z' });
    const outcome = await recordInbound(parent, late);
    expect(outcome).toMatchObject({ outcome: 'created', follows: early.caseId });
    // A later message naming the parent finds the closed case and is sent on to the follow-up.
    const later = await recordInbound(reply('later', { receivedAt: '2027-01-06T16:00:00.000Z' }), late);
    expect(later).toMatchObject({ outcome: 'threaded', caseId: outcome.caseId });
  });

  it('opens the next follow-up of a thread answered monthly for a year, each case closed past the window', async () => {
    const deps = { ...services(), clock: new FakeClock(new Date('2026-01-05T16:00:05.000Z')) };
    const resolve = (caseId: string, resolvedAt: string) => resolveCase(deps.caseStore, caseId, resolvedAt);
    const first = await recordInbound(inboundEmail({ receivedAt: '2026-01-05T16:00:00.000Z' }), deps);
    resolve(first.caseId, '2026-01-06T16:00:00.000Z');
    const opened = [first.caseId];
    for (let month = 2; month <= 12; month++) {
      const mm = String(month).padStart(2, '0');
      deps.clock.current = new Date(`2026-${mm}-05T16:00:05.000Z`);
      const outcome = await recordInbound(
        reply(`refill-${month}`, { receivedAt: `2026-${mm}-05T16:00:00.000Z` }),
        deps,
      );
      expect(outcome, `month ${month}`).toMatchObject({ outcome: 'created', follows: opened.at(-1) });
      opened.push(outcome.caseId);
      resolve(outcome.caseId, `2026-${mm}-06T16:00:00.000Z`);
    }
    expect(new Set(opened).size).toBe(12);
  });

  it("opens a follow-up for a parent arriving after both its case and that case's follow-up were closed", async () => {
    const deps = { ...services(), clock: new FakeClock(new Date('2026-11-27T16:00:05.000Z')) };
    const resolve = (caseId: string, resolvedAt: string) => resolveCase(deps.caseStore, caseId, resolvedAt);
    // The reply came first: its case holds the parent's Message-ID as a reference.
    const early = await recordInbound(reply('early-reply'), deps);
    resolve(early.caseId, '2026-11-28T16:00:00.000Z');
    deps.clock.current = new Date('2027-01-05T16:00:05.000Z');
    const followUp = await recordInbound(reply('second', { receivedAt: '2027-01-05T16:00:00.000Z' }), deps);
    expect(followUp).toMatchObject({ outcome: 'created', follows: early.caseId });
    resolve(followUp.caseId, '2027-01-06T16:00:00.000Z');
    deps.clock.current = new Date('2027-03-05T16:00:05.000Z');
    const parent = await recordInbound(inboundEmail({ receivedAt: '2027-03-05T16:00:00.000Z' }), deps);
    expect(parent).toMatchObject({ outcome: 'created', follows: followUp.caseId });
  });

  it('runs the resolution clock on when the member reopens a resolved case, as a staff reopen does', async () => {
    const deps = services();
    const first = await recordInbound(inboundEmail(), deps);
    resolveCase(deps.caseStore, first.caseId, '2026-11-27T18:00:00.000Z');
    const later = { ...deps, clock: at('2026-11-30T16:00:05.000Z') };
    await recordInbound(reply('still-waiting', { receivedAt: '2026-11-30T16:00:00.000Z' }), later);
    const reopened = deps.caseStore.cases.get(first.caseId);
    expect(reopened?.state).toBe('queued');
    const resolution = reopened?.clocks.clocks.find((candidate) => candidate.kind === 'resolution');
    expect(resolution).toMatchObject({ state: 'running' });
    expect(reopened?.sla.resolutionDueAt).toBe(resolution?.dueAt);
  });

  it("moves the case's due times with its Part D clock when an earlier copy of the request joins it", async () => {
    const deps = services();
    const appeal = {
      subject: 'Appeal',
      bodyText: 'I am appealing the denial of my Eliquis under my Medicare Part D plan.',
    };
    const opened = await recordInbound(inboundEmail(appeal), deps);
    const before = deps.caseStore.cases.get(opened.caseId);
    // The same appeal by fax reached the desk 20 hours before the e-mail, and is routed after it.
    await recordInbound(reply('faxed-copy', { ...appeal, receivedAt: '2026-11-26T20:00:00.000Z' }), deps);
    const after = deps.caseStore.cases.get(opened.caseId);
    const regulatory = after?.clocks.clocks.find((candidate) => candidate.type === 'regulatory');
    expect(regulatory?.startedAt).toBe('2026-11-26T20:00:00.000Z');
    expect(Date.parse(after?.sla.regulatoryDueAt ?? '')).toBeLessThan(
      Date.parse(before?.sla.regulatoryDueAt ?? ''),
    );
    expect(after?.sla.regulatoryDueAt).toBe(regulatory?.dueAt);
  });

  it('forwards a message on a merged duplicate to the surviving case', async () => {
    const deps = services();
    const survivor = await recordInbound(inboundEmail(), deps);
    const duplicate = await recordInbound(
      inboundEmail({
        externalId: '<dup@mail.example.com>',
        bodyText: 'Same request again: refill my lisinopril.',
        threading: { messageId: '<dup@mail.example.com>', references: [] },
      }),
      deps,
    );
    expect(
      await actOnCase(
        { action: 'merge', into: survivor.caseId },
        duplicate.caseId,
        sue,
        staffServices(deps.caseStore, fixedClock),
      ),
    ).toMatchObject({ outcome: 'done' });
    const toDuplicate = reply('to-dup', {
      threading: {
        messageId: '<to-dup@mail.example.com>',
        inReplyTo: '<dup@mail.example.com>',
        references: ['<dup@mail.example.com>'],
      },
    });
    expect(await recordInbound(toDuplicate, deps)).toMatchObject({
      outcome: 'threaded',
      caseId: survivor.caseId,
    });
  });

  it('writes the acknowledgement the outbound rules compose, never for automated mail, once per sender per window', async () => {
    const deps = services();
    const acknowledge = (created: Case, message: InboundMessage) => ({
      entry: {
        entryId: `ack:${created.caseId}`,
        caseId: created.caseId,
        kind: 'acknowledgement' as const,
        mail: {
          to: [message.sender.address ?? ''],
          subject: `[${created.reference}]`,
          text: 'Received.',
          headers: {},
        },
        createdAt: created.createdAt,
      },
      guardKey: `ack:${message.sender.address}`,
    });
    const withAck = { ...deps, acknowledge };
    expect(await recordInbound(inboundEmail(), withAck)).toMatchObject({
      outcome: 'created',
      acknowledged: true,
    });
    const again = inboundEmail({
      externalId: '<second@mail.example.com>',
      bodyText: 'And another refill, please.',
      threading: { messageId: '<second@mail.example.com>', references: [] },
    });
    expect(await recordInbound(again, withAck)).toMatchObject({ outcome: 'created', acknowledged: false });
    const bounce = inboundEmail({
      externalId: '<bounce@mail.example.com>',
      sender: { address: 'mailer-daemon@example.com' },
      automated: true,
      threading: { messageId: '<bounce@mail.example.com>', references: [] },
    });
    expect(await recordInbound(bounce, withAck)).toMatchObject({ outcome: 'created', acknowledged: false });
    expect([...deps.caseStore.outbox.keys()]).toHaveLength(1);
  });
});
